/*-------------------------------------------------------------------------
 *
 * check_rows.c
 *	  migration_guard.check()'s output rows: a statement's findings turned
 *	  into rows under the policy check() was asked to use, as mg_report()
 *	  would apply it when the script runs, and note rows.
 *
 * IDENTIFICATION
 *	  src/check_rows.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "miscadmin.h"
#include "utils/acl.h"

#include "check.h"
#include "directives.h"
#include "finding.h"
#include "guc.h"
#include "policy.h"
#include "relfacts.h"
#include "rules.h"
#include "words.h"

static CheckRow *
new_row(CheckState *cs, int stmtno, char *stmt_text)
{
	CheckRow   *row = palloc0(sizeof(CheckRow));

	row->stmtno = stmtno;
	row->stmt_text = stmt_text;
	row->line = cs->cur_line;
	row->col = cs->cur_col;
	cs->rows = lappend(cs->rows, row);
	return row;
}

void
check_add_note(CheckState *cs, int stmtno, char *stmt_text, char *note)
{
	new_row(cs, stmtno, stmt_text)->note = note;
}

/*
 * A finding's severity under the policy check() was asked to use: the
 * session's (mode NULL), or the given mode with the session's per-rule
 * overrides.
 */
static MGSeverity
policy_severity(CheckState *cs, const MGFinding *f)
{
	if (cs->mode < 0)
		return mg_finding_severity(f);
	return mg_finding_severity_in_mode(f, (MGSeverity) cs->mode);
}

/*
 * Turns the statement's collected findings into rows, applying the policy
 * as mg_report() would when the script runs: severity, then the allow list,
 * then directive comments.  Runs while the statement is current (directives
 * are read from its text) and while the relations it names still exist.
 */
void
check_add_findings(CheckState *cs, int stmtno, char *stmt_text, List *findings)
{
	ListCell   *lc;

	foreach(lc, findings)
	{
		MGFinding  *f = lfirst(lc);
		MGSeverity	sev = policy_severity(cs, f);
		MGSeverity	ignored;
		char	   *note = NULL;
		CheckRow   *row;

		if (sev == MG_SEV_OFF)
		{
			if (cs->mode == MG_SEV_OFF)
				note = pstrdup("judged with mode => 'off'");
			else if (cs->mode < 0 && mg_mode == MG_SEV_OFF)
				note = pstrdup("migration_guard.mode is off");
			else if (mg_rule_override(f->rule, &ignored))
				note = pstrdup("the rule is off in migration_guard.rules");
			else
				note = pstrdup("the rule is off");
		}
		else if (mg_rule_allowed_by_setting(f->rule))
		{
			sev = MG_SEV_OFF;
			note = pstrdup("accepted by migration_guard.allow");
		}
		else if (mg_directive_allows(f->rule))
		{
			if (mg_role_may_loosen_policy())
			{
				sev = MG_SEV_OFF;
				note = pstrdup("accepted by a migration_guard:allow comment");
			}
			else
				note = psprintf("the migration_guard:allow comment would be ignored: role \"%s\" may not loosen the policy",
								GetUserNameFromId(GetUserId(), false));
		}

		if (sev == MG_SEV_OFF && !cs->include_off)
			continue;

		row = new_row(cs, stmtno, stmt_text);
		row->rule = mg_rules[f->rule].name;
		row->severity = mg_severity_name(sev);
		row->relation = OidIsValid(f->relid) ? mg_rel_name(f->relid) : NULL;
		row->lockmode = f->lockmode != NoLock ? mg_lockmode_name(f->lockmode) : NULL;
		row->rewrites = f->rewrites;
		row->message = f->message;
		row->detail = f->detail;
		row->hint = f->hint;
		row->note = note;
	}
}
