/* bench.c — `clvis bench`: tools/bench/bench.c's workloads on one or every device, as a
 * table or JSON. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "cli/commands.h"
#include "cli/datadir.h"
#include "cli/common.h"
#include "cli/progress.h"
#include "cli/session.h"
#include "cli/util.h"

/* `clvis bench`: the work is tools/bench/bench.c. */
typedef struct {
    int index;
    char name[400];
    double peak;
    bench_report rep;
    int ok;
} bench_dev;

/* The line bench_run gives as each workload starts, with the count and an ETA from the
 * workloads done: "[3/12, ETA 1 min 10 s] bench gradcam: ...". */
typedef struct {
    int started, total;
    double t0;
} bench_meter;

static void bench_line(void *user, const char *line)
{
    bench_meter *bm = user;
    if (strncmp(line, "bench ", 6) || bm->started >= bm->total) {
        cli_progress(NULL, line);
        return;
    }
    bm->started++;
    double secs = (util_now_ms() - bm->t0) / 1000.0;
    char eta[64] = "", buf[1200];
    int done = bm->started - 1;
    if (done > 0) {
        double left = secs * (bm->total - done) / done;
        if (left < 60)
            snprintf(eta, sizeof eta, ", ETA %.0f s", left);
        else
            snprintf(eta, sizeof eta, ", ETA %d min %02d s", (int)(left / 60), (int)left % 60);
    }
    snprintf(buf, sizeof buf, "[%d/%d%s] %s", bm->started, bm->total, eta, line);
    cli_progress(NULL, buf);
}

