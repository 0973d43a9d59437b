/* profile.h — CLVIS_PROFILE=1: OpenCL event profiling of every kernel clvis enqueues, summed
 * per graph node and direction (forward / backward), with the device's idle time between
 * kernels (host work and transfers), and per kernel name, printed as two tables on stderr when
 * the context is destroyed. When the variable is unset nothing is allocated and kernels get no
 * event. */
#ifndef CLVIS_CL_PROFILE_H
#define CLVIS_CL_PROFILE_H

#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>

typedef struct profile profile;

/* 1 when $CLVIS_PROFILE is set to something other than "" or "0". */
int profile_requested(void);
/* A new, empty profile (NULL when out of memory: profiling is then off). */
profile *profile_create(void);
/* Kernels enqueued from now on are counted for `name` (a node's name; copied) in direction
 * dir ('F' forward, 'B' backward); name NULL: outside any layer. */
void profile_scope(profile *p, const char *name, char dir);
/* Takes ownership of ev, the event of one kernel just enqueued (released once read); its time
 * also goes to a second table, per kernel name (`kernel`, copied; NULL: not in that table). */
void profile_add(profile *p, cl_event ev, const char *kernel);
/* Counts one blocking buffer transfer (clEnqueueWriteBuffer: to_host 0; ReadBuffer: 1); the
 * totals are a line of the report. */
void profile_transfer(profile *p, int to_host, size_t bytes);
/* Waits for the events still pending, prints the table on stderr (nothing when no kernel ran)
 * and frees p. */
void profile_report(profile *p);

#endif
