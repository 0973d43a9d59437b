/* context.c — creating a clvis_ctx on the chosen device (trying the next one when an
 * automatically chosen device cannot build the kernels), buffers, launches, error names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "runtime.h"

#ifndef CL_PLATFORM_NOT_FOUND_KHR
#define CL_PLATFORM_NOT_FOUND_KHR -1001
#endif

const char *cl_error_name(cl_int e)
{
    switch (e) {
#define N(x) \
    case x:  \
        return #x;
        N(CL_SUCCESS) N(CL_DEVICE_NOT_FOUND) N(CL_DEVICE_NOT_AVAILABLE)
        N(CL_COMPILER_NOT_AVAILABLE) N(CL_MEM_OBJECT_ALLOCATION_FAILURE) N(CL_OUT_OF_RESOURCES)
        N(CL_OUT_OF_HOST_MEMORY) N(CL_PROFILING_INFO_NOT_AVAILABLE) N(CL_MEM_COPY_OVERLAP)
        N(CL_IMAGE_FORMAT_MISMATCH) N(CL_IMAGE_FORMAT_NOT_SUPPORTED) N(CL_BUILD_PROGRAM_FAILURE)
        N(CL_MAP_FAILURE) N(CL_MISALIGNED_SUB_BUFFER_OFFSET)
        N(CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST) N(CL_COMPILE_PROGRAM_FAILURE)
        N(CL_LINKER_NOT_AVAILABLE) N(CL_LINK_PROGRAM_FAILURE) N(CL_DEVICE_PARTITION_FAILED)
        N(CL_KERNEL_ARG_INFO_NOT_AVAILABLE) N(CL_INVALID_VALUE) N(CL_INVALID_DEVICE_TYPE)
        N(CL_INVALID_PLATFORM) N(CL_INVALID_DEVICE) N(CL_INVALID_CONTEXT)
        N(CL_INVALID_QUEUE_PROPERTIES) N(CL_INVALID_COMMAND_QUEUE) N(CL_INVALID_HOST_PTR)
        N(CL_INVALID_MEM_OBJECT) N(CL_INVALID_IMAGE_FORMAT_DESCRIPTOR) N(CL_INVALID_IMAGE_SIZE)
        N(CL_INVALID_SAMPLER) N(CL_INVALID_BINARY) N(CL_INVALID_BUILD_OPTIONS)
        N(CL_INVALID_PROGRAM) N(CL_INVALID_PROGRAM_EXECUTABLE) N(CL_INVALID_KERNEL_NAME)
        N(CL_INVALID_KERNEL_DEFINITION) N(CL_INVALID_KERNEL) N(CL_INVALID_ARG_INDEX)
        N(CL_INVALID_ARG_VALUE) N(CL_INVALID_ARG_SIZE) N(CL_INVALID_KERNEL_ARGS)
        N(CL_INVALID_WORK_DIMENSION) N(CL_INVALID_WORK_GROUP_SIZE) N(CL_INVALID_WORK_ITEM_SIZE)
        N(CL_INVALID_GLOBAL_OFFSET) N(CL_INVALID_EVENT_WAIT_LIST) N(CL_INVALID_EVENT)
        N(CL_INVALID_OPERATION) N(CL_INVALID_GL_OBJECT) N(CL_INVALID_BUFFER_SIZE)
        N(CL_INVALID_MIP_LEVEL) N(CL_INVALID_GLOBAL_WORK_SIZE) N(CL_INVALID_PROPERTY)
        N(CL_INVALID_IMAGE_DESCRIPTOR) N(CL_INVALID_COMPILER_OPTIONS) N(CL_INVALID_LINKER_OPTIONS)
        N(CL_INVALID_DEVICE_PARTITION_COUNT) N(CL_PLATFORM_NOT_FOUND_KHR)
#undef N
    }
    return "CL_UNKNOWN_ERROR";
}

clvis_status cl_fail(cl_int e, const char *what, const char *file, int line)
{
    clvis_status st = (e == CL_MEM_OBJECT_ALLOCATION_FAILURE || e == CL_OUT_OF_RESOURCES ||
                       e == CL_OUT_OF_HOST_MEMORY || e == CL_INVALID_BUFFER_SIZE)
                          ? CLVIS_ERR_NO_MEMORY
                          : CLVIS_ERR_OPENCL;
    const char *base = strrchr(file, '/');
    return err_set(st, "%s failed: %s (%d) at %s:%d", what, cl_error_name(e), (int)e,
                   base ? base + 1 : file, line);
}

static void ctx_release(clvis_ctx *ctx)
{
    if (ctx->scratch)
        clReleaseMemObject(ctx->scratch);
    ctx->scratch = NULL;
    ctx->scratch_bytes = 0;
    program_release(ctx);
    if (ctx->queue)
        clReleaseCommandQueue(ctx->queue);
    if (ctx->context)
        clReleaseContext(ctx->context);
    ctx->queue = NULL;
    ctx->context = NULL;
}

/* The tiled kernels need their whole work-group (reqd_work_group_size); a compiler that gives
 * one fewer work-items (registers) would make every launch fail, so the table's choice falls
 * back to today's kernels then, with a notice (a forced choice stays and fails loudly). */
