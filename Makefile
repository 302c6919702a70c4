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

# Regression suites need the library preloaded; test/run starts its own
# cluster for them, so plain installcheck against a foreign server is off.
REGRESS = $(sort $(basename $(notdir $(wildcard sql/*.sql))))
NO_INSTALLCHECK = 1

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
# On a fresh machine "make test" and "make demo" install PostgreSQL first.
ifneq ($(PGXS),)
include $(PGXS)
endif

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
