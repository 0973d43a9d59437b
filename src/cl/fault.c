/* fault.c — test-only fault injection: CLVIS_FAULT=SITE[:N] makes the N-th (default first)
 * OpenCL call of SITE fail as a real driver would, so every error path can be exercised.
 * Sites: build (CL_BUILD_PROGRAM_FAILURE), alloc (CL_MEM_OBJECT_ALLOCATION_FAILURE),
 * enqueue (CL_OUT_OF_RESOURCES), read and write (CL_OUT_OF_RESOURCES). */
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

static const char *const sites[] = {"build", "alloc", "enqueue", "read", "write"};

cl_int fault_check(fault_site site)
{
    static _Thread_local long counts[FAULT_COUNT];
    static _Thread_local char last[64];
    const char *spec = getenv("CLVIS_FAULT");
    if (!spec || !*spec) {
        last[0] = 0;
        return CL_SUCCESS;
    }
    if (strncmp(spec, last, sizeof last - 1) != 0) { /* a new setting counts from zero */
        strncpy(last, spec, sizeof last - 1);
        memset(counts, 0, sizeof counts);
    }
    size_t len = strlen(sites[site]);
    if (strncmp(spec, sites[site], len) != 0 || (spec[len] != 0 && spec[len] != ':'))
        return CL_SUCCESS;
    long nth = spec[len] == ':' ? strtol(spec + len + 1, NULL, 10) : 1;
    if (++counts[site] != nth)
        return CL_SUCCESS;
    return site == FAULT_BUILD ? CL_BUILD_PROGRAM_FAILURE
           : site == FAULT_ALLOC ? CL_MEM_OBJECT_ALLOCATION_FAILURE
                                 : CL_OUT_OF_RESOURCES;
}
