/*-------------------------------------------------------------------------
 *
 * shmem.h
 *	  The module's shared-memory hooks (shmem.c).
 *
 * IDENTIFICATION
 *	  src/shmem.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_SHMEM_H
#define MG_SHMEM_H

extern void mg_shmem_init(void);

#endif							/* MG_SHMEM_H */
