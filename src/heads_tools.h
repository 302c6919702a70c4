/*-------------------------------------------------------------------------
 *
 * heads_tools.h
 *	  The migration tool table (heads_tools.c); MGTool is in heads_types.h.
 *
 * IDENTIFICATION
 *	  src/heads_tools.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_HEADS_TOOLS_H
#define MG_HEADS_TOOLS_H

#include "heads_types.h"


extern const MGTool *mg_tool_first(void);
extern const MGTool *mg_tool_next(const MGTool *tool);
extern const char *mg_tool_names(void);
extern const MGTool *mg_heads_tool_for_table(Oid relid);

extern const MGTool *mg_tool_lookup(const char *name);
extern bool mg_heads_table_matches(Oid relid, const MGTool *tool, MGShapeMismatch *why);

#endif							/* MG_HEADS_TOOLS_H */
