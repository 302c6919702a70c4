/*-------------------------------------------------------------------------
 *
 * object_access.h
 *	  The module's one object access hook (object_access.c).
 *
 * IDENTIFICATION
 *	  src/object_access.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_OBJECT_ACCESS_H
#define MG_OBJECT_ACCESS_H

extern void mg_object_access_init(void);

#endif							/* MG_OBJECT_ACCESS_H */
