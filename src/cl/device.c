/* device.c — enumerating OpenCL platforms and devices, classifying them, and choosing one for a
 * selector ("N", "cpu", "gpu", "igpu", or a name substring). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

#ifndef CL_PLATFORM_NOT_FOUND_KHR
#define CL_PLATFORM_NOT_FOUND_KHR -1001
#endif

const char *clvis_device_type_name(clvis_device_type t)
{
    switch (t) {
    case CLVIS_DEVICE_GPU:
        return "GPU";
    case CLVIS_DEVICE_IGPU:
        return "iGPU";
    case CLVIS_DEVICE_CPU:
        return "CPU";
    case CLVIS_DEVICE_ACCELERATOR:
        return "ACCEL";
    }
    return "?";
}

static void get_str(cl_device_id d, cl_device_info what, char *dst, size_t cap)
{
    dst[0] = 0;
    if (clGetDeviceInfo(d, what, cap, dst, NULL) != CL_SUCCESS)
        dst[0] = 0;
    dst[cap - 1] = 0;
}

static int has_extension(cl_device_id d, const char *ext)
{
    size_t n = 0;
    if (clGetDeviceInfo(d, CL_DEVICE_EXTENSIONS, 0, NULL, &n) != CL_SUCCESS || n == 0)
        return 0;
    char *s = malloc(n + 1);
    if (!s)
        return 0;
    int found = 0;
    if (clGetDeviceInfo(d, CL_DEVICE_EXTENSIONS, n, s, NULL) == CL_SUCCESS) {
        s[n] = 0;
        size_t len = strlen(ext);
        for (const char *p = strstr(s, ext); p; p = strstr(p + 1, ext))
            if ((p == s || p[-1] == ' ') && (p[len] == ' ' || p[len] == 0)) {
                found = 1;
                break;
            }
    }
    free(s);
    return found;
}

static void describe(cl_platform_id p, cl_device_id d, int index, clvis_device_info *info)
{
    memset(info, 0, sizeof *info);
    info->index = index;
    get_str(d, CL_DEVICE_NAME, info->name, sizeof info->name);
    get_str(d, CL_DEVICE_VENDOR, info->vendor, sizeof info->vendor);
    get_str(d, CL_DRIVER_VERSION, info->driver, sizeof info->driver);
    get_str(d, CL_DEVICE_VERSION, info->version, sizeof info->version);
    get_str(d, CL_DEVICE_OPENCL_C_VERSION, info->c_version, sizeof info->c_version);
    if (clGetPlatformInfo(p, CL_PLATFORM_NAME, sizeof info->platform, info->platform, NULL))
        info->platform[0] = 0;
    info->platform[sizeof info->platform - 1] = 0;

    cl_device_type type = 0;
    cl_bool unified = CL_FALSE;
    cl_uint cu = 0, clock = 0;
    cl_ulong gmem = 0, lmem = 0, maxalloc = 0;
    clGetDeviceInfo(d, CL_DEVICE_TYPE, sizeof type, &type, NULL);
    clGetDeviceInfo(d, CL_DEVICE_HOST_UNIFIED_MEMORY, sizeof unified, &unified, NULL);
    clGetDeviceInfo(d, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof cu, &cu, NULL);
    clGetDeviceInfo(d, CL_DEVICE_MAX_CLOCK_FREQUENCY, sizeof clock, &clock, NULL);
    clGetDeviceInfo(d, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof gmem, &gmem, NULL);
    clGetDeviceInfo(d, CL_DEVICE_LOCAL_MEM_SIZE, sizeof lmem, &lmem, NULL);
    clGetDeviceInfo(d, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof maxalloc, &maxalloc, NULL);
    if (type & CL_DEVICE_TYPE_GPU)
        info->type = unified ? CLVIS_DEVICE_IGPU : CLVIS_DEVICE_GPU;
    else if (type & CL_DEVICE_TYPE_CPU)
        info->type = CLVIS_DEVICE_CPU;
    else
        info->type = CLVIS_DEVICE_ACCELERATOR;
    info->compute_units = cu;
    info->max_clock_mhz = clock;
    info->global_mem = gmem;
    info->local_mem = lmem;
    info->max_alloc = maxalloc;
    info->fp16 = has_extension(d, "cl_khr_fp16");
    info->fp64 = has_extension(d, "cl_khr_fp64");
}

clvis_status device_enumerate(device_entry **list, int *count)
{
    *list = NULL;
    *count = 0;
    cl_uint np = 0;
    cl_int e = clGetPlatformIDs(0, NULL, &np);
    if (e == CL_PLATFORM_NOT_FOUND_KHR || (e == CL_SUCCESS && np == 0))
        return err_set(CLVIS_ERR_NO_DEVICE,
                       "no OpenCL platform found (is an ICD such as pocl-opencl-icd installed?)");
    if (e != CL_SUCCESS)
        return cl_fail(e, "clGetPlatformIDs", __FILE__, __LINE__);
    cl_platform_id *plats = calloc(np, sizeof *plats);
    if (!plats)
        return err_set(CLVIS_ERR_NO_MEMORY, "device list: out of host memory");
    e = clGetPlatformIDs(np, plats, NULL);
    if (e != CL_SUCCESS) {
        free(plats);
        return cl_fail(e, "clGetPlatformIDs", __FILE__, __LINE__);
    }
    device_entry *out = NULL;
    int n = 0;
    for (cl_uint p = 0; p < np; p++) {
        cl_uint nd = 0;
        if (clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, 0, NULL, &nd) != CL_SUCCESS || !nd)
            continue;
        cl_device_id *devs = calloc(nd, sizeof *devs);
        device_entry *grown = realloc(out, (size_t)(n + nd) * sizeof *out);
        if (!devs || !grown) {
            free(devs);
            free(grown ? grown : out);
            free(plats);
            return err_set(CLVIS_ERR_NO_MEMORY, "device list: out of host memory");
        }
        out = grown;
        if (clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, nd, devs, NULL) == CL_SUCCESS) {
            for (cl_uint d = 0; d < nd; d++) {
                out[n].platform = plats[p];
                out[n].device = devs[d];
                describe(plats[p], devs[d], n, &out[n].info);
                n++;
            }
        }
        free(devs);
    }
    free(plats);
    if (n == 0) {
        free(out);
        return err_set(CLVIS_ERR_NO_DEVICE, "OpenCL platforms found, but no device");
    }
    *list = out;
    *count = n;
    return CLVIS_OK;
}

clvis_status clvis_devices(clvis_device_info **list, int *count)
{
    if (!list || !count)
        return err_set(CLVIS_ERR_INVALID_ARG, "clvis_devices: NULL argument");
    device_entry *all;
    int n;
    clvis_status st = device_enumerate(&all, &n);
    if (st)
        return st;
    clvis_device_info *info = calloc((size_t)n, sizeof *info);
    if (!info) {
        free(all);
        return err_set(CLVIS_ERR_NO_MEMORY, "device list: out of host memory");
    }
    for (int i = 0; i < n; i++)
        info[i] = all[i].info;
    free(all);
    *list = info;
    *count = n;
    return CLVIS_OK;
}

static int rank(clvis_device_type t)
{
    return t == CLVIS_DEVICE_GPU ? 0 : t == CLVIS_DEVICE_IGPU ? 1 : t == CLVIS_DEVICE_CPU ? 2 : 3;
}

/* <0 when device a is preferred to b: GPU, then integrated GPU, then CPU; more memory first. */
static int by_preference(const device_entry *all, int a, int b)
{
    const clvis_device_info *x = &all[a].info, *y = &all[b].info;
    if (rank(x->type) != rank(y->type))
        return rank(x->type) - rank(y->type);
    if (x->global_mem != y->global_mem)
        return x->global_mem > y->global_mem ? -1 : 1;
    return x->index - y->index;
}

