/*-------------------------------------------------------------------------
 *
 * rules_domain.c
 *	  Rule alter_domain_add_constraint: ALTER DOMAIN ... ADD CONSTRAINT, SET
 *	  NOT NULL and VALIDATE CONSTRAINT, which check every column of the
 *	  domain under a SHARE lock on each table.
 *
 * IDENTIFICATION
 *	  src/rules_domain.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/htup_details.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_type.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "alterfacts.h"
#include "applies.h"
#include "finding.h"
#include "lockinfo.h"
#include "relfacts.h"
#include "report.h"
#include "rules_alter.h"
#include "rules_domain.h"
#include "statement.h"

/* ---------------------------------------------------------------------
 * alter_domain_add_constraint
 * ---------------------------------------------------------------------
 */

/*
 * Is the domain (or a domain over it) inside a container type, an array,
 * composite or range, that a column stores?  get_rels_with_domain then
 * refuses the statement ("cannot alter type ... because column ... uses it").
 */
static bool
domain_in_stored_container(Oid domainoid, int depth)
{
	ListCell   *lc;

	if (depth > 16)
		return false;
	foreach(lc, mg_type_dependents(domainoid))
	{
		ObjectAddress *dep = lfirst(lc);

		if (dep->classId != TypeRelationId)
			continue;
		if (get_typtype(dep->objectId) == TYPTYPE_DOMAIN ?
			domain_in_stored_container(dep->objectId, depth + 1) :
			mg_type_stored_in_columns(dep->objectId, 0))
			return true;
	}
	return false;
}

/* Is the domain's constraint of that name validated already (or absent)? */
static bool
domain_constraint_validated(Oid domainoid, const char *conname)
{
	Oid			conoid = get_domain_constraint_oid(domainoid, conname, true);
	HeapTuple	tuple;
	bool		validated = true;

	if (!OidIsValid(conoid))
		return true;
	tuple = SearchSysCache1(CONSTROID, ObjectIdGetDatum(conoid));
	if (HeapTupleIsValid(tuple))
	{
		validated = ((Form_pg_constraint) GETSTRUCT(tuple))->convalidated;
		ReleaseSysCache(tuple);
	}
	return validated;
}

void
mg_check_alter_domain_stmt(MGStatement *st, AlterDomainStmt *stmt)
{
	Constraint *con = NULL;
	Type		typ;
	Oid			domainoid;
	List	   *tables = NIL;
	List	   *names = NIL;
	ListCell   *lc;
	MGFinding	f = {0};
	bool		notnull;
	int			n;

	if (stmt->subtype == 'C')
	{
		if (stmt->def == NULL || !IsA(stmt->def, Constraint))
			return;
		con = (Constraint *) stmt->def;
		if (con->skip_validation || !compat_constraint_enforced(con))
			return;
		if (con->contype != CONSTR_CHECK && con->contype != CONSTR_NOTNULL)
			return;
		/* A CHECK may name only VALUE: PostgreSQL reports anything else. */
		if (con->contype == CONSTR_CHECK &&
			!mg_expr_columns_exist(InvalidOid, con->raw_expr, list_make1(makeString("value"))))
			return;
	}
	else if (stmt->subtype != 'O' && stmt->subtype != 'V')
		return;
	if (!mg_rule_applies(MG_RULE_ALTER_DOMAIN_ADD_CONSTRAINT, InvalidOid))
		return;

	typ = LookupTypeName(NULL, makeTypeNameFromNameList(stmt->typeName), NULL, true);
	if (typ == NULL)
		return;
	domainoid = typeTypeId(typ);
	ReleaseSysCache(typ);
	if (get_typtype(domainoid) != TYPTYPE_DOMAIN)
		return;
	if (!compat_type_ownercheck(domainoid, GetUserId()))
		return;					/* PostgreSQL reports "must be owner" */
	if (stmt->subtype == 'V' && domain_constraint_validated(domainoid, stmt->name))
		return;					/* nothing to validate */
	if (domain_in_stored_container(domainoid, 0))
		return;					/* PostgreSQL refuses it */

	foreach(lc, mg_tables_using_domain(domainoid))
	{
		if (!mg_rel_exempt_from_size_rules(lfirst_oid(lc)))
			tables = lappend_oid(tables, lfirst_oid(lc));
	}
	if (tables == NIL)
		return;
	foreach(lc, tables)
		names = lappend(names, mg_rel_name(lfirst_oid(lc)));

	notnull = stmt->subtype == 'O' || (con != NULL && con->contype == CONSTR_NOTNULL);
	f.rule = MG_RULE_ALTER_DOMAIN_ADD_CONSTRAINT;
	f.relid = linitial_oid(tables);
	f.lockmode = ShareLock;
	n = list_length(tables);
	if (stmt->subtype == 'V')
		mg_finding_message_plural(&f, "ALTER DOMAIN VALIDATE CONSTRAINT would scan %d table under a SHARE lock",
								  "ALTER DOMAIN VALIDATE CONSTRAINT would scan %d tables under a SHARE lock",
								  n, n);
	else if (notnull)
		mg_finding_message_plural(&f, "ALTER DOMAIN SET NOT NULL would scan %d table under a SHARE lock",
								  "ALTER DOMAIN SET NOT NULL would scan %d tables under a SHARE lock",
								  n, n);
	else
		mg_finding_message_plural(&f, "ALTER DOMAIN ADD CONSTRAINT would scan %d table under a SHARE lock",
								  "ALTER DOMAIN ADD CONSTRAINT would scan %d tables under a SHARE lock",
								  n, n);
	mg_finding_detail(&f, "Every column of domain %s is checked against the new constraint, holding a SHARE lock on %s, which blocks INSERT, UPDATE, DELETE and MERGE until the scan ends.",
					  format_type_be(domainoid), mg_list_names(names));
	mg_finding_add_detail_text(&f, mg_rel_describe(linitial_oid(tables)));

	/*
	 * Unlike ALTER TABLE, ALTER DOMAIN VALIDATE CONSTRAINT also holds SHARE
	 * on every table while it scans (validateDomainCheckConstraint), so NOT
	 * VALID helps only until the validation.
	 */
	if (notnull)
		mg_finding_hint(&f, "ALTER DOMAIN %s ADD CONSTRAINT ... CHECK (VALUE IS NOT NULL) NOT VALID checks only new values and scans nothing.  To prove the existing rows without blocking writes, add the same condition to each table as a CHECK constraint NOT VALID and run ALTER TABLE ... VALIDATE CONSTRAINT, which takes only SHARE UPDATE EXCLUSIVE; ALTER DOMAIN ... VALIDATE CONSTRAINT takes SHARE on every table again.",
						format_type_be(domainoid));
	else
		mg_finding_hint(&f, "ALTER DOMAIN %s ADD CONSTRAINT ... NOT VALID checks only new values and scans nothing.  To prove the existing rows without blocking writes, add the same condition to each table as a CHECK constraint NOT VALID and run ALTER TABLE ... VALIDATE CONSTRAINT, which takes only SHARE UPDATE EXCLUSIVE; ALTER DOMAIN ... VALIDATE CONSTRAINT takes SHARE on every table again.",
						format_type_be(domainoid));
	mg_report(&f);
}