static void plan_check_work_groups(clvis_ctx *ctx)
{
    kernel_plan *p = &ctx->plan;
    size_t need[2] = {(size_t)(p->tm / p->wm) * (size_t)(p->tn / p->wn),
                      (size_t)p->gv_m * (size_t)p->gv_ks};
    kernel_id k[2] = {K_conv_tiled, K_gemv_tiled};
    for (int i = 0; i < 2; i++) {
        size_t wg = 0;
        if (clGetKernelWorkGroupInfo(ctx->kernels[k[i]], ctx->device, CL_KERNEL_WORK_GROUP_SIZE,
                                     sizeof wg, &wg, NULL) != CL_SUCCESS || wg >= need[i])
            continue;
        int forced = p->forced & (i ? KPLAN_FORCED_DENSE : KPLAN_FORCED_CONV);
        int *path = i ? &p->dense : &p->conv;
        if (*path != KPATH_TILED || forced)
            continue;
        *path = KPATH_CPU;
        if (ctx->log) {
            char line[600];
            snprintf(line, sizeof line, "%s: the tiled %s kernel runs at most %zu work-items of the "
                     "%zu its tile needs; using the other kernels", ctx->info.name,
                     i ? "dense" : "conv", wg, need[i]);
            ctx->log(ctx->log_user, line);
        }
        kernel_plan_describe(p, ctx->plan_desc, sizeof ctx->plan_desc);
    }
}

static clvis_status ctx_open(clvis_ctx *ctx, const device_entry *d, const char *cache_dir,
                             int use_cache)
{
    cl_int e;
    ctx->info = d->info;
    ctx->platform = d->platform;
    ctx->device = d->device;
    ctx->float_width = 0;
    if (clGetDeviceInfo(d->device, CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT, sizeof ctx->float_width,
                        &ctx->float_width, NULL) != CL_SUCCESS)
        ctx->float_width = 0; /* unknown: the kernel choices that read it take their default */
    /* which kernels this device runs (select.c's table, then the override): before the
     * build, whose -D options carry the tile */
    size_t max_wg = 0;
    if (clGetDeviceInfo(d->device, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof max_wg, &max_wg, NULL))
        max_wg = 1;
    clvis_status pst = kernel_plan_choose(&ctx->info, max_wg, &ctx->plan_override, &ctx->plan);
    if (pst)
        return pst;
    kernel_plan_describe(&ctx->plan, ctx->plan_desc, sizeof ctx->plan_desc);
    cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)d->platform,
                                     0};
    ctx->context = clCreateContext(props, 1, &d->device, NULL, NULL, &e);
    if (e != CL_SUCCESS)
        return cl_fail(e, "clCreateContext", __FILE__, __LINE__);
    if (profile_requested() && !ctx->prof)
        ctx->prof = profile_create();
    ctx->queue = clCreateCommandQueue(ctx->context, d->device,
                                      ctx->prof ? CL_QUEUE_PROFILING_ENABLE : 0, &e);
    if (e != CL_SUCCESS)
        return cl_fail(e, "clCreateCommandQueue", __FILE__, __LINE__);
    clvis_status st = program_build(ctx, cache_dir, use_cache);
    if (st == CLVIS_OK)
        plan_check_work_groups(ctx);
    return st;
}

static void logf_(clvis_ctx *ctx, const char *fmt, const char *a, const char *b)
{
    if (!ctx->log)
        return;
    char line[1024];
    snprintf(line, sizeof line, fmt, a, b);
    ctx->log(ctx->log_user, line);
}

