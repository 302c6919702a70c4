#!/usr/bin/env bash
# Migration heads with the real Active Record (Debian's ruby-activerecord,
# ruby-pg): its migrations run in a DDL transaction together with their
# INSERT INTO schema_migrations, so the commit check refuses a migration
# past the head, or a rollback from it, as a whole.
set -u
source "$MG_ROOT/test/lib/tap.sh"
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@" 2>&1; }
DIR="$MG_WORK/integration/rails"
DB=heads_rails
mkdir -p "$DIR/db/migrate"

if ! ruby -e 'require "active_record"; require "pg"' 2>/dev/null; then
	echo "not ok 1 - ruby-activerecord and ruby-pg are installed (test/run installs them)"
	exit 1
fi
ok 0 "Active Record $(ruby -e 'require "active_record"; print ActiveRecord::VERSION::STRING') installed"

q -d postgres -c "CREATE DATABASE $DB" >/dev/null
q -d $DB -c 'CREATE EXTENSION migration_guard' >/dev/null
q -d postgres -c "CREATE ROLE rails_downgrade LOGIN SUPERUSER" >/dev/null 2>&1
q -d postgres -c "ALTER ROLE rails_downgrade SET migration_guard.allow_downgrade = on" >/dev/null
q -d postgres -c "ALTER ROLE rails_downgrade SET migration_guard.allow = 'drop_table'" >/dev/null

cat >"$DIR/migrate.rb" <<'RUBY'
require 'active_record'
ActiveRecord::Base.establish_connection(adapter: 'postgresql', host: ENV['PGHOST'], port: ENV['PGPORT'],
                                        username: ENV['AR_USER'] || ENV['PGUSER'], database: ENV['AR_DB'])
ActiveRecord::Migration.verbose = false
paths = File.join(__dir__, 'db/migrate')
# 7.1 made the bookkeeping tables objects of the connection pool (Debian
# trixie ships 7.2); 6.1 (bookworm) takes the class.
ctx = if ActiveRecord.version >= Gem::Version.new('7.1')
        ActiveRecord::MigrationContext.new(paths)
      else
        ActiveRecord::MigrationContext.new(paths, ActiveRecord::SchemaMigration)
      end
case ARGV[0]
when 'migrate' then ctx.migrate(ARGV[1] && ARGV[1].to_i)
when 'rollback' then ctx.rollback(1)
end
RUBY
for m in 1:Account:account 2:Invoice:invoice 3:Note:note; do
	IFS=: read -r n cls t <<<"$m"
	cat >"$DIR/db/migrate/2024010100000${n}_create_$t.rb" <<RUBY
class Create$cls < ActiveRecord::Migration[6.1]
  def up; execute 'CREATE TABLE $t (id bigint PRIMARY KEY)'; end
  def down; execute 'DROP TABLE $t'; end
end
RUBY
done

ar() { (cd "$DIR" && AR_DB=$DB ruby migrate.rb "$@" 2>&1); }
state() { q -d $DB -c "SELECT state || ' ' || coalesce(tool, '-') || ' ' || array_to_string(current_heads, ',') FROM migration_guard.head()"; }
rows() { q -d $DB -c "SELECT coalesce(string_agg(version, ',' ORDER BY version), '') FROM schema_migrations"; }
tables() { q -d $DB -c "SELECT coalesce(string_agg(relname, ',' ORDER BY relname), '') FROM pg_class WHERE relname IN ('account', 'invoice', 'note') AND relkind = 'r'"; }

q -d $DB -c "SELECT migration_guard.set_expected_head('20240101000002')" >/dev/null
out=$(ar migrate 20240101000002); rc=$?
is "$rc" 0 'Active Record migrates to the expected head (creating schema_migrations and ar_internal_metadata)'
is "$(state)" "at_head rails 20240101000002" 'head() reads what Active Record wrote'
is "$(q -d $DB -c "SELECT count(*) FROM ar_internal_metadata")" 1 'ar_internal_metadata written as usual'

out=$(ar migrate); rc=$?
[ $rc -ne 0 ]; ok $? 'migrating past the expected head fails'
like "$out" 'migration would move the head beyond the expected head' 'refused at commit'
is "$(rows),$(tables)" "20240101000001,20240101000002,account,invoice" 'its DDL rolled back with its version row'

out=$(ar rollback); rc=$?
[ $rc -ne 0 ]; ok $? 'rollback at the expected head fails'
like "$out" 'migration would move the head back from the expected head' 'refused as a downgrade'
is "$(rows),$(tables)" "20240101000001,20240101000002,account,invoice" 'schema and schema_migrations unchanged'

q -d $DB -c "SELECT migration_guard.set_expected_head('20240101000001')" >/dev/null
out=$(AR_USER=rails_downgrade ar rollback); rc=$?
is "$rc" 0 'a deliberate downgrade (older head declared, allow_downgrade on the role) succeeds'
is "$(rows),$(tables)" "20240101000001,account" 'invoice dropped and its version deleted'

q -d $DB -c "SELECT migration_guard.set_expected_head('20240101000003')" >/dev/null
out=$(ar migrate); rc=$?
is "$rc" 0 'the next release migrates to its declared head'
is "$(state)" "at_head rails 20240101000003" 'at the new head'

q -d postgres -c "SET migration_guard.allow = 'drop_database'" -c "DROP DATABASE $DB" >/dev/null
q -d postgres -c "DROP ROLE rails_downgrade" >/dev/null
done_testing
