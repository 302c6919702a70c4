# migration_guard/nls.mk
#
# Message catalog of migration_guard, in the text domain compat.h sets
# (migration_guard-NN, as PL/pgSQL's plpgsql-NN).  PGXS includes this file
# when the server was built with NLS; "make init-po" then writes
# po/migration_guard.pot.  test/lint/messages.sh runs xgettext with these
# settings over every source file and fails on any complaint.
#
# Besides the backend's own (errmsg, errdetail, ...), the triggers are the
# finding builders of src/finding.h, the GUC check hooks' reporters and
# heads.h's MGH_()/MGH_N() (dgettext/dngettext in our domain).
CATALOG_NAME     = migration_guard
AVAIL_LANGUAGES  =
GETTEXT_FILES    = $(sort $(wildcard src/*.c))
GETTEXT_TRIGGERS = $(BACKEND_COMMON_GETTEXT_TRIGGERS) \
    GUC_check_errmsg GUC_check_errdetail GUC_check_errhint \
    mg_finding_message:2 mg_finding_detail:2 mg_finding_hint:2 \
    mg_finding_add_detail:2 mg_finding_add_hint:2 \
    mg_finding_message_plural:2,3 mg_finding_detail_plural:2,3 \
    mg_finding_hint_plural:2,3 \
    MGH_ MGH_N:1,2
GETTEXT_FLAGS    = $(BACKEND_COMMON_GETTEXT_FLAGS) \
    GUC_check_errmsg:1:c-format GUC_check_errdetail:1:c-format \
    GUC_check_errhint:1:c-format \
    mg_finding_message:2:c-format mg_finding_detail:2:c-format \
    mg_finding_hint:2:c-format \
    mg_finding_add_detail:2:c-format mg_finding_add_hint:2:c-format \
    mg_finding_message_plural:2:c-format mg_finding_message_plural:3:c-format \
    mg_finding_detail_plural:2:c-format mg_finding_detail_plural:3:c-format \
    mg_finding_hint_plural:2:c-format mg_finding_hint_plural:3:c-format
