#!/usr/bin/env bash
# test/security/heads_attacks.sh -- an ordinary role attacks the migration
# head: privilege escalation through the reading of the version table, head
# tampering by DDL instead of DML, and evasion of freeze_at_head.
#
# The attacker, mg_sh_mallory, is the worst case the guard must withstand:
# it owns the version table (as a migration role does), owns schemas, may
# create schemas, has TEMP.  Every attack runs in its own connection and must fail with the
# SQLSTATE given, leave the version table, the schema and the head exactly
# as they were, and leave the attacker without superuser.  Commit-time
# refusals need real transactions, hence psql and not pgTAP.
set -uo pipefail
source "$(dirname "$0")/../lib/tap.sh"

DB=sec_heads_attacks
A=mg_sh_mallory
SU() { psql -qX -d "$DB" -v ON_ERROR_STOP=1 "$@"; }
AS() { psql -qX -d "$DB" -U "$A" -v ON_ERROR_STOP=1 "$@"; }

psql -qX -c "SET migration_guard.allow = 'drop_database'" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1
psql -qX -c "DROP ROLE IF EXISTS $A" >/dev/null 2>&1
psql -qX -v ON_ERROR_STOP=1 -c "CREATE ROLE $A LOGIN" -c "CREATE DATABASE $DB" >/dev/null || exit 1

# The version table, the attacker's trap function (harmless as the
# attacker, it makes the attacker superuser if anyone privileged runs it),
# and the attacker's own schema.
SU >/dev/null <<SQL || exit 1
CREATE EXTENSION migration_guard;
SET migration_guard.mode = off;
CREATE SCHEMA app AUTHORIZATION $A;
CREATE SCHEMA app2 AUTHORIZATION $A;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT CREATE ON DATABASE $DB TO $A;
SET ROLE $A;
CREATE TABLE app.alembic_version (version_num varchar(32) PRIMARY KEY);
INSERT INTO app.alembic_version VALUES ('a1');
CREATE FUNCTION app.trap(v text DEFAULT NULL) RETURNS text LANGUAGE plpgsql VOLATILE AS \$f\$
BEGIN
    IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
        EXECUTE 'ALTER ROLE $A SUPERUSER';
    END IF;
    RETURN coalesce(v, 'z9');
END \$f\$;
CREATE FUNCTION app.trap_immutable(v text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS \$f\$
BEGIN
    IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
        EXECUTE 'ALTER ROLE $A SUPERUSER';
    END IF;
    RETURN v;
END \$f\$;
CREATE TABLE app.other (version_num varchar(32) NOT NULL);
INSERT INTO app.other VALUES ('z9');
CREATE DOMAIN app.vdom AS varchar(32);
CREATE FUNCTION app.mk() RETURNS void LANGUAGE sql AS 'CREATE TABLE app.x (id int)';
RESET ROLE;
ALTER DATABASE $DB SET migration_guard.mode = off;
ALTER DATABASE $DB SET migration_guard.expected_head = 'a1';
ALTER DATABASE $DB SET migration_guard.migration_table = 'app.alembic_version';
SQL

# The version table as a whole (relations of its name, kind, owner,
# columns, children, rows), every relation in the attacker's schemas, and
# the head as the guard reads it.
fingerprint() {
	SU -tA <<'SQL'
SELECT concat_ws(' | ',
  (SELECT string_agg(c.oid::regclass::text || ':' || c.relkind::text || ':' || pg_get_userbyid(c.relowner), ',' ORDER BY c.oid)
     FROM pg_class c WHERE c.relname = 'alembic_version'),
  (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ',' ORDER BY a.attnum)
     FROM pg_attribute a WHERE a.attrelid = to_regclass('app.alembic_version') AND a.attnum > 0 AND NOT a.attisdropped),
  (SELECT count(*) FROM pg_inherits WHERE inhparent = to_regclass('app.alembic_version')),
  (SELECT string_agg(n.nspname || '.' || c.relname || ':' || c.relkind::text, ',' ORDER BY 1)
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('app', 'app2', 'public')),
  (SELECT coalesce(string_agg(version_num, ',' ORDER BY version_num), '-') FROM app.alembic_version),
  (SELECT current_heads::text || ' ' || state FROM migration_guard.head()));
SQL
}

not_superuser() {
	is "$(SU -tAc "SELECT rolsuper FROM pg_roles WHERE rolname = '$A'")" f "$1: the attacker is not superuser"
}

