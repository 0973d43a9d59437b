/* select.c — the per-device-class kernel table (select.h): the first row whose device type,
 * vendor and resources fit gives each op's path and the tiled kernels' parameters; an override
 * ($CLVIS_KERNELS, clvis_ctx_options.kernels) then forces any of them. The tile parameters
 * become -D build options, so they are part of the kernel cache key (program.c).
 *
 * The GPU rows' numbers are the classic SGEMM starting point (64x64 blocks, 16 deep, 4x4 per
 * work-item, 256 work-items, 8 KiB of local memory), not yet measured on a GPU from this
 * source: tools/gpu_check.sh sweeps them with bench_conv when a GPU is lent, and the table
 * takes what wins (BENCHMARKS.md). CPUs keep today's kernels (conv2d_fast, gemv_rows), which
 * beat any work-group tiling under PoCL; their tiled parameters only serve a forced run. */
#include "select.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T_GPU (1u << CLVIS_DEVICE_GPU)
#define T_IGPU (1u << CLVIS_DEVICE_IGPU)
#define T_CPU (1u << CLVIS_DEVICE_CPU)
#define T_ACC (1u << CLVIS_DEVICE_ACCELERATOR)
#define T_ANY (T_GPU | T_IGPU | T_CPU | T_ACC)

typedef struct {
    unsigned types;     /* T_* bits */
    const char *vendor; /* case-insensitive substring of the vendor or platform; NULL: any */
    unsigned min_local; /* bytes of local memory at least */
    unsigned min_wg;    /* CL_DEVICE_MAX_WORK_GROUP_SIZE at least */
    kernel_plan plan;
} table_row;

/*                                                 conv   dense  tm  tn  tk wm wn  gv: m ks nb gemm */
static const table_row table[] = {
    {T_GPU | T_IGPU, "nvidia", 16384, 256, {"nvidia-gpu", 1, 1, 64, 64, 16, 4, 4, 16, 16, 4, 16, 0}},
    {T_GPU | T_IGPU, "advanced micro", 16384, 256, {"amd-gpu", 1, 1, 64, 64, 16, 4, 4, 16, 16, 4, 16, 0}},
    {T_GPU | T_IGPU, "amd", 16384, 256, {"amd-gpu", 1, 1, 64, 64, 16, 4, 4, 16, 16, 4, 16, 0}},
    {T_GPU | T_IGPU | T_ACC, NULL, 16384, 256, {"gpu", 1, 1, 64, 64, 16, 4, 4, 16, 16, 4, 16, 0}},
    {T_GPU | T_IGPU | T_ACC, NULL, 4096, 64, {"gpu-small", 1, 1, 32, 32, 8, 4, 4, 8, 8, 4, 16, 0}},
    {T_CPU, NULL, 0, 64, {"cpu", 0, 0, 32, 32, 8, 4, 4, 8, 8, 4, 16, 0}},
    /* anything else (a device with tiny work-groups): today's kernels, a 16-item tile */
    {T_ANY, NULL, 0, 0, {"other", 0, 0, 16, 16, 8, 4, 4, 4, 4, 2, 16, 0}},
};

static int has_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] && tolower((unsigned char)hay[i]) == needle[i])
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}

/* "64x64x16/4x4" (a, b, c / d, e) or "32x8/4" (a, b / c): the numbers, their count. */
static int parse_dims(const char *s, size_t len, int *v, int want_a, int want_b)
{
    char buf[64];
    if (len >= sizeof buf)
        return -1;
    memcpy(buf, s, len);
    buf[len] = 0;
    char *p = buf;
    int got = 0;
    for (int part = 0; part < 2; part++) {
        int want = part ? want_b : want_a;
        for (int i = 0; i < want; i++) {
            if (!isdigit((unsigned char)*p))
                return -1;
            char *e;
            long x = strtol(p, &e, 10);
            if (x < 1 || x > 4096)
                return -1;
            v[got++] = (int)x;
            p = e;
            if (i + 1 < want && *p++ != 'x')
                return -1;
        }
        if (part == 0 && *p++ != '/')
            return -1;
    }
    return *p ? -1 : 0;
}

