#!/usr/bin/env bash
# Migration heads with the real Alembic (Debian's python3-alembic and
# psycopg2): `alembic upgrade` / `downgrade` against a guarded database.
# The guard must read what Alembic wrote, refuse an upgrade past the
# expected head as a whole, refuse a downgrade at the head, and record the
# history.
set -u
source "$MG_ROOT/test/lib/tap.sh"
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@" 2>&1; }
PY=/usr/bin/python3
DIR="$MG_WORK/integration/alembic"
DB=heads_alembic

if ! "$PY" -c 'import alembic, psycopg2' 2>/dev/null; then
	echo "not ok 1 - python3-alembic and python3-psycopg2 are installed (test/lib/cluster.sh installs them)"
	exit 1
fi

q -d postgres -c "CREATE DATABASE $DB" >/dev/null
q -d $DB -c 'CREATE EXTENSION migration_guard' >/dev/null

mkdir -p "$DIR/migrations/versions"
cat >"$DIR/alembic.ini" <<'INI'
[alembic]
script_location = %(here)s/migrations
INI
cat >"$DIR/migrations/env.py" <<'PY'
import os
from alembic import context
from sqlalchemy import create_engine, pool

engine = create_engine(os.environ["HEADS_DB_URL"], poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(
        connection=connection,
        transaction_per_migration=os.environ.get("PER_MIGRATION") == "1")
    with context.begin_transaction():
        context.run_migrations()
PY
cat >"$DIR/migrations/versions/ae1027a6acf1_account.py" <<'PY'
revision = "ae1027a6acf1"
down_revision = None
branch_labels = None
depends_on = None
from alembic import op
import sqlalchemy as sa

def upgrade():
    op.create_table("account", sa.Column("id", sa.BigInteger, primary_key=True))

def downgrade():
    op.drop_table("account")
PY
cat >"$DIR/migrations/versions/27c6a30d7c24_email.py" <<'PY'
revision = "27c6a30d7c24"
down_revision = "ae1027a6acf1"
branch_labels = None
depends_on = None
from alembic import op
import sqlalchemy as sa

def upgrade():
    op.add_column("account", sa.Column("email", sa.Text))

def downgrade():
    op.drop_column("account", "email")
PY
cat >"$DIR/migrations/versions/1975ea83b712_invoice.py" <<'PY'
revision = "1975ea83b712"
down_revision = "27c6a30d7c24"
branch_labels = None
depends_on = None
from alembic import op
import sqlalchemy as sa

def upgrade():
    op.create_table("invoice", sa.Column("id", sa.BigInteger, primary_key=True))

def downgrade():
    op.drop_table("invoice")
PY

export HEADS_DB_URL="postgresql+psycopg2:///$DB?host=$PGHOST&port=$PGPORT&user=$PGUSER"
alembic() { (cd "$DIR" && "$PY" -m alembic -c alembic.ini "$@" 2>&1); }
state() { q -d $DB -c "SELECT state || ' ' || array_to_string(current_heads, ',') FROM migration_guard.head()"; }
exists() { q -d $DB -c "SELECT to_regclass('$1') IS NOT NULL"; }
history() { q -d $DB -c "SELECT string_agg(array_to_string(from_heads, ',') || '>' || array_to_string(to_heads, ','), ' ' ORDER BY id) FROM migration_guard.head_history"; }

# The release expects 27c6a30d7c24; the scripts go one further.
q -d postgres -c "ALTER DATABASE $DB SET migration_guard.expected_head = '27c6a30d7c24'" \
	-c "ALTER DATABASE $DB SET migration_guard.known_heads = 'ae1027a6acf1'" >/dev/null
is "$(alembic heads)" "1975ea83b712 (head)" 'alembic sees three revisions'

out=$(alembic upgrade head); rc=$?
[ $rc -ne 0 ]; ok $? 'alembic upgrade head past the expected head fails'
like "$out" 'migration would move the head to a revision this release does not know' 'with the guard'"'"'s message'
is "$(exists account),$(exists invoice),$(exists alembic_version)" "f,f,f" 'the whole upgrade rolled back: no table, not even alembic_version'

out=$(alembic upgrade 27c6a30d7c24); rc=$?
is "$rc" 0 'alembic upgrade to the expected head succeeds'
is "$(state)" "at_head 27c6a30d7c24" 'head() reads what alembic wrote'
is "$(alembic current | grep -o '^[0-9a-f]*')" "27c6a30d7c24" 'alembic agrees'
is "$(q -d $DB -c 'SELECT migration_guard.assert_head()' >/dev/null; echo $?)" 0 'assert_head passes'

out=$(alembic downgrade ae1027a6acf1); rc=$?
[ $rc -ne 0 ]; ok $? 'alembic downgrade at the expected head fails'
like "$out" 'migration would move the head back from the expected head' 'refused as a downgrade'
is "$(q -d $DB -c "SELECT count(*) FROM pg_attribute WHERE attrelid = 'account'::regclass AND attname = 'email'")" 1 'the column the downgrade dropped is still there'

# Schema freeze: at the head, DDL outside a migration is refused.
q -d postgres -c "ALTER DATABASE $DB SET migration_guard.freeze_at_head = on" >/dev/null
out=$(q -d $DB -c 'CREATE TABLE drift (id int)')
like "$out" 'schema is frozen at the expected migration head' 'hand-made DDL at the head is refused'

# The next release: new expected head, per-migration transactions, freeze on.
q -d postgres -c "ALTER DATABASE $DB SET migration_guard.expected_head = '1975ea83b712'" \
	-c "ALTER DATABASE $DB SET migration_guard.known_heads = 'ae1027a6acf1, 27c6a30d7c24'" >/dev/null
out=$(PER_MIGRATION=1 alembic upgrade head); rc=$?
is "$rc" 0 'the next release migrates to its head (transaction per migration, freeze on)'
is "$(state)" "at_head 1975ea83b712" 'at the new head'
is "$(exists invoice)" t 'its table exists'

# A deliberate rollback by a superuser.
out=$(PGOPTIONS='-c migration_guard.allow_downgrade=on' alembic downgrade 27c6a30d7c24); rc=$?
is "$rc" 0 'a downgrade with allow_downgrade on succeeds'
is "$(state)" "behind 27c6a30d7c24" 'head() says behind'
is "$(exists invoice)" f 'the downgraded table is gone'

is "$(history)" ">27c6a30d7c24 27c6a30d7c24>1975ea83b712 1975ea83b712>27c6a30d7c24" 'head_history has every change, refused ones excluded'
is "$(q -d $DB -c "SELECT count(DISTINCT txid) FROM migration_guard.head_history")" 3 'one transaction id per change'

# head_history survives pg_dump (extension configuration table).
pg_dump -d $DB -f "$MG_WORK/integration/heads_alembic.sql"
grep -q "1975ea83b712" "$MG_WORK/integration/heads_alembic.sql"; ok $? 'pg_dump includes the history rows'

q -d postgres -c "SET migration_guard.allow = 'drop_database'" -c "DROP DATABASE $DB" >/dev/null
done_testing
