/* program.c — building the embedded kernels (the kernels/ directory) for one device, with an
 * on-disk binary cache keyed by source, options, platform, device and driver. Cache files are
 * untrusted input: an entry is used only when it verifies (cache.c), the device takes it, every
 * kernel is in it and the known answers come out right (selftest.c); anything else rebuilds
 * from source and rewrites the entry. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cache.h"
#include "io/fsutil.h"
#include "../ops/tunables.h"
#include "runtime.h"

extern const char clvis_kernel_source[];

static const char *const kernel_names[K_COUNT] = {
#define X(name) #name,
    CLVIS_KERNEL_LIST(X)
#undef X
};

const char *kernel_name(kernel_id k)
{
    return k >= 0 && k < K_COUNT ? kernel_names[k] : "?";
}

#define BUILD_OPTIONS "-cl-std=CL1.2 " CLVIS_KERNEL_DEFINES

const char *program_build_options(const clvis_ctx *ctx)
{
    return ctx->build_opts;
}

/* ctx->build_opts from the base options and ctx->plan's tile parameters. */
static void set_build_options(clvis_ctx *ctx)
{
    char defs[256];
    kernel_plan_defines(&ctx->plan, defs, sizeof defs);
    snprintf(ctx->build_opts, sizeof ctx->build_opts, "%s %s", BUILD_OPTIONS, defs);
}

void program_cache_key(const clvis_ctx *ctx, unsigned char key[32])
{
    const char *parts[] = {"clvis kernel cache 1", clvis_kernel_source, ctx->build_opts,
                           ctx->info.platform,     ctx->info.name,      ctx->info.vendor,
                           ctx->info.driver,       ctx->info.version};
    cache_key_hash(parts, (int)(sizeof parts / sizeof *parts), key);
}

static int default_cache_dir(char *out, size_t cap)
{
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    if (xdg && *xdg)
        return snprintf(out, cap, "%s/clvis", xdg) < (int)cap ? 0 : -1;
    if (home && *home)
        return snprintf(out, cap, "%s/.cache/clvis", home) < (int)cap ? 0 : -1;
    return -1;
}

