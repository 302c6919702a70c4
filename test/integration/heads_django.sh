#!/usr/bin/env bash
# Migration heads with the real Django (Debian's python3-django): Django
# records a migration with deferred SQL (an index or foreign key) after its
# DDL committed, and every unapply after its DDL, so the guard refuses DDL
# before it runs while the database is at the expected head.
set -u
source "$MG_ROOT/test/lib/tap.sh"
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@" 2>&1; }
DIR="$MG_WORK/integration/django"
DB=heads_django
mkdir -p "$DIR/proj/shop/migrations"

# Debian's python3, where python3-django is installed (not a pyenv one)
PY=/usr/bin/python3
[ -x $PY ] || PY=$(command -v python3)
if ! $PY -c 'import django, psycopg2' 2>/dev/null; then
	echo "not ok 1 - python3-django and python3-psycopg2 are installed (test/run installs them)"
	exit 1
fi
ok 0 "Django $($PY -c 'import django; print(django.get_version())') installed"

q -d postgres -c "CREATE DATABASE $DB" >/dev/null
q -d $DB -c 'CREATE EXTENSION migration_guard' >/dev/null
# a role for deliberate downgrades: pooler-safe, its setting comes with it
q -d postgres -c "CREATE ROLE django_downgrade LOGIN SUPERUSER" >/dev/null 2>&1
q -d postgres -c "ALTER ROLE django_downgrade SET migration_guard.allow_downgrade = on" >/dev/null

cd "$DIR/proj"
cat >settings.py <<PY
import os
SECRET_KEY = 'test'
INSTALLED_APPS = ['shop']
USE_TZ = True
DATABASES = {'default': {
    'ENGINE': 'django.db.backends.postgresql', 'NAME': '$DB',
    'HOST': os.environ['PGHOST'], 'PORT': os.environ['PGPORT'],
    'USER': os.environ.get('DJANGO_USER', os.environ['PGUSER']),
}}
PY
touch shop/__init__.py shop/migrations/__init__.py
cat >shop/models.py <<'PY'
PY
cat >shop/migrations/0001_initial.py <<'PY'
from django.db import migrations, models
class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [migrations.CreateModel('Account', [('id', models.BigAutoField(primary_key=True))])]
PY
cat >shop/migrations/0002_invoice.py <<'PY'
from django.db import migrations, models
class Migration(migrations.Migration):
    dependencies = [('shop', '0001_initial')]
    operations = [migrations.CreateModel('Invoice', [
        ('id', models.BigAutoField(primary_key=True)),
        ('account', models.ForeignKey('shop.Account', on_delete=models.CASCADE))])]
PY
cat >shop/migrations/0003_note.py <<'PY'
from django.db import migrations, models
class Migration(migrations.Migration):
    dependencies = [('shop', '0002_invoice')]
    operations = [migrations.CreateModel('Note', [
        ('id', models.BigAutoField(primary_key=True)),
        ('invoice', models.ForeignKey('shop.Invoice', on_delete=models.CASCADE))])]
PY

dj() { (cd "$DIR/proj" && DJANGO_SETTINGS_MODULE=settings PYTHONPATH=. $PY -m django "$@" 2>&1); }
state() { q -d $DB -c "SELECT state || ' ' || array_to_string(current_heads, ',') FROM migration_guard.head()"; }
rows() { q -d $DB -c "SELECT coalesce(string_agg(name, ',' ORDER BY id), '') FROM django_migrations WHERE app = 'shop'"; }
tables() { q -d $DB -c "SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE relname LIKE 'shop\_%' AND relkind = 'r'"; }

q -d $DB -c "SELECT migration_guard.set_expected_head('shop:0002_invoice')" >/dev/null

out=$(dj migrate); rc=$?
[ $rc -ne 0 ]; ok $? 'manage.py migrate past the expected head fails'
like "$out" 'schema change refused before it ran' 'refused before the DDL of 0003 ran'
is "$(rows)" "0001_initial,0002_invoice" 'django_migrations holds the migrations up to the head'
is "$(tables)" "shop_account,shop_invoice" 'and nothing of 0003 was applied'
is "$(state)" "at_head shop:0002_invoice" 'head() reads what Django wrote'

out=$(dj migrate shop 0002); rc=$?
is "$rc" 0 'migrate to the expected head is a no-op'

out=$(dj migrate shop 0001); rc=$?
[ $rc -ne 0 ]; ok $? 'unapplying 0002 at the expected head fails'
like "$out" 'schema change refused before it ran' 'refused before its DROP ran'
is "$(rows),$(tables)" "0001_initial,0002_invoice,shop_account,shop_invoice" 'schema and django_migrations unchanged'

# deliberate downgrade: declare the older head, run as the downgrade role
q -d $DB -c "SELECT migration_guard.set_expected_head('shop:0001_initial')" >/dev/null
out=$(DJANGO_USER=django_downgrade dj migrate shop 0001); rc=$?
is "$rc" 0 'a deliberate downgrade (older head declared, allow_downgrade on the role) succeeds'
is "$(rows),$(tables)" "0001_initial,shop_account" 'invoice unapplied and its row deleted'
is "$(state)" "at_head shop:0001_initial" 'at the declared head'

# a new release: its head declared, all of its migrations run
q -d $DB -c "SELECT migration_guard.set_expected_head('shop:0003_note')" >/dev/null
out=$(dj migrate); rc=$?
is "$rc" 0 'the next release migrates to its declared head'
is "$(tables)" "shop_account,shop_invoice,shop_note" 'all of its tables exist'
is "$(state)" "at_head shop:0003_note" 'at the new head'
is "$(q -d $DB -c "SELECT count(*) FROM migration_guard.head_history WHERE to_heads = '{shop:0003_note}'")" 1 'recorded in head_history'

cd /
q -d postgres -c "SET migration_guard.allow = 'drop_database'" -c "DROP DATABASE $DB" >/dev/null
q -d postgres -c "DROP ROLE django_downgrade" >/dev/null
done_testing