static int contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}

clvis_status device_select(const device_entry *all, int count, const char *sel, int *order,
                           int *n_order, int *named)
{
    *n_order = 0;
    *named = sel && *sel;
    for (int i = 0; i < count; i++) { /* insertion sort: a handful of devices, no global state */
        int j = i;
        for (; j > 0 && by_preference(all, order[j - 1], i) > 0; j--)
            order[j] = order[j - 1];
        order[j] = i;
    }
    if (!*named) {
        *n_order = count;
        return CLVIS_OK;
    }
    char *end;
    long idx = strtol(sel, &end, 10);
    if (end != sel && *end == 0) {
        if (idx < 0 || idx >= count)
            return err_set(CLVIS_ERR_NO_DEVICE,
                           "device index %ld out of range: %d device(s), 0..%d (see `clvis devices`)",
                           idx, count, count - 1);
        order[0] = (int)idx;
        *n_order = 1;
        return CLVIS_OK;
    }
    int want = -1;
    if (!strcmp(sel, "gpu"))
        want = CLVIS_DEVICE_GPU;
    else if (!strcmp(sel, "igpu"))
        want = CLVIS_DEVICE_IGPU;
    else if (!strcmp(sel, "cpu"))
        want = CLVIS_DEVICE_CPU;
    else if (!strcmp(sel, "accel") || !strcmp(sel, "accelerator"))
        want = CLVIS_DEVICE_ACCELERATOR;
    int k = 0;
    for (int i = 0; i < count; i++) {
        const clvis_device_info *d = &all[order[i]].info;
        int ok;
        if (want == CLVIS_DEVICE_GPU) /* "gpu" takes discrete first, then integrated */
            ok = d->type == CLVIS_DEVICE_GPU || d->type == CLVIS_DEVICE_IGPU;
        else if (want >= 0)
            ok = (int)d->type == want;
        else
            ok = contains_nocase(d->name, sel) || contains_nocase(d->vendor, sel) ||
                 contains_nocase(d->platform, sel);
        if (ok)
            order[k++] = order[i];
    }
    if (k == 0)
        return err_set(CLVIS_ERR_NO_DEVICE, "no OpenCL device matches '%s' (see `clvis devices`)",
                       sel);
    *n_order = k;
    return CLVIS_OK;
}
