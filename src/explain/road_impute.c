/* road_impute.c — ROAD's noisy linear imputer (Rong et al. 2022, imputations.py, as
 * pytorch-grad-cam 1.5.7 ships it): each removed pixel becomes the weighted mean of its
 * in-image 8-neighbours (1/6 edge, 1/12 corner), removed neighbours being unknowns too: one
 * sparse linear system per image and channel. pytorch-grad-cam solves it with scipy's spsolve
 * (SuperLU, direct); here the same system (M v = b, M = diag(sum of in-image weights) -
 * weights between removed pixels, symmetric and, with one kept pixel, positive definite: each
 * connected removed region touches a kept pixel) is solved by conjugate gradients in double,
 * preconditioned by MIC(0) (about 7x fewer iterations than plain CG on a 224x224 photo, 2x less
 * time), until ||r|| <= 1e-12 ||b||, which leaves the float32 result within rounding of the
 * direct solve. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "explain/metric.h"

static const struct {
    int dy, dx;
    double wt;
} NB[8] = {{1, 1, 1.0 / 12},  {0, 1, 1.0 / 6},   {-1, 1, 1.0 / 12}, {1, -1, 1.0 / 12},
           {0, -1, 1.0 / 6},  {-1, -1, 1.0 / 12}, {1, 0, 1.0 / 6},   {-1, 0, 1.0 / 6}};

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

float road_percentile(const float *v, size_t n, double q)
{
    float *s = malloc(n * sizeof *s);
    if (!s || n == 0) {
        free(s);
        return n ? v[0] : 0.0f;
    }
    memcpy(s, v, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_float);
    /* numpy 2's _quantile for a Python-scalar q, method "linear": the virtual index
     * n q + (1 - q) - 1 in double, then _lerp in float32 (the weight a weak scalar) */
    double qq = q / 100.0, idx = (double)n * qq + (1.0 + qq * (1.0 - 1.0 - 1.0)) - 1.0;
    double lo_d = floor(idx);
    size_t lo = lo_d < 0.0 ? 0 : (size_t)lo_d >= n ? n - 1 : (size_t)lo_d;
    size_t hi = lo + 1 < n ? lo + 1 : n - 1;
    double t = idx - lo_d;
    float a = s[lo], b = s[hi], d = b - a, r;
    if (t >= 0.5) {
        float dt = d * (float)(1.0 - t);
        r = b - dt;
    } else {
        float dt = d * (float)t;
        r = a + dt;
    }
    free(s);
    return r;
}

/* The removed pixels' numbering (vid, -1 for kept) and count. */
static int number(const unsigned char *keep, size_t hw, int *vid)
{
    int n = 0;
    for (size_t p = 0; p < hw; p++)
        vid[p] = keep[p] ? -1 : n++;
    return n;
}

clvis_status road_system(const float *x, int h, int w, int c, const unsigned char *keep,
                         double *a, double *b, int *np)
{
    size_t hw = (size_t)h * w;
    int *vid = malloc(hw * sizeof *vid);
    if (!vid)
        return err_set(CLVIS_ERR_NO_MEMORY, "road: out of memory");
    int n = number(keep, hw, vid);
    memset(a, 0, (size_t)n * n * sizeof *a);
    memset(b, 0, (size_t)n * c * sizeof *b);
    for (size_t p = 0; p < hw; p++) {
        int i = vid[p], y = (int)(p / w), xx = (int)(p % w);
        if (i < 0)
            continue;
        for (int k = 0; k < 8; k++) {
            int ny = y + NB[k].dy, nx = xx + NB[k].dx;
            if (ny < 0 || nx < 0 || ny >= h || nx >= w)
                continue;
            size_t q = (size_t)ny * w + nx;
            a[(size_t)i * n + i] += NB[k].wt;
            if (vid[q] >= 0)
                a[(size_t)i * n + vid[q]] -= NB[k].wt;
            else
                for (int ch = 0; ch < c; ch++)
                    b[(size_t)i * c + ch] += NB[k].wt * x[q * c + ch];
        }
    }
    *np = n;
    free(vid);
    return CLVIS_OK;
}

/* Box-Muller on the generator's doubles (ROAD's noise; pytorch-grad-cam draws torch.randn). */
static double normal(viz_mt19937 *mt)
{
    double u1 = viz_mt_random(mt), u2 = viz_mt_random(mt);
    return sqrt(-2.0 * log(1.0 - u1)) * cos(6.283185307179586 * u2);
}

