/* testutil.h — the few helpers every test program shares: opening a device (skip = exit 77
 * when there is none, unless CLVIS_REQUIRE_DEVICE=1), comparisons that print their errors, and
 * the closing "N passed, M failed" line. Header-only so each test stays one file. */
#ifndef CLVIS_TESTUTIL_H
#define CLVIS_TESTUTIL_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clvis.h"

static int tu_passed, tu_failed;

static inline void test_result(const char *label, int ok, const char *detail)
{
    if (ok)
        tu_passed++;
    else
        tu_failed++;
    printf("%s %s%s%s\n", ok ? "PASS" : "FAIL", label, detail && *detail ? ": " : "",
           detail ? detail : "");
    fflush(stdout);
}

/* PASS/FAIL with a printf-style description (the check itself is the label). */
static inline void test_checkf(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void test_checkf(int ok, const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    test_result(line, ok, NULL);
}

static inline void test_fail(const char *label, const char *why)
{
    test_result(label, 0, why);
}

static inline void test_check(const char *label, int ok, const char *what)
{
    test_result(label, ok, what);
}

static inline int test_compare_floor(const char *label, const float *got, const double *want,
                                     size_t n, double tol, double floor_);

/* got vs want: max abs error, and that error relative to max |want| (floored at 1). */
static inline int test_compare_fd(const char *label, const float *got, const double *want,
                                  size_t n, double tol)
{
    return test_compare_floor(label, got, want, n, tol, 1.0);
}

/* The same, relative to max |want| floored at floor_ (for values far below 1). */
static inline int test_compare_floor(const char *label, const float *got, const double *want,
                                     size_t n, double tol, double floor_)
{
    double max_abs = 0, scale = 0;
    size_t worst = 0;
    int finite = 1;
    for (size_t i = 0; i < n; i++) {
        double e = fabs((double)got[i] - want[i]);
        if (!isfinite(got[i]))
            finite = 0;
        if (e > max_abs) {
            max_abs = e;
            worst = i;
        }
        if (fabs(want[i]) > scale)
            scale = fabs(want[i]);
    }
    double rel = max_abs / (scale > floor_ ? scale : floor_);
    char d[256];
    snprintf(d, sizeof d, "n=%zu max_abs=%.3g rel=%.3g tol=%.1g%s", n, max_abs, rel, tol,
             finite ? "" : " NON-FINITE");
    int ok = finite && rel <= tol;
    if (!ok && n)
        snprintf(d + strlen(d), sizeof d - strlen(d), " worst[%zu] got %.7g want %.7g", worst,
                 (double)got[worst], want[worst]);
    test_result(label, ok, d);
    return ok;
}

static inline int test_compare_f(const char *label, const float *got, const float *want, size_t n,
                                 double tol)
{
    double *w = malloc((n ? n : 1) * sizeof *w);
    for (size_t i = 0; i < n; i++)
        w[i] = want[i];
    int ok = test_compare_fd(label, got, w, n, tol);
    free(w);
    return ok;
}

/* uint8 arrays: within +-tol on all but max_frac of the elements; prints the first mismatches. */
static inline int test_compare_u8(const char *label, const unsigned char *got,
                                  const unsigned char *want, size_t n, int tol, double max_frac)
{
    size_t bad = 0, diff = 0;
    int worst = 0;
    for (size_t i = 0; i < n; i++) {
        int d = abs((int)got[i] - (int)want[i]);
        diff += d != 0;
        if (d > tol && bad++ < 3)
            printf("  %s: [%zu] got %d want %d\n", label, i, got[i], want[i]);
        worst = d > worst ? d : worst;
    }
    char det[200];
    snprintf(det, sizeof det, "n=%zu differ=%zu beyond+-%d=%zu (allowed %.2f%%) max=%d", n, diff,
             tol, bad, 100 * max_frac, worst);
    int ok = n > 0 && bad <= (size_t)(max_frac * (double)n);
    test_check(label, ok, det);
    return ok;
}

static inline void test_expect_error(const char *label, clvis_status st, clvis_status want)
{
    char d[600];
    snprintf(d, sizeof d, "%s (want %s): %.400s", clvis_status_name(st), clvis_status_name(want),
             st ? clvis_last_error() : "");
    test_result(label, st == want && strchr(clvis_last_error(), '\n') == NULL, d);
}

static void test_log(void *user, const char *line)
{
    (void)user;
    fprintf(stderr, "clvis: %s\n", line);
}

/* 0: ctx opened; 77: no device (skip); 1: failure. */
static inline int test_open_ctx(clvis_ctx **ctx)
{
    clvis_ctx_options o = {0};
    o.log = test_log;
    clvis_status st = clvis_ctx_create(&o, ctx);
    if (st == CLVIS_OK)
        return 0;
    const char *req = getenv("CLVIS_REQUIRE_DEVICE");
    int required = req && *req && strcmp(req, "0");
    printf("%s: %s\n", required ? "FAIL no device" : "SKIP no device", clvis_last_error());
    if (st == CLVIS_ERR_NO_DEVICE && !required) {
        printf("0 passed, 0 failed, 1 skipped\n");
        return 77;
    }
    printf("0 passed, 1 failed\n");
    return 1;
}

/* CLVIS_TEST_QUICK=1 (tools/oclgrind.sh, a simulator 100-1000x slower than a CPU): tests
 * shrink their long cases (fewer steps, smaller sizes) and say so on a "QUICK" line; the
 * checks that only the full case can make are reported as skipped there, not dropped. */
static inline int test_quick(void)
{
    const char *q = getenv("CLVIS_TEST_QUICK");
    return q && *q && strcmp(q, "0");
}

static inline void test_quick_note(const char *what)
{
    printf("QUICK %s\n", what);
    fflush(stdout);
}

/* Wall-clock milliseconds (a monotonic clock), for a test's section times. */
static inline double test_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static inline int test_summary(void)
{
    printf("%d passed, %d failed\n", tu_passed, tu_failed);
    return tu_failed ? 1 : 0;
}

#endif
