/* test_mapdiff.c — the device comparison's arithmetic (tools/cli/mapdiff.c) on synthetic maps:
 * max abs, max rel with its floor, NaN cells, infinities, shape mismatch. Host only. */
#include <math.h>
#include <stdio.h>

#include "cli/mapdiff.h"

static int passed, failed;

static void check(const char *what, int ok)
{
    printf("%s %s\n", ok ? "PASS" : "FAIL", what);
    ok ? passed++ : failed++;
}

static int near(double a, double b) { return fabs(a - b) <= 1e-6 * (fabs(b) + 1e-30) /* float inputs */; }

int main(void)
{
    map_diff d;
    int s23[3] = {2, 3, 1}, s32[3] = {3, 2, 1}, s1[3] = {1, 4, 1};
    float a[6] = {1, 2, 3, 4, 5, 10}, b[6] = {1, 2, 3, 4, 5, 10};
    check("equal maps: 0 and 0, 6 cells",
          !map_diff_compute(a, s23, b, s23, 1e-3, &d) && d.max_abs == 0 && d.max_rel == 0 &&
              d.n == 6 && !d.nan_one);
    b[1] = 2.5f, b[5] = 10.25f;
    check("max abs 0.5 at cell 1, max rel 0.25 (0.5 / 2)",
          !map_diff_compute(a, s23, b, s23, 1e-3, &d) && near(d.max_abs, 0.5) && d.at == 1 &&
              near(d.max_rel, 0.25) && near(d.floor, 1e-2));
    check("shape mismatch (2x3 against 3x2, same count) refused",
          map_diff_compute(a, s23, b, s32, 1e-3, &d) == -1 && d.n == 0);
    int s0[3] = {0, 3, 1};
    check("empty shape refused", map_diff_compute(a, s0, b, s0, 1e-3, &d) == -1);

    /* the floor: a cell of a near zero divides by floor, not by |a| */
    float z[4] = {0, 1e-9f, 100, 50}, zb[4] = {1e-3f, 2e-9f, 100, 50};
    check("rel floor: 1e-3 * max|a| = 0.1, so 0 -> 1e-3 is rel 1e-2, not inf",
          !map_diff_compute(z, s1, zb, s1, 1e-3, &d) && near(d.floor, 0.1) &&
              near(d.max_rel, 1e-3 / 0.1) && isfinite(d.max_rel));
    float zz[4] = {0, 0, 0, 0}, zzb[4] = {0, 0, 0, 1e-20f};
    check("all-zero reference: floor 1e-30, rel stays finite",
          !map_diff_compute(zz, s1, zzb, s1, 1e-3, &d) && d.floor == 1e-30 &&
              isfinite(d.max_rel) && d.max_rel > 0);

    /* NaN: in both cells equal; in one only a difference (inf) */
    float na[4] = {NAN, 1, 2, 3}, nb[4] = {NAN, 1, 2, 3};
    check("NaN in both: equal, counted",
          !map_diff_compute(na, s1, nb, s1, 1e-3, &d) && d.max_abs == 0 && d.nan_both == 1 &&
              !d.nan_one);
    nb[0] = 0, nb[2] = 2.5f;
    check("NaN in one only: counted, max abs and max rel +inf",
          !map_diff_compute(na, s1, nb, s1, 1e-3, &d) && d.nan_one == 1 && isinf(d.max_abs) &&
              isinf(d.max_rel));
    float ia[4] = {INFINITY, 1, 2, 3}, ib[4] = {INFINITY, 1, 2, 3};
    check("equal infinities are equal; the floor ignores them",
          !map_diff_compute(ia, s1, ib, s1, 1e-3, &d) && d.max_abs == 0 && near(d.floor, 3e-3));

    /* the cells of the picture: max over channels, NaN in one only as the largest difference */
    int s3[3] = {1, 2, 3};
    float ca[6] = {0, 0, 0, 1, 1, 1}, cb[6] = {0.5f, -0.25f, 0, 1, NAN, 1}, cells[2];
    map_diff_cells(ca, cb, s3, cells);
    check("picture cells: max over channels (0.5), NaN in one only -> the largest (0.5)",
          near(cells[0], 0.5) && near(cells[1], 0.5));
    int sc[3] = {1, 2, 1};
    float da[2] = {NAN, 1}, db[2] = {1, 1};
    map_diff_cells(da, db, sc, cells);
    check("picture cells: only NaN differences -> 1 there, 0 elsewhere",
          cells[0] == 1 && cells[1] == 0);
    check("attribution shape (h, w, c) compared channel by channel",
          !map_diff_compute(ca, s3, ca, s3, 1e-3, &d) && d.n == 6 && d.max_abs == 0);

    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
