/*-------------------------------------------------------------------------
 *
 * usercode.h
 *	  No user code while check() runs (usercode.c).
 *
 * IDENTIFICATION
 *	  src/usercode.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_USERCODE_H
#define MG_USERCODE_H


extern void mg_usercode_init(void);

extern void mg_forbid_user_code(bool on);

#endif							/* MG_USERCODE_H */
