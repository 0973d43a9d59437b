/* program.c — building the embedded kernels (the kernels/ directory) for one device, with an on-disk
 * binary cache keyed by source, options, platform, device and driver (tmp file + rename; any
 * cache fault falls back to a source build). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../ops/tunables.h"
#include "runtime.h"

extern const char clvis_kernel_source[];

static const char *const kernel_names[K_COUNT] = {
#define X(name) #name,
    CLVIS_KERNEL_LIST(X)
#undef X
};

#define BUILD_OPTIONS "-cl-std=CL1.2 " CLVIS_KERNEL_DEFINES

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    h ^= 0xff; /* field separator */
    h *= 1099511628211ULL;
    return h;
}

static void cache_key(const clvis_ctx *ctx, char hex[33])
{
    const char *parts[] = {clvis_kernel_source, BUILD_OPTIONS,     ctx->info.platform,
                           ctx->info.name,      ctx->info.vendor,  ctx->info.driver,
                           ctx->info.version};
    uint64_t a = 14695981039346656037ULL, b = 0x84222325cbf29ce4ULL;
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        a = fnv1a(a, parts[i]);
        b = fnv1a(b ^ (i * 0x9E3779B97F4A7C15ULL), parts[i]);
    }
    snprintf(hex, 33, "%016llx%016llx", (unsigned long long)a, (unsigned long long)b);
}

static int mkdir_p(const char *path)
{
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, 0755) && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return (mkdir(tmp, 0755) && errno != EEXIST) ? -1 : 0;
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

static void note(clvis_ctx *ctx, const char *fmt, const char *arg)
{
    if (ctx->log) {
        char line[1024];
        snprintf(line, sizeof line, fmt, arg);
        ctx->log(ctx->log_user, line);
    }
}

static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *buf = NULL;
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n);
        if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    *len = buf ? (size_t)n : 0;
    return buf;
}

static int write_file_atomic(const char *path, const unsigned char *data, size_t len)
{
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return -1;
    int ok = fwrite(data, 1, len, f) == len;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        remove(tmp);
        return -1;
    }
    return 0;
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

static cl_program from_binary(clvis_ctx *ctx, const char *path)
{
    size_t len;
    unsigned char *bin = read_file(path, &len);
    if (!bin)
        return NULL;
    cl_int e, bs;
    const unsigned char *b = bin;
    cl_program prog = clCreateProgramWithBinary(ctx->context, 1, &ctx->device, &len, &b, &bs, &e);
    free(bin);
    if (e != CL_SUCCESS || bs != CL_SUCCESS) {
        if (prog)
            clReleaseProgram(prog);
        note(ctx, "kernel cache: unusable binary %s, rebuilding from source", path);
        return NULL;
    }
    if (clBuildProgram(prog, 1, &ctx->device, BUILD_OPTIONS, NULL, NULL) != CL_SUCCESS) {
        clReleaseProgram(prog);
        note(ctx, "kernel cache: binary %s failed to load, rebuilding from source", path);
        return NULL;
    }
    return prog;
}

static void save_binary(clvis_ctx *ctx, cl_program prog, const char *dir, const char *path)
{
    size_t len = 0;
    if (clGetProgramInfo(prog, CL_PROGRAM_BINARY_SIZES, sizeof len, &len, NULL) || len == 0)
        return;
    unsigned char *bin = malloc(len);
    if (!bin)
        return;
    unsigned char *ptrs[1] = {bin};
    if (clGetProgramInfo(prog, CL_PROGRAM_BINARIES, sizeof ptrs, ptrs, NULL) == CL_SUCCESS &&
        (mkdir_p(dir) != 0 || write_file_atomic(path, bin, len) != 0))
        note(ctx, "kernel cache: cannot write %s (continuing without cache)", path);
    free(bin);
}

clvis_status program_build(clvis_ctx *ctx, const char *cache_dir, int use_cache)
{
    double t0 = now_ms();
    char dir[512] = "", path[600] = "", key[33];
    memset(&ctx->build, 0, sizeof ctx->build);
    if (use_cache) {
        if (cache_dir && *cache_dir)
            snprintf(dir, sizeof dir, "%s", cache_dir);
        else if (default_cache_dir(dir, sizeof dir) != 0)
            use_cache = 0;
    }
    cl_program prog = NULL;
    if (use_cache) {
        cache_key(ctx, key);
        snprintf(path, sizeof path, "%s/clvis-%s.bin", dir, key);
        prog = from_binary(ctx, path);
        if (prog)
            ctx->build.from_cache = 1;
    }
    if (!prog) {
        cl_int e;
        const char *src = clvis_kernel_source;
        prog = clCreateProgramWithSource(ctx->context, 1, &src, NULL, &e);
        if (e != CL_SUCCESS)
            return cl_fail(e, "clCreateProgramWithSource", __FILE__, __LINE__);
        e = fault_check(FAULT_BUILD);
        if (e == CL_SUCCESS)
            e = clBuildProgram(prog, 1, &ctx->device, BUILD_OPTIONS, NULL, NULL);
        if (e != CL_SUCCESS) {
            clvis_status st = build_failed(ctx, prog, e);
            clReleaseProgram(prog);
            return st;
        }
        if (use_cache)
            save_binary(ctx, prog, dir, path);
    }
    ctx->program = prog;
    for (int k = 0; k < K_COUNT; k++) {
        cl_int e;
        ctx->kernels[k] = clCreateKernel(prog, kernel_names[k], &e);
        if (e != CL_SUCCESS)
            return err_set(CLVIS_ERR_BUILD, "kernel '%s' missing from the program: %s (%d)",
                           kernel_names[k], cl_error_name(e), (int)e);
        size_t wg = 0;
        if (clGetKernelWorkGroupInfo(ctx->kernels[k], ctx->device, CL_KERNEL_WORK_GROUP_SIZE,
                                     sizeof wg, &wg, NULL) != CL_SUCCESS || wg == 0)
            wg = 1;
        size_t local = 64;
        while (local > wg)
            local /= 2;
        ctx->wg[k] = local;
    }
    ctx->build.build_ms = now_ms() - t0;
    if (use_cache)
        snprintf(ctx->build.cache_file, sizeof ctx->build.cache_file, "%s", path);
    return CLVIS_OK;
}