/* The preconditioner: modified incomplete Cholesky, MIC(0) (Gustafsson), L L^T ~= M on M's own
 * pattern, the fill it drops moved onto the diagonal (relaxed by 0.95), right-looking. Row i
 * keeps its lower neighbours j < i (row-major order) in lj[4 i + t] and L there in ll[4 i + t],
 * its diagonal in ld[i]. Returns 0 when a pivot is not positive: then the solve runs without
 * it (the answer does not depend on it, only the iterations do). */
static int mic0(int n, const int *nbr, const double *nw, const double *diag, int *lj,
                double *ll, double *ld)
{
    for (int i = 0; i < n; i++) {
        int t = 0;
        ld[i] = diag[i];
        for (int m = 0; m < 8 && nbr[(size_t)i * 8 + m] >= 0; m++)
            if (nbr[(size_t)i * 8 + m] < i) {
                lj[(size_t)i * 4 + t] = nbr[(size_t)i * 8 + m];
                ll[(size_t)i * 4 + t++] = -nw[(size_t)i * 8 + m];
            }
        for (; t < 4; t++)
            lj[(size_t)i * 4 + t] = -1;
    }
    for (int j = 0; j < n; j++) {
        if (!(ld[j] > 0.0))
            return 0;
        ld[j] = sqrt(ld[j]);
        int up[4], slot[4], nu = 0; /* rows i > j with an entry in column j */
        for (int m = 0; m < 8 && nbr[(size_t)j * 8 + m] >= 0; m++) {
            int i = nbr[(size_t)j * 8 + m];
            for (int t = 0; i > j && t < 4; t++)
                if (lj[(size_t)i * 4 + t] == j) {
                    ll[(size_t)i * 4 + t] /= ld[j];
                    up[nu] = i, slot[nu++] = t;
                    break;
                }
        }
        for (int a = 0; a < nu; a++) {
            double la = ll[(size_t)up[a] * 4 + slot[a]];
            ld[up[a]] -= la * la;
            for (int b = 0; b < nu; b++) {
                int i = up[a], k = up[b];
                if (k >= i)
                    continue;
                double prod = la * ll[(size_t)k * 4 + slot[b]];
                int t = 0;
                while (t < 4 && lj[(size_t)i * 4 + t] != k)
                    t++;
                if (t < 4)
                    ll[(size_t)i * 4 + t] -= prod;
                else { /* dropped fill: onto the diagonals, keeping the row sums */
                    ld[i] -= 0.95 * prod;
                    ld[k] -= 0.95 * prod;
                }
            }
        }
    }
    return 1;
}

/* z = (L L^T)^-1 r: forward by rows, then backward by columns. */
static void mic0_apply(int n, const int *lj, const double *ll, const double *ld,
                       const double *r, double *z)
{
    for (int i = 0; i < n; i++) {
        double s = r[i];
        for (int t = 0; t < 4; t++)
            if (lj[(size_t)i * 4 + t] >= 0)
                s -= ll[(size_t)i * 4 + t] * z[lj[(size_t)i * 4 + t]];
        z[i] = s / ld[i];
    }
    for (int i = n - 1; i >= 0; i--) {
        z[i] /= ld[i];
        for (int t = 0; t < 4; t++)
            if (lj[(size_t)i * 4 + t] >= 0)
                z[lj[(size_t)i * 4 + t]] -= ll[(size_t)i * 4 + t] * z[i];
    }
}

