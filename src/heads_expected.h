/*-------------------------------------------------------------------------
 *
 * heads_expected.h
 *	  Where the expected head comes from (heads_expected.c; its SQL
 *	  functions in heads_expected_sql.c), how each tool writes its
 *	  versions (heads_formats.c), and what each tool records in its DDL's
 *	  transaction (heads_txmode.c).
 *
 * IDENTIFICATION
 *	  src/heads_expected.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_HEADS_EXPECTED_H
#define MG_HEADS_EXPECTED_H

#include "utils/guc.h"

#include "heads_types.h"

/* the extension's table of the durable setting */
#define MG_HEADS_SETTING_TABLE "expected_head_setting"

/* heads_expected.c */
extern bool mg_heads_expected_declared(void);
extern List *mg_heads_expected_list(void);
extern List *mg_heads_known_list(void);
extern bool mg_heads_expected_set(void);
extern bool mg_heads_watching(void);
extern Oid	mg_heads_setting_table(void);
extern void mg_heads_expected_init(void);

/* heads_formats.c */
extern char *mg_heads_normalise_expected(const char *value, const char *argname);
extern char *mg_heads_format_note(const MGHeadReading *r, List *expected);

/* heads_txmode.c */
typedef enum MGBeforeDDL
{
	MG_BEFORE_DDL_OFF,
	MG_BEFORE_DDL_AUTO,
	MG_BEFORE_DDL_ON
} MGBeforeDDL;

/* heads_settings.c defines it */
extern int	mg_check_head_before_ddl;
extern bool mg_tool_records_in_ddl_transaction(const MGTool *tool);
extern bool mg_heads_check_before_ddl_applies(const MGTool *tool);
extern bool mg_heads_is_bookkeeping_table(Oid relid);

#endif							/* MG_HEADS_EXPECTED_H */
