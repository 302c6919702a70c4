/*-------------------------------------------------------------------------
 *
 * heads_settings.h
 *	  The migration-head settings (heads_settings.c): their variables and
 *	  check hooks (mg_check_head_before_ddl is in heads_expected.h).
 *
 * IDENTIFICATION
 *	  src/heads_settings.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_HEADS_SETTINGS_H
#define MG_HEADS_SETTINGS_H

#include "utils/guc.h"


extern void mg_heads_define_gucs(void);
extern bool mg_heads_setting_is_auto(const char *value);
extern bool mg_heads_expected_set_in_session(void);

extern char *mg_expected_head;

extern char *mg_known_heads;

extern char *mg_migration_table;

extern char *mg_migration_tool;

extern bool mg_allow_downgrade;

extern bool mg_freeze_at_head;

#endif							/* MG_HEADS_SETTINGS_H */
