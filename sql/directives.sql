-- Which comments belong to a statement (docs/configuration.md, "Directive
-- comments"): those inside it, those before it back to the previous
-- statement's semicolon (but not that semicolon's own line tail), and those
-- after its semicolon on the same line.  Never text in literals, quoted
-- identifiers or dollar quotes.  Each query string is sent exactly as
-- written with \gexec (psql itself drops "--" comments between statements).
-- In warn mode an accepted statement logs its override (LOG, with its
-- text) and the others warn, so the output shows which statement a
-- directive went to.  On PostgreSQL 18 statements start at their first
-- token; the output must be the same on every version.
SET client_min_messages = 'warning';
CREATE EXTENSION IF NOT EXISTS migration_guard;
RESET client_min_messages;
SET migration_guard.small_table_threshold = 0;
SET migration_guard.mode = 'warn';
\set VERBOSITY terse
CREATE TABLE dir_t (id int, v text);
INSERT INTO dir_t SELECT g, 'x' || g FROM generate_series(1, 1000) g;
ANALYZE dir_t;
CREATE TABLE dir_cases (n bigint PRIMARY KEY, what text, q text);
INSERT INTO dir_cases VALUES
 (1, 'block comment on the line before',
  E'/* migration_guard:allow create_index */\nCREATE INDEX d1 ON dir_t (v)'),
 (2, 'line comment on the line before',
  E'-- migration_guard:allow create_index\nCREATE INDEX d2 ON dir_t (v)'),
 (3, 'after the semicolon on the same line',
  E'CREATE INDEX d3 ON dir_t (v); -- migration_guard:allow create_index'),
 (4, 'same line after the first statement: the first only',
  E'CREATE INDEX d4a ON dir_t (v); -- migration_guard:allow create_index\nCREATE INDEX d4b ON dir_t (v);'),
 (5, 'on the line after the first statement: the second only',
  E'CREATE INDEX d5a ON dir_t (v);\n-- migration_guard:allow create_index\nCREATE INDEX d5b ON dir_t (v);'),
 (6, 'block comment before the second statement, lines apart',
  E'CREATE INDEX d6a ON dir_t (v);\n\n/* a comment\n   migration_guard:allow create_index\n */\n\nCREATE INDEX d6b ON dir_t (v);'),
 (7, 'block comment between two statements on one line: the first',
  E'CREATE INDEX d7a ON dir_t (v); /* migration_guard:allow create_index */ CREATE INDEX d7b ON dir_t (v);'),
 (8, 'inside a string literal: never',
  E'CREATE INDEX d8 ON dir_t ((v || ''-- migration_guard:allow create_index''))'),
 (9, 'inside an E string with an escaped quote: never',
  E'CREATE INDEX d9 ON dir_t ((v || E''\\'' /* migration_guard:allow create_index */''))'),
 (10, 'inside a quoted identifier: never',
  E'CREATE INDEX "d10 -- migration_guard:allow create_index" ON dir_t (v)'),
 (11, 'inside a dollar quote: never',
  E'CREATE INDEX d11 ON dir_t ((v || $x$ /* migration_guard:allow create_index */ $x$))'),
 (12, 'a literal hides a semicolon and a comment opener from the split',
  E'CREATE INDEX d12a ON dir_t ((v || '';/*''));\n-- migration_guard:allow create_index\nCREATE INDEX d12b ON dir_t (v);'),
 (13, 'nested comment: the directive inside it counts',
  E'/* outer /* inner */ migration_guard:allow create_index */\nCREATE INDEX d13 ON dir_t (v)'),
 (14, 'nested comment closed early would leak: it does not',
  E'/* a /* b */ -- still a comment; */ CREATE INDEX d14a ON dir_t (v); CREATE INDEX d14b ON dir_t (v) /* migration_guard:allow create_index */'),
 (15, 'a directive after the last statement of three goes to it alone',
  E'CREATE INDEX d15a ON dir_t (v);\nCREATE INDEX d15b ON dir_t (v);\nCREATE INDEX d15c ON dir_t (v); -- migration_guard:allow create_index\n'),
 (16, 'leading comment of the first statement in a string of two',
  E'-- migration_guard:allow create_index\nCREATE INDEX d16a ON dir_t (v);\nCREATE INDEX d16b ON dir_t (v);'),
 (17, 'dollar-quoted body with a semicolon before the statement',
  E'SELECT $f$ ; -- migration_guard:allow create_index $f$;\nCREATE INDEX d17 ON dir_t (v);');
SET client_min_messages = 'log';
SELECT format('-- case %s: %s', n, what) AS "case", q FROM dir_cases ORDER BY n \gexec
RESET client_min_messages;

-- check() reads the same comments for every statement of a script.
-- (The indexes are renamed: d1 and so on exist now.)
SELECT c.n, r.statement, r.rule, r.severity, r.note
  FROM dir_cases c,
       LATERAL migration_guard.check(regexp_replace(c.q, 'INDEX ("?)d', 'INDEX \1c', 'g'),
                                     include_off => true) r
 WHERE r.rule IS NOT NULL
 ORDER BY c.n, r.statement;

-- The statement text check() shows carries the comments before it, and not
-- the previous statement's line tail.
SELECT statement, statement_text
  FROM migration_guard.check(E'CREATE INDEX s1 ON dir_t (v); -- tail of one\n-- before two\nCREATE INDEX s2 ON dir_t (v);')
 ORDER BY statement;

-- A misspelt rule in a comment that belongs to the statement is an error;
-- one in a literal is just text.
SELECT E'CREATE INDEX e1 ON dir_t (v) /* migration_guard:allow create_indx */' \gexec
SELECT E'CREATE INDEX e2 ON dir_t ((v || ''migration_guard:allow create_indx''))' \gexec

-- An ordinary role's directive is ignored wherever it sits.
CREATE ROLE dir_owner;
ALTER TABLE dir_t OWNER TO dir_owner;
GRANT CREATE ON SCHEMA public TO dir_owner;
SET migration_guard.mode = 'enforce';
SET ROLE dir_owner;
SELECT E'-- migration_guard:allow create_index\nCREATE INDEX o1 ON dir_t (v)' \gexec
SELECT E'CREATE INDEX o2 ON dir_t (v); -- migration_guard:allow create_index' \gexec
RESET ROLE;
SELECT indexrelid::regclass FROM pg_index WHERE indrelid = 'dir_t'::regclass AND indexrelid::regclass::text LIKE 'o%';

SET migration_guard.mode = 'off';
DROP TABLE dir_t, dir_cases;
DROP OWNED BY dir_owner;
DROP ROLE dir_owner;
