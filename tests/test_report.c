/* test_report.c — the report page and its helpers, no device needed: the cat/dog verdict on
 * the ImageNet class boundaries, the thumbnail's area averaging, and the page made from crafted
 * manifest rows (sections, contents bar, variants side by side, sizes, escaping of every
 * string, URL-encoded file names, rows of older manifests). */
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "cli/catdog.h"
#include "cli/compare.h"
#include "cli/report.h"
#include "cli/report_page.h"
#include "cli/thumb.h"

static int passed, failed;

static void check(const char *what, int ok, const char *detail)
{
    printf("%s %s%s%s\n", ok ? "PASS" : "FAIL", what, ok || !detail ? "" : ": ", ok ? "" : detail);
    ok ? passed++ : failed++;
}

static void test_verdicts(void)
{
    static const struct {
        int cls;
        catdog_verdict v;
    } cases[] = {{0, CATDOG_OTHER},   {150, CATDOG_OTHER}, {151, CATDOG_DOG},  {207, CATDOG_DOG},
                 {268, CATDOG_DOG},   {269, CATDOG_OTHER}, {280, CATDOG_OTHER}, {281, CATDOG_CAT},
                 {285, CATDOG_CAT},   {286, CATDOG_OTHER}, {293, CATDOG_OTHER}, {999, CATDOG_OTHER},
                 {-1, CATDOG_OTHER}, {1000, CATDOG_OTHER}};
    int bad = 0;
    char msg[256] = "";
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        if (catdog_of_class(cases[i].cls) != cases[i].v) {
            bad++;
            snprintf(msg, sizeof msg, "class %d: %s, want %s", cases[i].cls,
                     catdog_name(catdog_of_class(cases[i].cls)), catdog_name(cases[i].v));
        }
    check("catdog: dogs 151..268, domestic cats 281..285, other around each boundary "
          "(150, 269, 280, 286 other)", !bad, msg);
    float p[1000] = {0};
    p[151] = 0.25f, p[268] = 0.25f, p[281] = 0.125f, p[285] = 0.125f, p[286] = 0.25f;
    double pc, pd;
    catdog_mass(p, 1000, &pc, &pd);
    snprintf(msg, sizeof msg, "P(cat) %g P(dog) %g", pc, pd);
    check("catdog: probability mass of each range (the tiger 286 is not a cat)",
          pc == 0.25 && pd == 0.5, msg);
    check("catdog: names", !strcmp(catdog_name(CATDOG_CAT), "cat") &&
                               !strcmp(catdog_name(CATDOG_DOG), "dog") &&
                               !strcmp(catdog_name(CATDOG_OTHER), "other"), NULL);
}

static void test_thumb(void)
{
    /* 4x2 gray-ish RGB: each 2x2 block averages to a known value */
    unsigned char px[4 * 2 * 3];
    for (int y = 0; y < 2; y++)
        for (int x = 0; x < 4; x++)
            for (int c = 0; c < 3; c++)
                px[(y * 4 + x) * 3 + c] = (unsigned char)(x < 2 ? 10 * (x + y) : 200 + c);
    clvis_image src = {4, 2, 3, px}, t;
    clvis_status st = thumb_make(&t, &src, 2);
    int ok = !st && t.w == 2 && t.h == 1 && t.px[0] == 10 && t.px[1] == 10 && t.px[3] == 200 &&
             t.px[4] == 201 && t.px[5] == 202;
    char msg[128];
    snprintf(msg, sizeof msg, "st %d, %dx%d, %d %d %d %d", st, t.w, t.h, st ? 0 : t.px[0],
             st ? 0 : t.px[3], st ? 0 : t.px[4], st ? 0 : t.px[5]);
    check("thumbnail: area average of the 2x2 blocks, aspect kept (4x2 -> 2x1)", ok, msg);
    if (!st)
        clvis_image_free(&t);
    st = thumb_make(&t, &src, 160);
    check("thumbnail: a picture smaller than the side is copied", !st && t.w == 4 && t.h == 2 &&
                                                                      !memcmp(t.px, px, sizeof px),
          NULL);
    if (!st)
        clvis_image_free(&t);
    clvis_image big = {10000, 1, 3, calloc(10000 * 3, 1)};
    st = thumb_make(&t, &big, 160);
    check("thumbnail: a 10000x1 strip keeps one row (160x1)", !st && t.w == 160 && t.h == 1, NULL);
    if (!st)
        clvis_image_free(&t);
    free(big.px);
}

