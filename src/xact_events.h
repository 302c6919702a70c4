/*-------------------------------------------------------------------------
 *
 * xact_events.h
 *	  The module's transaction and subtransaction callbacks (xact_events.c).
 *
 * IDENTIFICATION
 *	  src/xact_events.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_XACT_EVENTS_H
#define MG_XACT_EVENTS_H

extern void mg_xact_events_init(void);

#endif							/* MG_XACT_EVENTS_H */
