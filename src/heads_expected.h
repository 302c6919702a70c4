/*-------------------------------------------------------------------------
 *
 * heads_expected.h
 *	  Where the expected head comes from (heads_expected.c), how each tool
 *	  writes its versions (heads_formats.c), and what each tool records in
 *	  its DDL's transaction (heads_txmode.c).
 *
 * IDENTIFICATION
 *	  src/heads_expected.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_HEADS_EXPECTED_H
#define MG_HEADS_EXPECTED_H

#include "utils/guc.h"

#include "heads.h"

/* heads_expected.c */
extern const char *mg_heads_expected_setting(void);
extern const char *mg_heads_known_setting(void);
extern const char *mg_heads_expected_origin(void);
extern void mg_heads_expected_init(void);
extern bool mg_check_expected_head(char **newval, void **extra, GucSource source);
extern void mg_assign_expected_head(const char *newval, void *extra);

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

extern int	mg_check_head_before_ddl;
extern bool mg_tool_records_in_ddl_transaction(const MGTool *tool);
extern bool mg_heads_check_before_ddl_applies(const MGTool *tool);
extern bool mg_heads_is_bookkeeping_table(Oid relid);
extern void mg_heads_txmode_define_gucs(void);

#endif							/* MG_HEADS_EXPECTED_H */