/* one manifest row; "" for the columns not given */
static report_row mk(const char *cmd, const char *file, const char *cap, const char *image,
                     const char *role, const char *variant, const char *size)
{
    report_row r;
    const char *v[R_NF] = {cmd, file, cap, "m<odel>.h5", "Dev & ice", "12.5",
                           "2026-01-01 10:00:00", image, role, variant, size,
                           "clvis 0.2.0; OpenCL 3.0"};
    for (int k = 0; k < R_NF; k++)
        r.f[k] = strdup(v[k] ? v[k] : "");
    return r;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static void test_page(void)
{
    const char *evil = "ph<script>alert(1)</script>\"'&.jpg";
    report_row rows[] = {
        mk("predict", "", "samples/cat.png: 1. n02124075 Egyptian_cat 0.724313 (index 285); "
                          "2. n02123159 tiger_cat 0.153769 (index 282)",
           "samples/cat.png", REPORT_ROLE_PRED, NULL, NULL),
        mk("predict", "thumb_cat.jpg", "samples/cat.png", "samples/cat.png", REPORT_ROLE_THUMB,
           NULL, "160x107"),
        mk("predict", "", "samples/cat.png: cat (top-1 class 285)", "samples/cat.png",
           REPORT_ROLE_VERDICT, "catdog", NULL),
        mk("gradcam", "gradcam-paper_cat_map.png", "raw 7x7 map: paper", "samples/cat.png",
           REPORT_ROLE_MAP, "gradcam-paper", "224x224"),
        mk("gradcam", "gradcam-paper_cat_overlay.jpg", "paper caption", "samples/cat.png",
           REPORT_ROLE_OVERLAY, "gradcam-paper", "600x400"),
        mk("gradcam", "gradcam_cat_map.png", "raw 7x7 map: book", "samples/cat.png",
           REPORT_ROLE_MAP, "gradcam", "224x224"),
        mk("gradcam", "gradcam_cat_overlay.jpg", "book caption", "samples/cat.png",
           REPORT_ROLE_OVERLAY, "gradcam", "600x400"),
        mk("gradcam", "gradcam_x_overlay.jpg", evil, evil, REPORT_ROLE_OVERLAY, "gradcam",
           "10x10"),
        mk("activations", "act_c1.png", "Conv1 of cat", "samples/cat.png", REPORT_ROLE_GRID,
           NULL, "112x14"),
        mk("filters", "filters_c 1#?.png", "filter patterns", NULL, REPORT_ROLE_GRID, NULL,
           "547x547"),
        mk("predict", "", "old.jpg: 1. tabby 0.5", NULL, NULL, NULL, NULL), /* an old row */
        mk("dump", "dump_x.h5", "a dump", NULL, NULL, NULL, NULL),
    };
    int n = (int)(sizeof rows / sizeof *rows);
    free(rows[7].f[R_MS]); /* a tampered time: shown as a number */
    rows[7].f[R_MS] = strdup("3<i>x</i>");
    size_t len = 0;
    char *html = report_page(rows, n, &len);
    check("page: made, its length given", html && len == strlen(html), NULL);
    if (!html)
        return;
    check("page: a static file (no script, no external resource)",
          !strstr(html, "<script") && !strstr(html, "http://") && !strstr(html, "https://") &&
              !strstr(html, "src=\"/") && !strstr(html, "@import"),
          NULL);
    check("page: every string escaped (path, caption, model, device; a time as a number)",
          strstr(html, "ph&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;.jpg") &&
              strstr(html, "m&lt;odel&gt;.h5") && strstr(html, "Dev &amp; ice") &&
              !strstr(html, "<odel>") && !strstr(html, "<i>x") && strstr(html, "(3.0 ms)"),
          NULL);
    check("page: file names URL-encoded in src and href",
          strstr(html, "src=\"filters_c%201%23%3F.png\"") &&
              strstr(html, "href=\"filters_c%201%23%3F.png\""),
          NULL);
    check("page: a contents bar linking every section present and every image",
          strstr(html, "<nav class=\"toc\">") && strstr(html, "href=\"#run\"") &&
              strstr(html, "href=\"#images\"") && strstr(html, "href=\"#catdog\"") &&
              strstr(html, "href=\"#activations\"") && strstr(html, "href=\"#filters\"") &&
              strstr(html, "href=\"#other\"") && strstr(html, "href=\"#img-1\"") &&
              strstr(html, "href=\"#img-3\"") && !strstr(html, "href=\"#img-4\""),
          NULL);
    check("page: one section per image, the old row's photo among them",
          strstr(html, "id=\"img-1\"") && strstr(html, "<h3>samples/cat.png</h3>") &&
              strstr(html, "<h3>old.jpg</h3>"),
          NULL);
    const char *b = strstr(html, "gradcam_cat_map.png"), *p = strstr(html, "gradcam-paper_cat_map.png");
    const char *th = strstr(html, "src=\"thumb_cat.jpg\"");
    check("page: thumbnail and top-k first, then the book's map and overlay, then the paper's",
          th && b && p && th < b && b < p && strstr(html, ">Egyptian_cat</span>") &&
              strstr(html, "title=\"n02124075\"") && strstr(html, "width:72.4%"),
          NULL);
    check("page: the two variants' difference said once (both present)",
          count(html, "post-softmax probability, the paper the pre-softmax logit") == 1, NULL);
    check("page: the 224x224 map fitted to 180x180, crisp (image-rendering: pixelated)",
          strstr(html, "src=\"gradcam_cat_map.png\" alt=\"gradcam_cat_map.png\" width=\"180\" "
                       "height=\"180\" class=\"px\"") &&
              strstr(html, "img.px{image-rendering:crisp-edges;image-rendering:pixelated}"),
          NULL);
    check("page: a small grid scaled up by a whole factor (112x14 -> 784x98), pixelated",
          strstr(html, "width=\"784\" height=\"98\" class=\"px\"") != NULL, NULL);
    check("page: a 600x400 overlay fitted to 220x147",
          strstr(html, "src=\"gradcam_cat_overlay.jpg\" alt=\"gradcam_cat_overlay.jpg\" "
                       "width=\"220\" height=\"147\"") != NULL,
          NULL);
    check("page: the cat/dog counts (1 cat, 0 dog, 0 other)",
          strstr(html, "cat</span></td><td class=\"num\">1</td>") &&
              strstr(html, "dog</span></td><td class=\"num\">0</td>") &&
              strstr(html, "<th>total</th><td class=\"num\">1</td>"),
          NULL);
    check("page: the run's model, device, versions and timings",
          strstr(html, "clvis 0.2.0; OpenCL 3.0") &&
              strstr(html, "<td>gradcam</td><td class=\"num\">3</td>"),
          NULL);
    check("page: another command's entry under Other", strstr(html, "dump_x.h5") != NULL, NULL);
    free(html);
    html = report_page(NULL, 0, &len);
    check("page: no rows, still a page", html && strstr(html, "</html>") && !strstr(html, "#images"),
          NULL);
    free(html);
    for (int i = 0; i < n; i++)
        for (int k = 0; k < R_NF; k++)
            free(rows[i].f[k]);
}

/* Many photos: every one gets its section, the contents bar stops naming them past 40, and
 * the page is made in one pass over indexed rows (the time is printed, not asserted). */
static void test_many(void)
{
    enum { PHOTOS = 5000, PER = 3 };
    report_row *rows = calloc(PHOTOS * PER, sizeof *rows);
    if (!rows)
        return;
    for (int i = 0; i < PHOTOS; i++) {
        char img[64], cap[160], thumb[64], over[64];
        snprintf(img, sizeof img, "photos/p%05d.jpg", i);
        snprintf(cap, sizeof cap, "%s: 1. n02124075 Egyptian_cat 0.7 (index 285)", img);
        snprintf(thumb, sizeof thumb, "thumb_p%05d.jpg", i);
        snprintf(over, sizeof over, "gradcam_p%05d_overlay.jpg", i);
        /* in reverse order: the page sorts them */
        report_row *r = &rows[(PHOTOS - 1 - i) * PER];
        r[0] = mk("predict", "", cap, img, REPORT_ROLE_PRED, NULL, NULL);
        r[1] = mk("predict", thumb, img, img, REPORT_ROLE_THUMB, NULL, "160x120");
        r[2] = mk("gradcam", over, "over", img, REPORT_ROLE_OVERLAY, "gradcam", "640x480");
    }
    clock_t t0 = clock();
    size_t len = 0;
    char *html = report_page(rows, PHOTOS * PER, &len);
    double s = (double)(clock() - t0) / CLOCKS_PER_SEC;
    char msg[160];
    snprintf(msg, sizeof msg, "%d articles, %d contents links", html ? count(html, "<article") : -1,
             html ? count(html, "<a href=\"#img-") : -1);
    const char *first = html ? strstr(html, "<h3>photos/p00000.jpg</h3>") : NULL;
    const char *second = html ? strstr(html, "<h3>photos/p00001.jpg</h3>") : NULL;
    check("page of 5000 photos: 5000 sections sorted by path, none named in the contents bar",
          html && count(html, "<article") == PHOTOS && first && second && first < second &&
              !strstr(html, "<span class=\"imgs\">"),
          msg);
    printf("     (5000 photos, %d rows, %zu bytes in %.2f s of CPU)\n", PHOTOS * PER, len, s);
    free(html);
    for (int i = 0; i < PHOTOS * PER; i++)
        for (int k = 0; k < R_NF; k++)
            free(rows[i].f[k]);
    free(rows);
}

/* gradcam --method all: the grid's geometry (a 7x7 map scaled into the top cell, a 10x20
 * overlay fitted into the bottom one, white elsewhere) and the page's comparison section: the
 * columns in the grid's order with each method's time, an evaluate metric where one exists. */
static void test_compare(void)
{
    unsigned char mp[2][7 * 7 * 3], op[2][20 * 10 * 3];
    memset(mp[0], 10, sizeof mp[0]), memset(mp[1], 20, sizeof mp[1]);
    memset(op[0], 30, sizeof op[0]), memset(op[1], 40, sizeof op[1]);
    clvis_image maps[2] = {{7, 7, 3, mp[0]}, {7, 7, 3, mp[1]}};
    clvis_image overs[2] = {{20, 10, 3, op[0]}, {20, 10, 3, op[1]}};
    clvis_image g;
    clvis_status st = compare_grid(&g, maps, overs, 2);
    int W = 2 * COMPARE_CELL + 3 * COMPARE_GAP, H = 2 * COMPARE_CELL + 3 * COMPARE_GAP;
    char msg[160];
    snprintf(msg, sizeof msg, "st %d, %dx%d, want %dx%d", st, g.w, g.h, W, H);
    check("compare grid: n cells across, map and overlay rows, gaps", !st && g.w == W && g.h == H,
          msg);
#define PX(x, y) (st ? -1 : g.px[((size_t)(y) * g.w + (x)) * 3])
    int c0 = COMPARE_GAP, c1 = 2 * COMPARE_GAP + COMPARE_CELL, r1 = c1;
    /* the 7x7 map is smaller than the cell: copied at its size, centred */
    int m0 = c0 + (COMPARE_CELL - 7) / 2, o1 = r1 + (COMPARE_CELL - 10) / 2;
    check("compare grid: each picture in its column and row, centred, white around",
          PX(m0, c0 + (COMPARE_CELL - 7) / 2) == 10 && PX(c1 + (COMPARE_CELL - 7) / 2 + 3, c0 +
          (COMPARE_CELL - 7) / 2 + 3) == 20 && PX(c0 + (COMPARE_CELL - 20) / 2, o1) == 30 &&
          PX(c1 + (COMPARE_CELL - 20) / 2 + 19, o1 + 9) == 40 && PX(0, 0) == 255 &&
          PX(m0 - 1, c0 + 100) == 255 && PX(c1 + 5, o1 - 1) == 255, NULL);
#undef PX
    clvis_image_free(&g);
    check("compare grid: no methods, a bad argument", compare_grid(&g, maps, overs, 0) != 0 &&
                                                          !g.px, NULL);
    report_row rows[] = {
        mk("gradcam", "layercam_c_overlay.jpg", "layercam cap", "c.png", REPORT_ROLE_OVERLAY,
           "layercam", "600x400"),
        mk("gradcam", "gradcam_c_overlay.jpg", "gradcam cap", "c.png", REPORT_ROLE_OVERLAY,
           "gradcam", "600x400"),
        mk("gradcam", "compare_c_grid.jpg", "2 CAM methods on c.png", "c.png",
           REPORT_ROLE_COMPARE, "layercam,gradcam", "460x460"),
        mk("evaluate", "", "c.png: deletion AUC 0.123", "c.png", REPORT_ROLE_METRIC,
           "layercam", NULL),
        mk("gradcam", "gradcam_d_overlay.jpg", "d cap", "d.png", REPORT_ROLE_OVERLAY,
           "gradcam", "600x400"),
    };
    int n = (int)(sizeof rows / sizeof *rows);
    free(rows[0].f[R_MS]);
    rows[0].f[R_MS] = strdup("7.5");
    size_t len = 0;
    char *html = report_page(rows, n, &len);
    const char *sec = html ? strstr(html, "<section id=\"compare\">") : NULL;
    const char *l = sec ? strstr(sec, "<td>layercam</td><td class=\"num\">7.5</td>") : NULL;
    const char *gc = sec ? strstr(sec, "<td>gradcam</td><td class=\"num\">12.5</td>") : NULL;
    check("page: a comparison section with the grid, the contents bar links it",
          sec && strstr(sec, "src=\"compare_c_grid.jpg\"") &&
              strstr(html, "<a href=\"#compare\">") && count(html, "<article id=\"compare-") == 1,
          html ? html + (len > 600 ? len - 600 : 0) : "no page");
    check("page: the comparison's columns in the grid's order, each method's time",
          l && gc && l < gc && strstr(l, "<td>layercam cap</td>"), sec);
    check("page: a method's metric where evaluate wrote one, a dash elsewhere",
          l && strstr(l, "deletion AUC 0.123") && gc && strstr(gc, "&mdash;") &&
              (!strstr(gc, "deletion AUC") || strstr(gc, "deletion AUC") > strstr(gc, "</table>")),
          sec);
    check("page: a method's metric row is shown in the comparison only, not under Other entries",
          html && count(html, "deletion AUC 0.123") == 1 && !strstr(html, "id=\"other\""), html);
    check("page: the grid's time is not counted again in the timings",
          html && strstr(html, "<td>gradcam</td><td class=\"num\">3</td>"), html);
    free(html);
    for (int i = 0; i < n; i++)
        for (int k = 0; k < R_NF; k++)
            free(rows[i].f[k]);
}

int main(void)
{
    test_verdicts();
    test_thumb();
    test_page();
    test_many();
    test_compare();
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