# attack NAME SQLSTATE SQL: the attack fails with SQLSTATE and changes nothing
attack() {
	local name=$1 want=$2 sql=$3 before after out
	before=$(fingerprint)
	out=$(printf '%s\n' '\set VERBOSITY sqlstate' "$sql" | AS 2>&1)
	like "$out" "ERROR: +$want" "$name: refused with $want"
	after=$(fingerprint)
	is "$after" "$before" "$name: version table, schema and head unchanged"
	not_superuser "$name"
}

# escalation NAME SQL_AS_ATTACKER SQL_AS_SUPERUSER: whatever the attacker
# prepared, a privileged session reading the head runs none of its code
escalation() {
	local name=$1 prep=$2 victim=$3 out
	out=$(printf '%s\n' "$prep" | AS 2>&1)
	out=$(printf '%s\n' "$victim" | SU 2>&1)
	not_superuser "$name"
}

################################################## privilege escalation

# 1. The reported escalation: unqualified migration_table, a temporary view
# of that name calling the attacker's function, then head().
SU -c "ALTER DATABASE $DB SET migration_guard.migration_table = 'alembic_version'" >/dev/null
out=$(AS -tA <<'SQL' 2>&1
CREATE FUNCTION pg_temp.f() RETURNS text LANGUAGE plpgsql AS $$
BEGIN EXECUTE 'ALTER ROLE mg_sh_mallory SUPERUSER'; RETURN 'z9'; END $$;
CREATE TEMP VIEW alembic_version AS SELECT pg_temp.f()::varchar AS version_num;
SELECT migration_table || ' ' || current_heads::text || ' ' || state FROM migration_guard.head();
SQL
)
like "$out" 'app\.alembic_version \{a1\} at_head' "temp view shadowing an unqualified migration_table: head() reads the real table"
not_superuser "temp view shadowing an unqualified migration_table"

# 2. The same with a temporary table of the name holding another head.
out=$(AS -tA <<'SQL' 2>&1
CREATE TEMP TABLE alembic_version (version_num varchar(32));
INSERT INTO alembic_version VALUES ('z9');
SELECT current_heads::text || ' ' || state FROM migration_guard.head();
SQL
)
like "$out" '\{a1\} at_head' "temp table shadowing an unqualified migration_table: head() reads the real table"

# 3. A search_path in the attacker's session cannot redirect the name either.
out=$(AS -tA <<'SQL' 2>&1
SET search_path = app2, app, public;
SELECT migration_table FROM migration_guard.head();
SQL
)
like "$out" '^app\.alembic_version$' "the session's search_path does not choose the migration table"

# 4. A second table of the name in the attacker's schema makes an
# unqualified name ambiguous: fails closed (head() unknown, writes refused).
AS -c "CREATE TABLE app2.alembic_version (version_num varchar(32))" >/dev/null 2>&1
like "$(SU -tAc "SELECT state || ': ' || detail FROM migration_guard.head()")" '^unknown: Several tables' "an unqualified name found in two schemas is ambiguous"
attack "migrate while the name is ambiguous" MG010 "UPDATE app.alembic_version SET version_num = 'z9';"
AS -c "DROP TABLE app2.alembic_version" >/dev/null 2>&1
SU -c "ALTER DATABASE $DB SET migration_guard.migration_table = 'app.alembic_version'" >/dev/null

# 5. The second reproduced escalation: the owner replaces the version table
# by a view calling its function (possible while no expected head is set),
# then a superuser reads the head.
SU -c "ALTER DATABASE $DB SET migration_guard.expected_head = ''" >/dev/null
escalation "version table replaced by a view" "
BEGIN;
ALTER TABLE app.alembic_version RENAME TO alembic_version_old;
CREATE VIEW app.alembic_version AS SELECT app.trap()::varchar(32) AS version_num;
COMMIT;" "
SET migration_guard.expected_head = 'a1';
SELECT * FROM migration_guard.head();
SELECT migration_guard.assert_head();"
like "$(SU -tAc "SET migration_guard.expected_head = 'a1'; SELECT state || ': ' || detail FROM migration_guard.head()")" 'is a view' "a view named as the version table is never read: head() says why"
AS -c "BEGIN; DROP VIEW app.alembic_version; ALTER TABLE app.alembic_version_old RENAME TO alembic_version; COMMIT;" >/dev/null 2>&1

