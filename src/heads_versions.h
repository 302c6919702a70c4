/*-------------------------------------------------------------------------
 *
 * heads_versions.h
 *	  Versions in each tool's order, and lists of versions
 *	  (heads_versions.c).
 *
 * IDENTIFICATION
 *	  src/heads_versions.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_HEADS_VERSIONS_H
#define MG_HEADS_VERSIONS_H

#include "heads_types.h"


extern int	mg_heads_version_compare(const MGTool *tool, const char *a, const char *b);
extern bool mg_heads_version_member(const MGTool *tool, List *list, const char *v);
extern const char *mg_heads_max_version(const MGTool *tool, List *versions);
extern bool mg_heads_string_member(List *list, const char *s);
extern List *mg_heads_string_remove(List *list, const char *s);
extern int	mg_heads_string_cmp(const ListCell *a, const ListCell *b);
extern char *mg_heads_text(List *heads);
extern Datum mg_heads_text_array(List *heads);

extern List *mg_heads_parse_list(const char *value);
extern char *mg_heads_join(List *items);

#endif							/* MG_HEADS_VERSIONS_H */
