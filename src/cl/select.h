/* select.h — which kernels a device runs: a small table by device class (type, vendor, local
 * memory, work-group size) -> the path of each op and the tiled kernels' parameters, and the
 * override grammar of $CLVIS_KERNELS / clvis_ctx_options.kernels. */
#ifndef CLVIS_SELECT_H
#define CLVIS_SELECT_H

#include <stddef.h>

#include "../core/error.h"
#include "clvis.h"

/* An op's path: today's kernels (tuned on PoCL: register-blocked conv2d_fast, gemv_rows) or
 * the work-group tiled ones with local memory (kernels/conv_tiled.cl, kernels/gemv_tiled.cl). */
typedef enum { KPATH_CPU = 0, KPATH_TILED = 1 } kpath;

typedef struct {
    const char *row;        /* the table row that matched: "nvidia-gpu", "gpu", "cpu", ... */
    int conv, dense;        /* kpath of the conv forward / input gradient and of dense */
    int tm, tn, tk, wm, wn; /* conv_tiled: CT_TM x CT_TN block, CT_TK deep, CT_WM x CT_WN each */
    int gv_m, gv_ks, gv_nb; /* gemv_tiled: rows per work-group, lanes per row, batch block */
    int gemm_batch;         /* tiled dense: conv_tiled (a GEMM) from this batch, gemv below */
    unsigned forced;        /* KPLAN_FORCED_* bits: what the override set */
} kernel_plan;

enum { KPLAN_FORCED_CONV = 1, KPLAN_FORCED_DENSE = 2, KPLAN_FORCED_TILE = 4, KPLAN_FORCED_GEMV = 8,
       KPLAN_FORCED_GEMM = 16 };

/* Checks an override's grammar (NULL or "" or "auto": none) and keeps what it sets in *ovr
 * (row NULL, forced bits). Items, comma-separated: auto | cpu | gpu (both ops) | conv=cpu|gpu |
 * dense=cpu|gpu | tile=TMxTNxTK/WMxWN | gemv=MxKS/NB | gemm-batch=N. CLVIS_ERR_INVALID_ARG
 * naming the item otherwise. */
clvis_status kernel_plan_parse(const char *spec, kernel_plan *ovr);
/* The table's row for the device (max_wg: CL_DEVICE_MAX_WORK_GROUP_SIZE), then the override;
 * CLVIS_ERR_INVALID_ARG when a forced tile does not fit the device (work-group size, local
 * memory) or is out of range. */
clvis_status kernel_plan_choose(const clvis_device_info *d, size_t max_wg, const kernel_plan *ovr,
                                kernel_plan *out);
/* The plan's -D options for the kernel build (part of the cache key). */
void kernel_plan_defines(const kernel_plan *p, char *buf, size_t cap);
/* One line: "table row 'cpu': conv cpu, dense cpu (tiled: 32x32x8/4x4, gemv 16x4/4, ...)". */
void kernel_plan_describe(const kernel_plan *p, char *buf, size_t cap);

#endif