# 6. A materialized view in its place (its REFRESH would run the trap).
escalation "version table replaced by a materialized view" "
BEGIN;
ALTER TABLE app.alembic_version RENAME TO alembic_version_old;
CREATE MATERIALIZED VIEW app.alembic_version AS SELECT app.trap()::varchar(32) AS version_num;
COMMIT;" "
SET migration_guard.expected_head = 'a1';
SELECT * FROM migration_guard.head();"
like "$(SU -tAc "SET migration_guard.expected_head = 'a1'; SELECT detail FROM migration_guard.head()")" 'is a materialized view' "a materialized view is never read"
AS -c "BEGIN; DROP MATERIALIZED VIEW app.alembic_version; ALTER TABLE app.alembic_version_old RENAME TO alembic_version; COMMIT;" >/dev/null 2>&1

# 7. Row security forced on the owner, with a policy calling the trap.
escalation "forced row security policy on the version table" "
CREATE POLICY p ON app.alembic_version USING (app.trap(version_num) IS NOT NULL);
ALTER TABLE app.alembic_version ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;" "
SET migration_guard.expected_head = 'a1';
SELECT * FROM migration_guard.head();
SELECT migration_guard.assert_head();"
AS -c "ALTER TABLE app.alembic_version NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY; DROP POLICY p ON app.alembic_version;" >/dev/null 2>&1

# 8. An expression index with the trap (the planner may look at it).
escalation "expression index calling the attacker's function" "
CREATE INDEX alembic_trap ON app.alembic_version (app.trap_immutable(version_num));" "
SET migration_guard.expected_head = 'a1';
SELECT * FROM migration_guard.head();"
AS -c "DROP INDEX app.alembic_trap" >/dev/null 2>&1

# 9. Operators and functions of the attacker's schema first on a privileged
# session's search_path: the guard's query resolves names in pg_catalog.
escalation "attacker's operator on a superuser's search_path" "
CREATE FUNCTION app.trap_ne(text, text) RETURNS boolean LANGUAGE plpgsql AS \$f\$
BEGIN PERFORM app.trap(); RETURN \$1 OPERATOR(pg_catalog.<>) \$2; END \$f\$;
CREATE OPERATOR app.<> (LEFTARG = text, RIGHTARG = text, FUNCTION = app.trap_ne);
CREATE FUNCTION app.coalesce(text, text) RETURNS text LANGUAGE sql AS 'SELECT app.trap()';" "
SET search_path = app, pg_catalog;
SET migration_guard.expected_head = 'a1';
SELECT * FROM migration_guard.head();"

# 9b. Column defaults and generated columns are not evaluated by a read.
escalation "column default calling the attacker's function" "
ALTER TABLE app.alembic_version ADD COLUMN note text DEFAULT app.trap();" "
SET migration_guard.expected_head = 'a1';
SELECT * FROM migration_guard.head();"
AS -c "ALTER TABLE app.alembic_version DROP COLUMN note" >/dev/null 2>&1

# 10. A trigger on the guard's history table would run when the guard
# records a head change: only the history's owner can add one.
attack "trigger on migration_guard.head_history" 42501 "
CREATE FUNCTION app.trg() RETURNS trigger LANGUAGE plpgsql AS \$f\$ BEGIN PERFORM app.trap(); RETURN NEW; END \$f\$;
CREATE TRIGGER t BEFORE INSERT ON migration_guard.head_history FOR EACH ROW EXECUTE FUNCTION app.trg();"

# 11. A temporary child of the version table (its rows would be read).
SU -c "ALTER DATABASE $DB SET migration_guard.expected_head = 'a1'" >/dev/null
attack "temporary child of the version table" MG010 "
CREATE TEMP TABLE c () INHERITS (app.alembic_version);"

################################################## head tampering (freeze off)