clvis_status clvis_ctx_create(const clvis_ctx_options *opt, clvis_ctx **out)
{
    clvis_ctx_options o = {0};
    if (opt)
        o = *opt;
    if (!out)
        return err_set(CLVIS_ERR_INVALID_ARG, "clvis_ctx_create: out is NULL");
    *out = NULL;
    const char *sel = o.device ? o.device : getenv("CLVIS_DEVICE");
    const char *cache_dir = o.cache_dir ? o.cache_dir : getenv("CLVIS_CACHE_DIR");
    const char *nc = getenv("CLVIS_NO_CACHE");
    int use_cache = !o.no_cache && !(nc && *nc && strcmp(nc, "0")) &&
                    !(cache_dir && !strcmp(cache_dir, "off"));

    kernel_plan ovr;
    clvis_status st = kernel_plan_parse(o.kernels ? o.kernels : getenv("CLVIS_KERNELS"), &ovr);
    if (st)
        return st;
    device_entry *all;
    int count;
    st = device_enumerate(&all, &count);
    if (st)
        return st;
    int *order = calloc((size_t)count, sizeof *order);
    clvis_ctx *ctx = calloc(1, sizeof *ctx);
    if (!order || !ctx) {
        free(order);
        free(ctx);
        free(all);
        return err_set(CLVIS_ERR_NO_MEMORY, "context: out of host memory");
    }
    ctx->conv_impl = o.conv;
    ctx->dense_impl = o.dense;
    ctx->conv_order = o.conv_order;
    ctx->conv_blk_px = o.conv_blk_px;
    ctx->plan_override = ovr;
    ctx->log = o.log;
    ctx->log_user = o.log_user;
    ctx->progress = o.progress;
    ctx->progress_user = o.progress_user;
    int n_order, named;
    st = device_select(all, count, sel, order, &n_order, &named);
    for (int i = 0; st == CLVIS_OK && i < n_order; i++) {
        clvis_status open_st = ctx_open(ctx, &all[order[i]], cache_dir, use_cache);
        if (open_st == CLVIS_OK)
            break;
        ctx_release(ctx);
        /* the user named this device, or forced a kernel tile it cannot run: the error stands */
        if ((named && n_order == 1) || open_st == CLVIS_ERR_INVALID_ARG) {
            st = open_st;
            break;
        }
        /* Chosen by clvis (or one of several matches): say so and try the next one. */
        logf_(ctx, "device '%s' skipped: %s", all[order[i]].info.name, clvis_last_error());
        if (i + 1 == n_order)
            st = err_set(open_st == CLVIS_ERR_BUILD ? CLVIS_ERR_NO_DEVICE : open_st,
                         "no device could run the clvis kernels (last tried: %s)",
                         all[order[i]].info.name);
    }
    free(order);
    free(all);
    if (st) {
        profile_report(ctx->prof); /* no kernel ran: frees it, prints nothing */
        free(ctx);
        return st;
    }
    *out = ctx;
    return CLVIS_OK;
}

void ctx_progress(clvis_ctx *ctx, const char *task, long done, long total)
{
    if (ctx && ctx->progress)
        ctx->progress(ctx->progress_user, task, done, total);
}

void clvis_ctx_destroy(clvis_ctx *ctx)
{
    if (!ctx)
        return;
    if (ctx->queue)
        clFinish(ctx->queue);
    profile_report(ctx->prof);
    ctx->prof = NULL;
    ctx_release(ctx);
    free(ctx);
}

const clvis_device_info *clvis_ctx_device(const clvis_ctx *ctx)
{
    return ctx ? &ctx->info : NULL;
}

const char *clvis_ctx_kernels(const clvis_ctx *ctx)
{
    return ctx ? ctx->plan_desc : NULL;
}

clvis_status clvis_device_kernels(int index, const char *spec, char *out, size_t cap)
{
    if (!out || cap == 0)
        return err_set(CLVIS_ERR_INVALID_ARG, "clvis_device_kernels: no output buffer");
    out[0] = 0;
    kernel_plan ovr, plan;
    clvis_status st = kernel_plan_parse(spec ? spec : getenv("CLVIS_KERNELS"), &ovr);
    if (st)
        return st;
    device_entry *all;
    int count;
    if ((st = device_enumerate(&all, &count)))
        return st;
    st = err_set(CLVIS_ERR_NOT_FOUND, "no device %d (there are %d)", index, count);
    for (int i = 0; i < count; i++) {
        if (all[i].info.index != index)
            continue;
        size_t max_wg = 0;
        if (clGetDeviceInfo(all[i].device, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof max_wg,
                            &max_wg, NULL))
            max_wg = 1;
        st = kernel_plan_choose(&all[i].info, max_wg, &ovr, &plan);
        if (!st)
            kernel_plan_describe(&plan, out, cap);
        break;
    }
    free(all);
    return st;
}

void clvis_ctx_build_info(const clvis_ctx *ctx, clvis_build_info *out)
{
    if (ctx && out)
        *out = ctx->build;
}

