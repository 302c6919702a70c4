# migration_guard/Makefile
#
# PGXS build.  The install script is assembled from extension/*.sql (in name
# order) into migration_guard--$(EXTVERSION).sql.  Older versions' install
# scripts are frozen in updates/; each update script is assembled from the
# fragments in updates/FROM--TO/ (one per feature, in name order).
# pg_regress owns sql/ and expected/.

EXTENSION = migration_guard
EXTVERSION := $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" $(EXTENSION).control)

MODULE_big = migration_guard
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))
PGFILEDESC = "migration_guard - guard against unsafe schema migrations"

UPDATE_STEPS = $(notdir $(patsubst %/,%,$(wildcard updates/*--*/)))
UPDATE_SCRIPTS = $(addprefix $(EXTENSION)--,$(addsuffix .sql,$(UPDATE_STEPS)))

DATA_built = $(EXTENSION)--$(EXTVERSION).sql $(UPDATE_SCRIPTS)
DATA = $(wildcard updates/$(EXTENSION)--*.sql)
EXTRA_CLEAN = $(DATA_built)

PG_CPPFLAGS = -I$(srcdir)/src -DMG_VERSION='"$(EXTVERSION)"'

# The pg_regress suite (sql/, expected/) and the isolation specs
# (test/isolation) need the library preloaded with the settings of
# test/regress.conf (README, "Developing"):
#   make installcheck        against the running server PGHOST/PGPORT name;
#                            drops and creates the databases mg_regress and
#                            mg_isolation (installcheck-prep drops the
#                            leftovers of an earlier run)
#   make installcheck-temp   on throwaway instances pg_regress starts in
#                            ./tmp_check* with test/regress.conf, as pg_cron
#                            does (PGXS has no "make check")
# Both need "make install" first.  test/run runs the same files (and every
# other suite) in a private install without touching the system.
REGRESS = $(sort $(basename $(notdir $(wildcard sql/*.sql))))
REGRESS_OPTS = --temp-config=$(srcdir)/test/regress.conf
# The isolation specs (test/isolation) run after them, the same way.
ISOLATION = $(sort $(basename $(notdir $(wildcard test/isolation/specs/*.spec))))
ISOLATION_OPTS = --inputdir=$(srcdir)/test/isolation --temp-config=$(srcdir)/test/regress.conf
ifdef MG_TEMP_INSTANCE
REGRESS_OPTS += --temp-instance=$(MG_TEMP_INSTANCE)
ISOLATION_OPTS += --temp-instance=$(MG_TEMP_INSTANCE)_iso
else
REGRESS_PREP = installcheck-prep
endif

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
# On a fresh machine "make test" and "make demo" install PostgreSQL first.
ifneq ($(PGXS),)
include $(PGXS)
endif

# The expected files name the database (REINDEX SYSTEM mg_regress); set
# after PGXS, whose defaults these override.
CONTRIB_TESTDB = mg_regress
ISOLATION_TESTDB = mg_isolation

# A running server preloads the guard, which refuses pg_regress's own
# DROP DATABASE of a previous run's database: drop it (and the databases
# and roles the suites create, left over by a run stopped halfway) with the
# rule allowed, as a DBA would.
MG_REGRESS_ROLES = $(sort $(shell sed -n 's/^CREATE ROLE \([a-z_0-9]*\).*/\1/p' $(wildcard sql/*.sql)))
.PHONY: installcheck-prep installcheck-temp
installcheck-prep:
	@'$(bindir)/psql' -X -q -d postgres -v ON_ERROR_STOP=0 \
		-c "SET client_min_messages = warning" \
		-c "SET migration_guard.allow = 'drop_database'" \
		-c "DROP DATABASE IF EXISTS $(CONTRIB_TESTDB) WITH (FORCE)" \
		-c "DROP DATABASE IF EXISTS $(ISOLATION_TESTDB) WITH (FORCE)" \
		-c "DROP DATABASE IF EXISTS mg_backfill_cursor WITH (FORCE)" \
		$(foreach r,$(MG_REGRESS_ROLES),-c "DROP ROLE IF EXISTS $(r)")

installcheck-temp:
	$(MAKE) installcheck MG_TEMP_INSTANCE=./tmp_check

$(EXTENSION)--$(EXTVERSION).sql: $(sort $(wildcard extension/*.sql))
	cat $^ > $@

.SECONDEXPANSION:
$(UPDATE_SCRIPTS): $(EXTENSION)--%.sql: $$(sort $$(wildcard updates/%/*.sql))
	cat $^ > $@

.PHONY: test test-all demo bench
# The README's test command: installs what it needs, builds, runs every suite
# against the host's PostgreSQL 15.  PG=17 / PG=18: the same inside a cached
# throwaway Debian root of the release shipping that major (test/run-pg).
test:
ifeq ($(strip $(PG)),)
	bash test/run
else
	bash test/run-pg $(PG)
endif

# Every major CI covers (15, 17, 18); one combined "N passed, N failed" line.
test-all:
	bash test/run-all

# The README's run command: a throwaway cluster showing the guard at work.
demo:
	bash test/demo.sh

bench:
	bash bench/run

# PostgreSQL's formatting: pgindent with pg_bsd_indent, both fetched from the
# PostgreSQL 16 release source and built into a cache on first use
# (tools/pgindent.sh; MG_PG_SOURCE=a source tree when offline), with
# PostgreSQL's typedefs.list merged with ours (src/typedefs.list, which
# "make typedefs" regenerates from src/ and client/).
.PHONY: indent indent-check typedefs
indent:
	PG_CONFIG=$(PG_CONFIG) bash tools/pgindent.sh
indent-check:
	PG_CONFIG=$(PG_CONFIG) bash tools/pgindent.sh --check
typedefs:
	bash tools/typedefs.sh >src/typedefs.list

# The CI client, client/pg_migration_check: built by "make" and installed
# into pg_config --bindir by "make install", like PostgreSQL's own clients.
ifneq ($(PGXS),)
all: client
install: install-client
clean: clean-client
endif

.PHONY: client install-client clean-client
client:
	$(MAKE) -C client PG_CONFIG=$(PG_CONFIG)
install-client: client
	$(MAKE) -C client PG_CONFIG=$(PG_CONFIG) install
clean-client:
	$(MAKE) -C client PG_CONFIG=$(PG_CONFIG) clean