attack "UPDATE to an unknown revision (DML baseline)" MG017 "UPDATE app.alembic_version SET version_num = 'z9';"
attack "DELETE the head row" MG018 "DELETE FROM app.alembic_version;"
attack "empty version" MG010 "UPDATE app.alembic_version SET version_num = '';"
attack "NULL version" MG010 "
BEGIN;
ALTER TABLE app.alembic_version DROP CONSTRAINT alembic_version_pkey;
ALTER TABLE app.alembic_version ALTER version_num DROP NOT NULL;
INSERT INTO app.alembic_version VALUES (NULL);
COMMIT;"
attack "ALTER COLUMN TYPE ... USING" MG017 "ALTER TABLE app.alembic_version ALTER version_num TYPE varchar(40) USING 'z9';"
attack "ALTER COLUMN TYPE ... USING in a DO block" MG017 "DO \$\$ BEGIN EXECUTE 'ALTER TABLE app.alembic_version ALTER version_num TYPE text USING ''z9'''; END \$\$;"
attack "DROP COLUMN" "MG01[08]" "ALTER TABLE app.alembic_version DROP COLUMN version_num;"
attack "DROP COLUMN, ADD COLUMN with a DEFAULT" MG017 "
BEGIN;
ALTER TABLE app.alembic_version DROP COLUMN version_num;
ALTER TABLE app.alembic_version ADD COLUMN version_num varchar(32) DEFAULT 'z9';
COMMIT;"
attack "RENAME COLUMN" "MG01[08]" "ALTER TABLE app.alembic_version RENAME version_num TO v;"
attack "rename through ALTER INDEX" MG018 "ALTER INDEX app.alembic_version RENAME TO alembic_version_x;"
attack "ALTER TABLE RENAME" MG018 "ALTER TABLE app.alembic_version RENAME TO alembic_version_x;"
attack "SET SCHEMA" MG018 "ALTER TABLE app.alembic_version SET SCHEMA app2;"
attack "rename the schema holding the table" MG018 "ALTER SCHEMA app RENAME TO app3;"
attack "swap in another table under the name" MG017 "
BEGIN;
ALTER TABLE app.alembic_version RENAME TO alembic_version_x;
ALTER TABLE app.other RENAME TO alembic_version;
COMMIT;"
attack "CREATE TABLE ... INHERITS and a row in the child" MG017 "
BEGIN;
CREATE TABLE app.child () INHERITS (app.alembic_version);
INSERT INTO app.child VALUES ('z9');
COMMIT;"
attack "ALTER TABLE ... INHERIT a table holding a row" MG017 "
BEGIN;
ALTER TABLE app.other ALTER version_num SET NOT NULL;
ALTER TABLE app.other INHERIT app.alembic_version;
COMMIT;"
attack "REVOKE the owner's own SELECT" MG010 "REVOKE SELECT ON app.alembic_version FROM $A;"
attack "REVOKE the owner's own USAGE on the schema" MG010 "REVOKE USAGE ON SCHEMA app FROM $A;"
# a long-lived session that knew the table before a child was attached
AS -c "CREATE TABLE app.c0 () INHERITS (app.alembic_version); CREATE TABLE app.d (version_num varchar(32) NOT NULL);" >/dev/null 2>&1
out=$(AS 2>&1 <<SQL
\\set VERBOSITY sqlstate
SELECT state FROM migration_guard.head();
INSERT INTO app.other VALUES ('x');
\\! psql -qX -d $DB -U $A -c 'ALTER TABLE app.d INHERIT app.alembic_version'
INSERT INTO app.d VALUES ('z9');
SQL
)
like "$out" 'ERROR: +MG017' "write through a child attached after the session started: refused with MG017"
is "$(SU -tAc "SELECT current_heads::text || ' ' || state || ' ' || (SELECT count(*) FROM app.d) FROM migration_guard.head()")" "{a1} at_head 0" "write through a child attached after the session started: head and child unchanged"
not_superuser "write through a child attached after the session started"
AS -c "DROP TABLE app.c0, app.d; DELETE FROM app.other WHERE version_num = 'x';" >/dev/null 2>&1
attack "DROP TABLE" MG018 "DROP TABLE app.alembic_version;"
attack "TRUNCATE" MG018 "TRUNCATE app.alembic_version;"
attack "DROP OWNED BY the owner" MG018 "DROP OWNED BY $A;"
attack "DROP SCHEMA ... CASCADE" MG018 "DROP SCHEMA app CASCADE;"
attack "DROP DOMAIN ... CASCADE under the version column" "MG01[08]" "
BEGIN;
ALTER TABLE app.alembic_version ALTER version_num TYPE app.vdom;
DROP DOMAIN app.vdom CASCADE;
COMMIT;"
attack "ALTER COLUMN TYPE through a SQL function" MG017 "
BEGIN;
CREATE FUNCTION app.h() RETURNS void LANGUAGE sql AS \$\$ ALTER TABLE app.alembic_version ALTER version_num TYPE text USING 'z9' \$\$;
SELECT app.h();
COMMIT;"
attack "DETACH/ATTACH-free partition swap: version table made a partition" MG018 "
BEGIN;
ALTER TABLE app.alembic_version RENAME TO alembic_version_x;
CREATE TABLE app.alembic_version (version_num varchar(32)) PARTITION BY LIST (version_num);
COMMIT;"