clvis_status buffer_create(clvis_ctx *ctx, size_t bytes, cl_mem *out)
{
    cl_int e;
    *out = NULL;
    if (bytes == 0)
        bytes = 4;
    if (ctx->info.max_alloc && bytes > ctx->info.max_alloc)
        return err_set(CLVIS_ERR_NO_MEMORY,
                       "buffer of %zu bytes exceeds the device's largest allocation (%llu bytes)",
                       bytes, (unsigned long long)ctx->info.max_alloc);
    if ((e = fault_check(FAULT_ALLOC)) != CL_SUCCESS)
        return cl_fail(e, "clCreateBuffer", __FILE__, __LINE__);
    *out = clCreateBuffer(ctx->context, CL_MEM_READ_WRITE, bytes, NULL, &e);
    if (e != CL_SUCCESS) {
        *out = NULL;
        return cl_fail(e, "clCreateBuffer", __FILE__, __LINE__);
    }
    return CLVIS_OK;
}

clvis_status buffer_write(clvis_ctx *ctx, cl_mem m, size_t off, size_t bytes, const void *src)
{
    FAULT_TRY(FAULT_WRITE, "clEnqueueWriteBuffer");
    CL_TRY(clEnqueueWriteBuffer(ctx->queue, m, CL_TRUE, off, bytes, src, 0, NULL, NULL));
    profile_transfer(ctx->prof, 0, bytes);
    return CLVIS_OK;
}

clvis_status buffer_read(clvis_ctx *ctx, cl_mem m, size_t off, size_t bytes, void *dst)
{
    FAULT_TRY(FAULT_READ, "clEnqueueReadBuffer");
    CL_TRY(clEnqueueReadBuffer(ctx->queue, m, CL_TRUE, off, bytes, dst, 0, NULL, NULL));
    profile_transfer(ctx->prof, 1, bytes);
    return CLVIS_OK;
}

static clvis_status set_args(clvis_ctx *ctx, kernel_id k, const karg *args, int nargs)
{
    for (int i = 0; i < nargs; i++)
        CL_TRY(clSetKernelArg(ctx->kernels[k], (cl_uint)i, args[i].size, args[i].value));
    return CLVIS_OK;
}

clvis_status kernel_run(clvis_ctx *ctx, kernel_id k, size_t global, const karg *args, int nargs)
{
    if (global == 0)
        return CLVIS_OK;
    clvis_status st = set_args(ctx, k, args, nargs);
    if (st)
        return st;
    size_t local = ctx->wg[k];
    size_t g = (global + local - 1) / local * local;
    FAULT_TRY(FAULT_ENQUEUE, "clEnqueueNDRangeKernel");
    cl_event ev = NULL;
    CL_TRY(clEnqueueNDRangeKernel(ctx->queue, ctx->kernels[k], 1, NULL, &g, &local, 0, NULL,
                                  ctx->prof ? &ev : NULL));
    if (ev)
        profile_add(ctx->prof, ev, kernel_name(k));
    return CLVIS_OK;
}

clvis_status kernel_run2(clvis_ctx *ctx, kernel_id k, const size_t global[2], const size_t *local,
                         const karg *args, int nargs)
{
    if (global[0] == 0 || global[1] == 0)
        return CLVIS_OK;
    clvis_status st = set_args(ctx, k, args, nargs);
    if (st)
        return st;
    FAULT_TRY(FAULT_ENQUEUE, "clEnqueueNDRangeKernel");
    cl_event ev = NULL;
    CL_TRY(clEnqueueNDRangeKernel(ctx->queue, ctx->kernels[k], 2, NULL, global, local, 0, NULL,
                                  ctx->prof ? &ev : NULL));
    if (ev)
        profile_add(ctx->prof, ev, kernel_name(k));
    return CLVIS_OK;
}

clvis_status ctx_scratch(clvis_ctx *ctx, size_t bytes, cl_mem *out)
{
    if (bytes > ctx->scratch_bytes) {
        size_t want = bytes + bytes / 4; /* headroom: fewer regrowths across layer shapes */
        if (ctx->info.max_alloc && want > ctx->info.max_alloc)
            want = bytes;
        cl_mem m;
        clvis_status st = buffer_create(ctx, want, &m);
        if (st)
            return st;
        if (ctx->scratch)
            clReleaseMemObject(ctx->scratch);
        ctx->scratch = m;
        ctx->scratch_bytes = want;
    }
    *out = ctx->scratch;
    return CLVIS_OK;
}

clvis_status ctx_finish(clvis_ctx *ctx)
{
    CL_TRY(clFinish(ctx->queue));
    return CLVIS_OK;
}
