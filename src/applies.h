/*-------------------------------------------------------------------------
 *
 * applies.h
 *	  Whether a rule applies to a relation (applies.c): the size
 *	  threshold and the exemptions of tables created in this transaction.
 *
 * IDENTIFICATION
 *	  src/applies.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_APPLIES_H
#define MG_APPLIES_H

#include "rules.h"

extern bool mg_rule_applies(MGRuleId rule, Oid relid);
extern bool mg_rel_exempt_from_size_rules(Oid relid);

#endif							/* MG_APPLIES_H */