int cmd_bench(cli_args *o)
{
    const char *device = o->device;
    int json = o->json, ref_index = (int)o->reference;
    bench_opts bo;
    bench_opts_default(&bo);
    bo.runs = (int)o->runs;
    bo.workloads = o->workloads;
    bo.model = o->model;
    bo.filter_steps = (o->given & F_STEPS) ? (int)o->steps : o->quick ? 5 : 40;
    bo.filter_runs = (int)o->filter_runs;
    static char mbuf[4096];
    bo.explain_model = o->explain_model;
    if (!bo.explain_model) { /* the bundled model; a missing one fails when a workload needs it */
        data_path(DATA_MODEL, DATA_MODEL_SRC, mbuf, sizeof mbuf);
        bo.explain_model = mbuf;
    }
    bo.explain_layer = o->layer;
    bo.explain_batch = (int)o->batch;
    bo.sg_samples = (o->given & F_SAMPLES) ? (int)o->samples : 32;
    bo.ig_steps = (o->given & F_IG_STEPS) ? (int)o->ig_steps : 32;
    if (o->given & F_PROFILE)
        setenv("CLVIS_PROFILE", "1", 1); /* read when each device's context is created */

    /* the devices to run */
    int ndev = 1;
    clvis_device_info *all = NULL;
    if (device && !strcmp(device, "all")) {
        clvis_status st = clvis_devices(&all, &ndev);
        if (st)
            return cli_fail_st(st);
    }
    bench_dev *devs = calloc((size_t)ndev, sizeof *devs);
    if (!devs)
        return cli_fail("out of memory");
    int rc = 0;
    for (int d = 0; d < ndev; d++) {
        char sel[32];
        clvis_ctx_options co = {0};
        co.device = device;
        if (all) {
            snprintf(sel, sizeof sel, "%d", all[d].index);
            co.device = sel;
        }
        co.log = cli_log;
        co.progress = cli_count;
        session_kernel_env(&co);
        co.kernels = o->kernels;
        clvis_ctx *ctx;
        double t0 = util_now_ms();
        clvis_status st = clvis_ctx_create(&co, &ctx);
        double ctx_ms = util_now_ms() - t0;
        if (st) {
            rc = cli_fail_st(st);
            if (!all)
                break;
            continue;
        }
        const clvis_device_info *di = clvis_ctx_device(ctx);
        devs[d].index = di->index;
        snprintf(devs[d].name, sizeof devs[d].name, "%s (%s)", di->name, di->platform);
        cli_progress(NULL, devs[d].name);
        char kl[400];
        snprintf(kl, sizeof kl, "kernels: %s", clvis_ctx_kernels(ctx));
        cli_progress(NULL, kl);
        bench_fma_peak(ctx, &devs[d].peak); /* 0 when it cannot run: %peak left blank */
        bench_meter bm = {0, 0, util_now_ms()};
        for (const char *q = BENCH_WORKLOADS; *q;) { /* the workloads this run has */
            size_t ql = strcspn(q, ",");
            char name[128];
            snprintf(name, sizeof name, "%.*s", (int)ql, q);
            bm.total += bench_wants(bo.workloads, name);
            q += ql + (q[ql] == ',');
        }
        st = bench_run(ctx, &bo, &devs[d].rep, bench_line, &bm);
        if (st) {
            rc = cli_fail("%s: %s", devs[d].name, clvis_last_error());
        } else {
            clvis_build_info bi;
            clvis_ctx_build_info(ctx, &bi);
            devs[d].rep.ctx_ms = ctx_ms;
            devs[d].rep.from_cache = bi.from_cache;
            devs[d].rep.build_ms = bi.build_ms;
            devs[d].ok = 1;
        }
        clvis_ctx_destroy(ctx);
    }
    /* the reference device */
    int ref = -1;
    for (int d = 0; d < ndev; d++)
        if (devs[d].ok && (ref_index < 0 ? ref < 0 : devs[d].index == ref_index))
            ref = d;
    if (ref_index >= 0 && ref < 0)
        rc = cli_fail("--reference %d: no such device among those run", ref_index);
    for (int d = 0; d < ndev; d++) {
        if (!devs[d].ok)
            continue;
        bench_report *rp = &devs[d].rep;
        int cmp = ndev > 1 && ref >= 0 && d != ref;
        if (json) {
            cJSON *jo = cJSON_CreateObject();
            cJSON_AddNumberToObject(jo, "device_index", devs[d].index);
            cJSON_AddStringToObject(jo, "device", devs[d].name);
            cJSON_AddNumberToObject(jo, "fma_peak_gflops", devs[d].peak);
            cJSON_AddNumberToObject(jo, "ctx_create_ms", rp->ctx_ms);
            cJSON_AddBoolToObject(jo, "kernels_from_cache", rp->from_cache);
            cJSON_AddNumberToObject(jo, "kernel_build_ms", rp->build_ms);
            cJSON_AddNumberToObject(jo, "model_setup_ms", rp->setup_ms);
            cJSON_AddNumberToObject(jo, "filter_steps", bo.filter_steps);
            if (cmp)
                cJSON_AddNumberToObject(jo, "reference_device", devs[ref].index);
            cJSON *arr = cJSON_AddArrayToObject(jo, "workloads");
            for (int i = 0; i < rp->n; i++) {
                const bench_result *r = &rp->r[i];
                cJSON *w = cJSON_CreateObject();
                cJSON_AddStringToObject(w, "name", r->name);
                cJSON_AddStringToObject(w, "detail", r->detail);
                cJSON_AddNumberToObject(w, "runs", r->runs);
                cJSON_AddNumberToObject(w, "ms", r->ms);
                cJSON_AddNumberToObject(w, "ms_min", r->ms_min);
                cJSON_AddNumberToObject(w, "warmup_ms", r->warmup_ms);
                cJSON_AddNumberToObject(w, "gflop", r->flops / 1e9);
                if (r->flops > 0)
                    cJSON_AddNumberToObject(w, "gflops", r->flops / (r->ms * 1e6));
                if (r->flops > 0 && devs[d].peak > 0)
                    cJSON_AddNumberToObject(w, "peak_fraction",
                                            r->flops / (r->ms * 1e6) / devs[d].peak);
                if (cmp && i < devs[ref].rep.n && devs[ref].rep.r[i].n_out == r->n_out) {
                    double ma, mr;
                    bench_diff(r->out, devs[ref].rep.r[i].out, r->n_out, &ma, &mr);
                    cJSON_AddNumberToObject(w, "max_abs", ma);
                    cJSON_AddNumberToObject(w, "max_rel", mr);
                }
                cJSON_AddItemToArray(arr, w);
            }
            char *txt = cJSON_PrintUnformatted(jo);
            printf("%s\n", txt);
            free(txt);
            cJSON_Delete(jo);
            continue;
        }
        printf("device %d: %s\n", devs[d].index, devs[d].name);
        printf("  FMA peak %.1f GFLOP/s; context %.0f ms (kernels %s, %.0f ms); model setup "
               "%.0f ms\n",
               devs[d].peak, rp->ctx_ms, rp->from_cache ? "from cache" : "compiled",
               rp->build_ms, rp->setup_ms);
        printf("  median of %d runs after a warm-up (filter grids: %d run(s), %d steps%s)\n",
               bo.runs, bo.filter_runs < bo.runs ? bo.filter_runs : bo.runs, bo.filter_steps,
               bo.filter_steps != 40 ? ", NOT the book's 40" : "");
        if (cmp)
            printf("  differences against device %d\n", devs[ref].index);
        printf("  %-22s %10s %10s %9s %7s", "workload", "ms", "min ms", "GFLOP/s", "%peak");
        if (cmp)
            printf(" %10s %10s", "max abs", "max rel");
        printf("\n");
        for (int i = 0; i < rp->n; i++) {
            const bench_result *r = &rp->r[i];
            printf("  %-22s %10.2f %10.2f", r->name, r->ms, r->ms_min);
            if (r->flops > 0) {
                double gf = r->flops / (r->ms * 1e6);
                printf(" %9.1f", gf);
                if (devs[d].peak > 0)
                    printf(" %6.1f%%", 100 * gf / devs[d].peak);
                else
                    printf(" %7s", "-");
            } else
                printf(" %9s %7s", "-", "-");
            if (cmp && i < devs[ref].rep.n && devs[ref].rep.r[i].n_out == r->n_out) {
                double ma, mr;
                bench_diff(r->out, devs[ref].rep.r[i].out, r->n_out, &ma, &mr);
                printf(" %10.2e %10.2e", ma, mr);
            }
            printf("\n");
        }
        printf("\n");
    }
    for (int d = 0; d < ndev; d++)
        bench_report_free(&devs[d].rep);
    free(devs);
    free(all);
    return rc;
}

