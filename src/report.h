/*-------------------------------------------------------------------------
 *
 * report.h
 *	  Reporting a finding (report.c): raised as a WARNING or ERROR, or
 *	  collected while migration_guard.check() runs.
 *
 * IDENTIFICATION
 *	  src/report.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_REPORT_H
#define MG_REPORT_H

#include "finding.h"
#include "nodes/pg_list.h"

/*
 * While migration_guard.check() runs, findings are collected here instead
 * of being raised.
 */
typedef struct MGCollector
{
	List	   *findings;		/* of MGFinding * */
} MGCollector;

extern MGCollector *mg_collector;

extern void mg_report(MGFinding *finding);

extern char *mg_quote_statement(const char *text);

#endif							/* MG_REPORT_H */