################################################## freeze evasion (freeze on)

SU -c "ALTER DATABASE $DB SET migration_guard.freeze_at_head = on" >/dev/null
attack "CREATE TABLE (baseline)" MG019 "CREATE TABLE app.x (id int);"
attack "CREATE TABLE AS" MG019 "CREATE TABLE app.x AS SELECT 1 AS id;"
attack "SELECT INTO" MG019 "SELECT 1 AS id INTO app.x;"
attack "EXPLAIN ANALYZE CREATE TABLE AS" MG019 "EXPLAIN ANALYZE CREATE TABLE app.x AS SELECT 1 AS id;"
attack "EXPLAIN ANALYZE SELECT INTO" MG019 "EXPLAIN ANALYZE SELECT 1 AS id INTO app.x;"
attack "CREATE MATERIALIZED VIEW" MG019 "CREATE MATERIALIZED VIEW app.x AS SELECT 1 AS id;"
attack "EXPLAIN ANALYZE CREATE MATERIALIZED VIEW" MG019 "EXPLAIN ANALYZE CREATE MATERIALIZED VIEW app.x AS SELECT 1 AS id;"
attack "CREATE TABLE AS EXECUTE" MG019 "PREPARE p AS SELECT 1 AS id; CREATE TABLE app.x AS EXECUTE p;"
attack "EXPLAIN ANALYZE CREATE TABLE AS in a DO block" MG019 "DO \$\$ BEGIN EXECUTE 'EXPLAIN ANALYZE CREATE TABLE app.x AS SELECT 1 AS id'; END \$\$;"
attack "DDL in a released savepoint" MG019 "
BEGIN;
SAVEPOINT s;
CREATE TABLE app.x (id int);
RELEASE SAVEPOINT s;
COMMIT;"
attack "CREATE TABLE from a SQL function called by SELECT" MG019 "SELECT app.mk();"
attack "turn the freeze off" 42501 "SET migration_guard.freeze_at_head = off; CREATE TABLE app.x (id int);"
attack "allow a downgrade" 42501 "SET migration_guard.allow_downgrade = on; DELETE FROM app.alembic_version;"
attack "DDL on the version table itself is no migration" MG019 "ALTER TABLE app.alembic_version ADD COLUMN note text;"
attack "rename the version table away and back, with DDL between" MG019 "
BEGIN;
ALTER TABLE app.alembic_version RENAME TO alembic_version_x;
CREATE TABLE app.x (id int);
ALTER TABLE app.alembic_version_x RENAME TO alembic_version;
COMMIT;"
SU -c "ALTER DATABASE $DB SET migration_guard.migration_table = 'auto'" >/dev/null
attack "a second candidate table so that detection gives up" MG010 "CREATE TABLE app2.alembic_version (version_num varchar(32));"
attack "a second candidate table, then DDL" MG010 "
BEGIN;
CREATE TABLE app2.alembic_version (version_num varchar(32));
CREATE TABLE app.x (id int);
COMMIT;"
SU -c "ALTER DATABASE $DB SET migration_guard.migration_table = 'app.alembic_version'" >/dev/null

# What the freeze leaves alone: temporary objects, whatever path creates them.
out=$(AS 2>&1 <<'SQL'
EXPLAIN ANALYZE CREATE TEMP TABLE t1 AS SELECT 1 AS id;
SELECT 1 AS id INTO TEMP t2;
CREATE TEMP TABLE t3 (id serial);
SQL
)
unlike() { TAP_N=$((TAP_N + 1)); if [[ $1 =~ $2 ]]; then echo "not ok $TAP_N - $3"; echo "#   got: '$1'"; TAP_FAILED=$((TAP_FAILED + 1)); else echo "ok $TAP_N - $3"; fi; }
unlike "$out" 'ERROR' "the freeze lets temporary tables through, also from EXPLAIN ANALYZE and SELECT INTO"

psql -qX -c "SET migration_guard.allow = 'drop_database'" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1
psql -qX -c "DROP ROLE IF EXISTS $A" >/dev/null 2>&1
done_testing