clvis_status road_impute(const float *x, int h, int w, int c, const unsigned char *keep,
                         float noise, viz_mt19937 *mt, float *out)
{
    size_t hw = (size_t)h * w;
    memcpy(out, x, hw * c * sizeof *out);
    int *vid = malloc(hw * sizeof *vid);
    if (!vid)
        return err_set(CLVIS_ERR_NO_MEMORY, "road: out of memory");
    int n = number(keep, hw, vid);
    if (n == 0) {
        free(vid);
        return CLVIS_OK;
    }
    /* per unknown: its pixel, diagonal, up to 8 unknown neighbours and their weights */
    size_t *pix = malloc((size_t)n * sizeof *pix);
    int *nbr = malloc((size_t)n * 8 * sizeof *nbr);
    double *nw = malloc((size_t)n * 8 * sizeof *nw), *diag = malloc((size_t)n * sizeof *diag);
    double *v = malloc((size_t)n * sizeof *v);
    double *rr = malloc((size_t)n * sizeof *rr), *pp = malloc((size_t)n * sizeof *pp);
    double *ap = malloc((size_t)n * sizeof *ap), *zz = malloc((size_t)n * sizeof *zz);
    int *lj = malloc((size_t)n * 4 * sizeof *lj);
    double *ll = malloc((size_t)n * 4 * sizeof *ll), *ld = malloc((size_t)n * sizeof *ld);
    clvis_status st = CLVIS_OK;
    if (!pix || !nbr || !nw || !diag || !v || !rr || !pp || !ap || !zz || !lj || !ll || !ld) {
        st = err_set(CLVIS_ERR_NO_MEMORY, "road: out of memory");
        goto done;
    }
    int kept = n < (int)hw;
    for (size_t p = 0; p < hw; p++) {
        int i = vid[p];
        if (i < 0)
            continue;
        int y = (int)(p / w), xx = (int)(p % w), m = 0;
        pix[i] = p;
        diag[i] = 0.0;
        for (int k = 0; k < 8; k++) {
            int ny = y + NB[k].dy, nx = xx + NB[k].dx;
            if (ny < 0 || nx < 0 || ny >= h || nx >= w)
                continue;
            diag[i] += NB[k].wt;
            int j = vid[(size_t)ny * w + nx];
            if (j >= 0) {
                nbr[(size_t)i * 8 + m] = j;
                nw[(size_t)i * 8 + m++] = NB[k].wt;
            }
        }
        for (; m < 8; m++)
            nbr[(size_t)i * 8 + m] = -1;
    }
    int pre = kept && mic0(n, nbr, nw, diag, lj, ll, ld);
    for (int ch = 0; ch < c && kept; ch++) {
        /* b: the kept neighbours' weighted values */
        double bn = 0.0;
        for (int i = 0; i < n; i++) {
            size_t p = pix[i];
            int y = (int)(p / w), xx = (int)(p % w);
            double s = 0.0;
            for (int k = 0; k < 8; k++) {
                int ny = y + NB[k].dy, nx = xx + NB[k].dx;
                if (ny < 0 || nx < 0 || ny >= h || nx >= w)
                    continue;
                size_t q = (size_t)ny * w + nx;
                if (vid[q] < 0)
                    s += NB[k].wt * x[q * c + ch];
            }
            v[i] = 0.0;
            rr[i] = s;
            bn += s * s;
        }
        /* preconditioned conjugate gradients, stopped on the plain residual */
        if (pre)
            mic0_apply(n, lj, ll, ld, rr, zz);
        else
            memcpy(zz, rr, (size_t)n * sizeof *zz);
        double rz = 0.0;
        for (int i = 0; i < n; i++) {
            pp[i] = zz[i];
            rz += rr[i] * zz[i];
        }
        double rs = bn, tol = 1e-24 * bn; /* ||r||^2 <= (1e-12 ||b||)^2 */
        for (int it = 0; it < 4 * n + 100 && rs > tol; it++) {
            double pap = 0.0;
            for (int i = 0; i < n; i++) {
                double s = diag[i] * pp[i];
                for (int m = 0; m < 8 && nbr[(size_t)i * 8 + m] >= 0; m++)
                    s -= nw[(size_t)i * 8 + m] * pp[nbr[(size_t)i * 8 + m]];
                ap[i] = s;
                pap += pp[i] * s;
            }
            double alpha = rz / pap, rs2 = 0.0;
            for (int i = 0; i < n; i++) {
                v[i] += alpha * pp[i];
                rr[i] -= alpha * ap[i];
                rs2 += rr[i] * rr[i];
            }
            rs = rs2;
            if (rs <= tol)
                break;
            if (pre)
                mic0_apply(n, lj, ll, ld, rr, zz);
            else
                memcpy(zz, rr, (size_t)n * sizeof *zz);
            double rz2 = 0.0;
            for (int i = 0; i < n; i++)
                rz2 += rr[i] * zz[i];
            double beta = rz2 / rz;
            rz = rz2;
            for (int i = 0; i < n; i++)
                pp[i] = zz[i] + beta * pp[i];
        }
        if (rs > tol && rs > 0.0) {
            st = err_set(CLVIS_ERR_UNSUPPORTED, "road: the imputation did not converge "
                         "(relative residual %g)", sqrt(rs / bn));
            goto done;
        }
        for (int i = 0; i < n; i++)
            out[pix[i] * c + ch] = (float)v[i];
    }
    if (!kept) /* nothing kept: singular, the removed pixels are 0 */
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
                out[pix[i] * c + ch] = 0.0f;
    if (noise > 0.0f) /* channel-major, as torch.randn_like(res.t()) is laid out */
        for (int ch = 0; ch < c; ch++)
            for (int i = 0; i < n; i++)
                out[pix[i] * c + ch] += noise * (float)normal(mt);
done:
    free(vid), free(pix), free(nbr), free(nw), free(diag);
    free(v), free(rr), free(pp), free(ap), free(zz), free(lj), free(ll), free(ld);
    return st;
}