static int item_is(const char *item, size_t len, const char *word)
{
    return strlen(word) == len && !strncmp(item, word, len);
}

clvis_status kernel_plan_parse(const char *spec, kernel_plan *ovr)
{
    memset(ovr, 0, sizeof *ovr);
    if (!spec)
        return CLVIS_OK;
    const char *s = spec;
    while (*s) {
        size_t len = strcspn(s, ",");
        const char *eq = memchr(s, '=', len);
        size_t klen = eq ? (size_t)(eq - s) : len;
        const char *val = eq ? eq + 1 : NULL;
        size_t vlen = eq ? len - klen - 1 : 0;
        int ok = 1;
        if (!eq && (item_is(s, len, "auto") || len == 0)) {
            /* nothing forced */
        } else if (!eq && (item_is(s, len, "cpu") || item_is(s, len, "gpu"))) {
            ovr->conv = ovr->dense = item_is(s, len, "gpu") ? KPATH_TILED : KPATH_CPU;
            ovr->forced |= KPLAN_FORCED_CONV | KPLAN_FORCED_DENSE;
        } else if (eq && (item_is(s, klen, "conv") || item_is(s, klen, "dense"))) {
            int path = item_is(val, vlen, "gpu") ? KPATH_TILED : KPATH_CPU;
            ok = item_is(val, vlen, "gpu") || item_is(val, vlen, "cpu");
            if (item_is(s, klen, "conv")) {
                ovr->conv = path;
                ovr->forced |= KPLAN_FORCED_CONV;
            } else {
                ovr->dense = path;
                ovr->forced |= KPLAN_FORCED_DENSE;
            }
        } else if (eq && item_is(s, klen, "tile")) {
            int v[5];
            ok = parse_dims(val, vlen, v, 3, 2) == 0;
            if (ok) {
                ovr->tm = v[0], ovr->tn = v[1], ovr->tk = v[2], ovr->wm = v[3], ovr->wn = v[4];
                ovr->forced |= KPLAN_FORCED_TILE;
            }
        } else if (eq && item_is(s, klen, "gemv")) {
            int v[3];
            ok = parse_dims(val, vlen, v, 2, 1) == 0;
            if (ok) {
                ovr->gv_m = v[0], ovr->gv_ks = v[1], ovr->gv_nb = v[2];
                ovr->forced |= KPLAN_FORCED_GEMV;
            }
        } else if (eq && item_is(s, klen, "gemm-batch")) {
            char *e;
            char buf[16];
            ok = vlen > 0 && vlen < sizeof buf;
            if (ok) {
                memcpy(buf, val, vlen);
                buf[vlen] = 0;
                long b = strtol(buf, &e, 10);
                ok = !*e && isdigit((unsigned char)buf[0]) && b >= 1 && b <= 1 << 20;
                ovr->gemm_batch = (int)b;
                ovr->forced |= KPLAN_FORCED_GEMM;
            }
        } else {
            ok = 0;
        }
        if (!ok)
            return err_set(CLVIS_ERR_INVALID_ARG,
                           "kernel choice '%.*s' in '%s' not understood (auto | cpu | gpu | "
                           "conv=cpu|gpu | dense=cpu|gpu | tile=TMxTNxTK/WMxWN | gemv=MxKS/NB | "
                           "gemm-batch=N, comma-separated)",
                           (int)len, s, spec);
        s += len;
        if (*s == ',')
            s++;
    }
    return CLVIS_OK;
}

