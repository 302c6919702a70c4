-- Policy paths, exercised with the create_index rule: enforce, warn, off,
-- migration_guard.allow (SET and SET LOCAL), directive comments, per-rule
-- overrides, and an ordinary role that may not loosen any of them.
SET client_min_messages = 'warning';
CREATE EXTENSION IF NOT EXISTS migration_guard;
RESET client_min_messages;
SET migration_guard.small_table_threshold = 0;
CREATE TABLE pol_t (id int, v text);
INSERT INTO pol_t SELECT g, 'x' || g FROM generate_series(1, 1000) g;
ANALYZE pol_t;
CREATE FUNCTION pol_indexes() RETURNS SETOF name LANGUAGE sql
  AS $$ SELECT indexrelid::regclass::name FROM pg_index
         WHERE indrelid = 'pol_t'::regclass ORDER BY 1 $$;

-- enforce (the default): refused, nothing applied
CREATE INDEX pol_t_a ON pol_t (v);
SELECT * FROM pol_indexes();

-- warn: reported, applied
SET migration_guard.mode = 'warn';
CREATE INDEX pol_t_b ON pol_t (v);
SELECT * FROM pol_indexes();

-- off: silent, applied
SET migration_guard.mode = 'off';
CREATE INDEX pol_t_c ON pol_t (v);
RESET migration_guard.mode;

-- The safe form never fires.
CREATE INDEX CONCURRENTLY pol_t_d ON pol_t (v);

-- Overrides are logged with the role, the rule and the statement.
SET client_min_messages = 'log';

-- migration_guard.allow for the session
SET migration_guard.allow = 'create_index';
CREATE INDEX pol_t_e ON pol_t (v);
RESET migration_guard.allow;

-- SET LOCAL: this transaction only
BEGIN;
SET LOCAL migration_guard.allow = 'create_index, drop_column';
CREATE INDEX pol_t_f ON pol_t (v);
COMMIT;
CREATE INDEX pol_t_g ON pol_t (v);

-- A directive comment inside the statement, in either comment style
CREATE INDEX pol_t_h ON pol_t (v) -- migration_guard:allow create_index
;
CREATE INDEX /* migration_guard:allow rename_column, create_index */ pol_t_i ON pol_t (v);

-- A directive applies to its own statement only, even in one query string
CREATE INDEX pol_t_j ON pol_t (v) /* migration_guard:allow create_index */ \; CREATE INDEX pol_t_k ON pol_t (v);

-- A directive naming no rule is an error, not a silent no-op
CREATE INDEX pol_t_l ON pol_t (v) /* migration_guard:allow create_indx */;

-- per-rule severity
SET migration_guard.rules = 'create_index=warn';
CREATE INDEX pol_t_m ON pol_t (v);
SET migration_guard.rules = 'create_index=off';
CREATE INDEX pol_t_n ON pol_t (v);
RESET migration_guard.rules;
RESET client_min_messages;
SELECT * FROM pol_indexes();

-- An ordinary table owner cannot switch the guard off, by SET or by comment
CREATE ROLE pol_owner;
ALTER TABLE pol_t OWNER TO pol_owner;
SET ROLE pol_owner;
SET migration_guard.mode = 'off';
SET migration_guard.allow = 'create_index';
SET migration_guard.rules = 'create_index=off';
SET migration_guard.small_table_threshold = '1TB';
CREATE INDEX pol_t_o ON pol_t (v) /* migration_guard:allow create_index */;
RESET ROLE;

-- ... until the DBA grants it
GRANT SET ON PARAMETER migration_guard.allow TO pol_owner;
GRANT CREATE ON SCHEMA public TO pol_owner;
SET ROLE pol_owner;
CREATE INDEX pol_t_p ON pol_t (v) /* migration_guard:allow create_index */;
BEGIN;
SET LOCAL migration_guard.allow = 'create_index';
CREATE INDEX pol_t_q ON pol_t (v);
COMMIT;
RESET ROLE;
SELECT * FROM pol_indexes();

-- clean up
SET migration_guard.mode = 'off';
DROP TABLE pol_t;
DROP FUNCTION pol_indexes();
REVOKE SET ON PARAMETER migration_guard.allow FROM pol_owner;
REVOKE CREATE ON SCHEMA public FROM pol_owner;
DROP ROLE pol_owner;
RESET migration_guard.mode;
