/*-------------------------------------------------------------------------
 *
 * rules_domain.h
 *	  The domain rule family (rules_domain.c): ALTER DOMAIN.
 *
 * IDENTIFICATION
 *	  src/rules_domain.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_RULES_DOMAIN_H
#define MG_RULES_DOMAIN_H

#include "statement.h"

extern void mg_check_alter_domain_stmt(MGStatement *st, AlterDomainStmt *stmt);

#endif							/* MG_RULES_DOMAIN_H */