clvis_status kernel_plan_choose(const clvis_device_info *d, size_t max_wg, const kernel_plan *ovr,
                                kernel_plan *out)
{
    const table_row *r = &table[sizeof table / sizeof *table - 1];
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        const table_row *t = &table[i];
        if (!(t->types & (1u << d->type)) || d->local_mem < t->min_local || max_wg < t->min_wg)
            continue;
        if (t->vendor && !has_ci(d->vendor, t->vendor) && !has_ci(d->platform, t->vendor))
            continue;
        r = t;
        break;
    }
    *out = r->plan;
    if (ovr) {
        out->forced = ovr->forced;
        if (ovr->forced & KPLAN_FORCED_CONV)
            out->conv = ovr->conv;
        if (ovr->forced & KPLAN_FORCED_DENSE)
            out->dense = ovr->dense;
        if (ovr->forced & KPLAN_FORCED_TILE)
            out->tm = ovr->tm, out->tn = ovr->tn, out->tk = ovr->tk, out->wm = ovr->wm,
            out->wn = ovr->wn;
        if (ovr->forced & KPLAN_FORCED_GEMV)
            out->gv_m = ovr->gv_m, out->gv_ks = ovr->gv_ks, out->gv_nb = ovr->gv_nb;
        if (ovr->forced & KPLAN_FORCED_GEMM)
            out->gemm_batch = ovr->gemm_batch;
    }
    /* the (possibly forced) shapes must fit the device: every kernel is built for it */
    const kernel_plan *p = out;
    size_t ct_wg = (size_t)(p->tm / p->wm) * (size_t)(p->tn / p->wn);
    size_t gv_wg = (size_t)p->gv_m * (size_t)p->gv_ks;
    size_t ct_local = 4u * (size_t)p->tk * (size_t)(p->tm + p->tn);
    size_t gv_local = 4u * (size_t)p->gv_nb * gv_wg;
    size_t lim = max_wg ? max_wg : 1;
    if (p->tm % p->wm || p->tn % p->wn || p->wm > 8 || p->wn > 8 || p->tk > 64 || ct_wg > lim ||
        ct_local > d->local_mem)
        return err_set(CLVIS_ERR_INVALID_ARG,
                       "kernel tile %dx%dx%d/%dx%d does not fit '%s' (WM must divide TM and WN "
                       "TN, WM, WN <= 8, TK <= 64; %zu work-items of at most %zu, %zu bytes of "
                       "local memory of %llu)",
                       p->tm, p->tn, p->tk, p->wm, p->wn, d->name, ct_wg, lim, ct_local,
                       (unsigned long long)d->local_mem);
    if ((p->gv_ks & (p->gv_ks - 1)) || p->gv_nb > 8 || gv_wg > lim || gv_local > d->local_mem)
        return err_set(CLVIS_ERR_INVALID_ARG,
                       "gemv shape %dx%d/%d does not fit '%s' (KS a power of two, NB <= 8; %zu "
                       "work-items of at most %zu, %zu bytes of local memory of %llu)",
                       p->gv_m, p->gv_ks, p->gv_nb, d->name, gv_wg, lim, gv_local,
                       (unsigned long long)d->local_mem);
    return CLVIS_OK;
}

void kernel_plan_defines(const kernel_plan *p, char *buf, size_t cap)
{
    snprintf(buf, cap, "-DCT_TM=%d -DCT_TN=%d -DCT_TK=%d -DCT_WM=%d -DCT_WN=%d -DGV_M=%d "
                       "-DGV_KS=%d -DGV_NB=%d",
             p->tm, p->tn, p->tk, p->wm, p->wn, p->gv_m, p->gv_ks, p->gv_nb);
}

void kernel_plan_describe(const kernel_plan *p, char *buf, size_t cap)
{
    snprintf(buf, cap,
             "table row '%s'%s: conv %s, dense %s (tiled: conv %dx%dx%d/%dx%d, gemv %dx%d/%d, "
             "dense GEMM from batch %d)",
             p->row, p->forced ? " + override" : "", p->conv == KPATH_TILED ? "gpu" : "cpu",
             p->dense == KPATH_TILED ? "gpu" : "cpu", p->tm, p->tn, p->tk, p->wm, p->wn,
             p->gv_m, p->gv_ks, p->gv_nb, p->gemm_batch);
}