static void note(clvis_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(clvis_ctx *ctx, const char *fmt, ...)
{
    if (ctx->log) {
        char line[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(line, sizeof line, fmt, ap);
        va_end(ap);
        ctx->log(ctx->log_user, line);
    }
}

static clvis_status build_failed(clvis_ctx *ctx, cl_program prog, cl_int e)
{
    size_t n = 0;
    char *log = NULL;
    if (clGetProgramBuildInfo(prog, ctx->device, CL_PROGRAM_BUILD_LOG, 0, NULL, &n) ==
            CL_SUCCESS &&
        n > 0 && (log = malloc(n + 1)) != NULL) {
        if (clGetProgramBuildInfo(prog, ctx->device, CL_PROGRAM_BUILD_LOG, n, log, NULL))
            log[0] = 0;
        log[n] = 0;
    }
    size_t len = log ? strlen(log) : 0;
    while (len && (log[len - 1] == '\n' || log[len - 1] == ' ' || log[len - 1] == '\r'))
        log[--len] = 0;
    /* the build log, when there is one, follows on the next lines */
    clvis_status st = err_set(CLVIS_ERR_BUILD, "building kernels for '%s' failed: %s (%d)%s%s",
                              ctx->info.name, cl_error_name(e), (int)e, len ? "\n" : "",
                              len ? log : "");
    free(log);
    return st;
}

/* The program in the entry at path, when the entry verifies against key and the device takes
 * it; NULL (a miss, with a notice unless there is simply no file) otherwise. */
static cl_program from_binary(clvis_ctx *ctx, const char *path, const unsigned char key[32])
{
    unsigned char *buf;
    size_t len, off, n;
    clvis_status st = cache_file_read(path, CACHE_MAX_BYTES, &buf, &len);
    if (st) { /* the reader's message names the file */
        if (st != CLVIS_ERR_NOT_FOUND)
            note(ctx, "kernel cache: %s; rebuilding from source", clvis_last_error());
        return NULL;
    }
    if (cache_entry_check(buf, len, key, &off, &n) != CLVIS_OK) {
        note(ctx, "kernel cache: %s: %s; rebuilding from source", path, clvis_last_error());
        free(buf);
        return NULL;
    }
    cl_int e, bs = CL_SUCCESS;
    const unsigned char *b = buf + off;
    cl_program prog = clCreateProgramWithBinary(ctx->context, 1, &ctx->device, &n, &b, &bs, &e);
    free(buf);
    if (e == CL_SUCCESS && bs != CL_SUCCESS)
        e = bs;
    if (e == CL_SUCCESS)
        e = clBuildProgram(prog, 1, &ctx->device, ctx->build_opts, NULL, NULL);
    if (e != CL_SUCCESS) {
        if (prog)
            clReleaseProgram(prog);
        note(ctx, "kernel cache: %s: the device refused the binary: %s (%d); rebuilding from "
                  "source", path, cl_error_name(e), (int)e);
        return NULL;
    }
    return prog;
}

/* Writes prog's binary as the entry at path, replacing whatever is there; a notice when it
 * cannot, and clvis goes on without the cache. */
static void save_binary(clvis_ctx *ctx, cl_program prog, const char *dir, const char *path,
                        const unsigned char key[32])
{
    size_t len = 0, elen = 0;
    unsigned char *bin = NULL, *entry = NULL;
    cl_int e = clGetProgramInfo(prog, CL_PROGRAM_BINARY_SIZES, sizeof len, &len, NULL);
    clvis_status st = CLVIS_OK;
    if (e != CL_SUCCESS || len == 0 || len > CACHE_MAX_BYTES - CACHE_HEADER_BYTES)
        st = err_set(CLVIS_ERR_OPENCL, "%s: the device gives no usable binary (%zu bytes, %s)",
                     path, len, cl_error_name(e));
    else if (!(bin = malloc(len)))
        st = err_set(CLVIS_ERR_NO_MEMORY, "%s: out of host memory", path);
    unsigned char *ptrs[1] = {bin};
    if (!st && (e = clGetProgramInfo(prog, CL_PROGRAM_BINARIES, sizeof ptrs, ptrs, NULL)))
        st = cl_fail(e, "clGetProgramInfo(CL_PROGRAM_BINARIES)", __FILE__, __LINE__);
    if (!st && fs_mkdir_p(dir, 0755, NULL, 0) != 0)
        st = err_set(CLVIS_ERR_IO, "cannot create %s: %s", dir, strerror(errno));
    if (!st)
        st = cache_entry_make(key, bin, len, &entry, &elen);
    if (!st)
        st = cache_file_write(path, entry, elen);
    if (st)
        note(ctx, "kernel cache: entry not written (continuing without cache): %s",
             clvis_last_error());
    free(entry);
    free(bin);
}

void program_release(clvis_ctx *ctx)
{
    for (int k = 0; k < K_COUNT; k++)
        if (ctx->kernels[k])
            clReleaseKernel(ctx->kernels[k]);
    memset(ctx->kernels, 0, sizeof ctx->kernels);
    if (ctx->program)
        clReleaseProgram(ctx->program);
    ctx->program = NULL;
}

/* ctx->kernels from ctx->program, with the 1-D work-group size of each. */
static clvis_status create_kernels(clvis_ctx *ctx)
{
    for (int k = 0; k < K_COUNT; k++) {
        cl_int e;
        ctx->kernels[k] = clCreateKernel(ctx->program, kernel_names[k], &e);
        if (e != CL_SUCCESS) {
            ctx->kernels[k] = NULL;
            return err_set(CLVIS_ERR_BUILD, "kernel '%s' missing from the program: %s (%d)",
                           kernel_names[k], cl_error_name(e), (int)e);
        }
        size_t wg = 0;
        if (clGetKernelWorkGroupInfo(ctx->kernels[k], ctx->device, CL_KERNEL_WORK_GROUP_SIZE,
                                     sizeof wg, &wg, NULL) != CL_SUCCESS || wg == 0)
            wg = 1;
        size_t local = 64;
        while (local > wg)
            local /= 2;
        ctx->wg[k] = local;
    }
    return CLVIS_OK;
}

clvis_status program_build(clvis_ctx *ctx, const char *cache_dir, int use_cache)
{
    double t0 = fs_now_ms();
    char dir[512] = "", path[600] = "";
    unsigned char key[32];
    memset(&ctx->build, 0, sizeof ctx->build);
    set_build_options(ctx);
    if (use_cache) {
        if (cache_dir && *cache_dir)
            snprintf(dir, sizeof dir, "%s", cache_dir);
        else if (default_cache_dir(dir, sizeof dir) != 0)
            use_cache = 0;
    }
    if (use_cache) {
        program_cache_key(ctx, key);
        char hex[33];
        for (int i = 0; i < 16; i++)
            snprintf(hex + 2 * i, 3, "%02x", key[i]);
        snprintf(path, sizeof path, "%s/clvis-%s.bin", dir, hex);
        ctx->program = from_binary(ctx, path, key);
        if (ctx->program) {
            /* trusted only with every kernel present and the known answers right */
            clvis_status st = create_kernels(ctx);
            if (!st)
                st = program_selftest(ctx);
            if (st) {
                note(ctx, "kernel cache: %s: cached program rejected (%s); rebuilding from "
                          "source", path, clvis_last_error());
                program_release(ctx);
            } else {
                ctx->build.from_cache = 1;
            }
        }
    }
    char task[1200];
    if (use_cache)
        snprintf(task, sizeof task, "compiling kernels for %s, once; cached in %s",
                 ctx->info.name, dir);
    else
        snprintf(task, sizeof task, "compiling kernels for %s (no kernel cache)", ctx->info.name);
    if (!ctx->program) {
        ctx_progress(ctx, task, 0, 1);
        cl_int e;
        const char *src = clvis_kernel_source;
        cl_program prog = clCreateProgramWithSource(ctx->context, 1, &src, NULL, &e);
        if (e != CL_SUCCESS)
            return cl_fail(e, "clCreateProgramWithSource", __FILE__, __LINE__);
        e = fault_check(FAULT_BUILD);
        if (e == CL_SUCCESS)
            e = clBuildProgram(prog, 1, &ctx->device, ctx->build_opts, NULL, NULL);
        if (e != CL_SUCCESS) {
            clvis_status st = build_failed(ctx, prog, e);
            clReleaseProgram(prog);
            return st;
        }
        ctx->program = prog;
        clvis_status st = create_kernels(ctx);
        if (st)
            return st;
        if (use_cache)
            save_binary(ctx, prog, dir, path, key);
        ctx_progress(ctx, task, 1, 1);
    }
    ctx->build.build_ms = fs_now_ms() - t0;
    if (use_cache)
        snprintf(ctx->build.cache_file, sizeof ctx->build.cache_file, "%s", path);
    return CLVIS_OK;
}
