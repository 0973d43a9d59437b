/* lucid_measure.c — a readability measure for pattern images: the share of spectral energy
 * (per channel, its mean removed) at radii above half the Nyquist frequency, 0.25 cycles per
 * pixel. The book's ascent leaves most of its energy there (pixel noise); Lucid's patterns
 * little. A separable DFT in double (rows, then columns) with a twiddle table: O(S^3) per
 * channel, fine for patterns up to a few hundred pixels. */
#include <math.h>
#include <stdlib.h>

#include "explain/explain.h"

double clvis_high_frequency_share(const unsigned char *images, int n, int S)
{
    if (!images || n < 1 || S < 2 || S > 4096)
        return -1;
    double *cs = malloc((size_t)S * 2 * sizeof *cs);
    double *re = malloc((size_t)S * S * sizeof *re), *im = malloc((size_t)S * S * sizeof *im);
    double *x = malloc((size_t)S * S * sizeof *x);
    if (!cs || !re || !im || !x) {
        free(cs);
        free(re);
        free(im);
        free(x);
        return -1;
    }
    for (int k = 0; k < S; k++) {
        cs[2 * k] = cos(2 * M_PI * k / S);
        cs[2 * k + 1] = -sin(2 * M_PI * k / S);
    }
    double hi = 0, all = 0;
    for (int b = 0; b < n; b++)
        for (int c = 0; c < 3; c++) {
            const unsigned char *p = images + (size_t)b * S * S * 3;
            double mean = 0;
            for (int i = 0; i < S * S; i++)
                mean += p[(size_t)i * 3 + c];
            mean /= (double)S * S;
            for (int i = 0; i < S * S; i++)
                x[i] = p[(size_t)i * 3 + c] - mean;
            for (int y = 0; y < S; y++) /* rows: real input */
                for (int k = 0; k < S; k++) {
                    double r = 0, s = 0;
                    for (int t = 0; t < S; t++) {
                        int e = (int)(((long)k * t) % S);
                        r += x[y * S + t] * cs[2 * e];
                        s += x[y * S + t] * cs[2 * e + 1];
                    }
                    re[y * S + k] = r;
                    im[y * S + k] = s;
                }
            for (int k = 0; k < S; k++) /* columns: complex */
                for (int j = 0; j < S; j++) {
                    double r = 0, s = 0;
                    for (int y = 0; y < S; y++) {
                        int e = (int)(((long)j * y) % S);
                        double a = re[y * S + k], bb = im[y * S + k];
                        r += a * cs[2 * e] - bb * cs[2 * e + 1];
                        s += a * cs[2 * e + 1] + bb * cs[2 * e];
                    }
                    double fy = (double)(j <= S / 2 ? j : j - S) / S;
                    double fx = (double)(k <= S / 2 ? k : k - S) / S;
                    double pw = r * r + s * s;
                    all += pw;
                    if (sqrt(fx * fx + fy * fy) > 0.25)
                        hi += pw;
                }
        }
    free(cs);
    free(re);
    free(im);
    free(x);
    return all > 0 ? hi / all : 0;
}
