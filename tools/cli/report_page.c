/* report_page.c — DIR/index.html from the manifest's rows (report_page.h): one function per
 * section (run, images, group, activations, filters, other), each reading the rows it shows. */
#include "cli/report_page.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/report.h"
#include "cli/sbuf.h"

/* ---- small helpers --------------------------------------------------------------------------- */

static int is(const report_row *r, int col, const char *v)
{
    return !strcmp(r->f[col], v);
}

/* A file name as a relative URL: percent-encoded except unreserved characters. */
static void sb_url(sbuf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
            sb_add(b, (const char *)&c, 1);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            sb_add(b, e, 3);
        }
    }
}

/* " (12.5 ms)": a row's time, printed as a number whatever the manifest holds */
static void sb_ms(sbuf *b, const report_row *r)
{
    sb_printf(b, " <span class=\"ms\">(%.1f ms)</span>", atof(r->f[R_MS]));
}

/* "WxH" -> w, h; 0 when absent or bad. */
static int row_size(const report_row *r, int *w, int *h)
{
    *w = *h = 0;
    return sscanf(r->f[R_SIZE], "%dx%d", w, h) == 2 && *w > 0 && *h > 0 && *w <= 1 << 20 &&
           *h <= 1 << 20;
}

/* display classes of a picture */
enum { FIT_BOX, FIT_MAP, FIT_GRID, FIT_THUMB };

/* <a href=file><img ...></a> at a display size that suits what the picture is: a map (blocks
 * of one colour per cell) is scaled by a whole factor, or fitted when larger than the box, with
 * image-rendering: pixelated (class px); a photo is fitted into a box; a grid is shown at its
 * size (small ones scaled up crisply); anything of unknown size is fitted to the width. */
static void sb_img(sbuf *b, const report_row *r, int fit, int box, const char *alt)
{
    int w, h, dw = 0, dh = 0, px = 0;
    if (row_size(r, &w, &h)) {
        int longer = w > h ? w : h;
        if (fit == FIT_MAP || fit == FIT_GRID) {
            int k = longer < box ? box / longer : 1;
            if (fit == FIT_GRID && k > 8)
                k = 8;
            px = k > 1 || fit == FIT_MAP;
            dw = w * k;
            dh = h * k;
            if (longer > box && fit == FIT_MAP) { /* larger than the box: fitted, its cells
                                                      still sharp (nearest neighbour) */
                dw = (int)((double)w * box / longer + 0.5);
                dh = (int)((double)h * box / longer + 0.5);
            }
        } else {
            dw = (int)((double)w * box / longer + 0.5);
            dh = (int)((double)h * box / longer + 0.5);
            if (fit == FIT_THUMB && longer <= box)
                dw = w, dh = h;
        }
        dw = dw < 1 ? 1 : dw;
        dh = dh < 1 ? 1 : dh;
    }
    sb_puts(b, "<a href=\"");
    sb_url(b, r->f[R_FILE]);
    sb_puts(b, "\"><img src=\"");
    sb_url(b, r->f[R_FILE]);
    sb_puts(b, "\" alt=\"");
    sb_html(b, alt ? alt : r->f[R_FILE]);
    sb_puts(b, "\"");
    if (dw)
        sb_printf(b, " width=\"%d\" height=\"%d\"", dw, dh);
    sb_printf(b, " class=\"%s\" loading=\"lazy\"></a>", px ? "px" : dw ? "fit" : "wide");
}

/* The photos the rows are about, sorted by path (a stable order whatever order the runs came
 * in; [i] is section img-(i+1)), and the rows of each, indexed once so that a page of many
 * photos costs O(rows log rows), not rows x photos. */
typedef struct {
    char **key;   /* per row: its photo's name, or NULL (not an image row) */
    const char **name;
    int n;        /* photos */
    int *start;   /* the rows of photo i: row[start[i] .. start[i+1]), in manifest order */
    int *row;
} image_set;

/* Rows shown in an image's section: predictions, verdicts, thumbnails and CAM pictures. */
static int image_row(const report_row *r)
{
    static const char *roles[] = {REPORT_ROLE_THUMB, REPORT_ROLE_PRED, REPORT_ROLE_MAP,
                                  REPORT_ROLE_OVERLAY, REPORT_ROLE_VERDICT, REPORT_ROLE_COMPARE};
    for (size_t k = 0; k < sizeof roles / sizeof *roles; k++)
        if (is(r, R_ROLE, roles[k]))
            return 1;
    return !r->f[R_ROLE][0] && is(r, R_COMMAND, "predict") && !r->f[R_FILE][0];
}

/* The photo of an image row (malloc'd; NULL when it names none): its image column, or for a
 * prediction of an older manifest, the caption's subject. */
static char *row_image(const report_row *r)
{
    if (!image_row(r))
        return NULL;
    if (r->f[R_IMAGE][0])
        return strdup(r->f[R_IMAGE]);
    const char *c = strstr(r->f[R_CAPTION], ": ");
    return c && c > r->f[R_CAPTION] ? strndup(r->f[R_CAPTION], (size_t)(c - r->f[R_CAPTION]))
                                    : NULL;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void images_free(image_set *s, int n)
{
    for (int i = 0; s->key && i < n; i++)
        free(s->key[i]);
    free(s->key);
    free(s->name);
    free(s->start);
    free(s->row);
    memset(s, 0, sizeof *s);
}

/* 0, or -1 when out of memory. */
static int images_collect(const report_row *rows, int n, image_set *s)
{
    memset(s, 0, sizeof *s);
    s->key = calloc((size_t)n + 1, sizeof *s->key);
    s->name = calloc((size_t)n + 1, sizeof *s->name);
    int *of = calloc((size_t)n + 1, sizeof *of);
    s->row = calloc((size_t)n + 1, sizeof *s->row);
    if (!s->key || !s->name || !of || !s->row) {
        free(of);
        return -1;
    }
    int m = 0;
    for (int i = 0; i < n; i++) {
        s->key[i] = row_image(&rows[i]);
        if (image_row(&rows[i]) && !s->key[i] && rows[i].f[R_IMAGE][0]) {
            free(of);
            return -1; /* strdup failed */
        }
        if (s->key[i])
            s->name[m++] = s->key[i];
    }
    qsort(s->name, (size_t)m, sizeof *s->name, by_name);
    for (int i = 0; i < m; i++)
        if (!s->n || strcmp(s->name[s->n - 1], s->name[i]))
            s->name[s->n++] = s->name[i];
    s->start = calloc((size_t)s->n + 2, sizeof *s->start);
    if (!s->start) {
        free(of);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        of[i] = -1;
        if (s->key[i]) {
            const char **hit = bsearch(&s->key[i], s->name, (size_t)s->n, sizeof *s->name, by_name);
            of[i] = (int)(hit - s->name);
            s->start[of[i] + 1]++;
        }
    }
    for (int k = 0; k < s->n; k++)
        s->start[k + 1] += s->start[k];
    int *fill = calloc((size_t)s->n + 1, sizeof *fill);
    if (!fill) {
        free(of);
        return -1;
    }
    for (int i = 0; i < n; i++)
        if (of[i] >= 0)
            s->row[s->start[of[i]] + fill[of[i]]++] = i;
    free(fill);
    free(of);
    return 0;
}

/* The last row of photo k with role (and variant when not NULL), or NULL. */
static const report_row *find_row(const report_row *rows, const image_set *s, int k,
                                  const char *role, const char *variant)
{
    const report_row *hit = NULL;
    for (int q = s->start[k]; q < s->start[k + 1]; q++) {
        const report_row *r = &rows[s->row[q]];
        int pred_legacy = !r->f[R_ROLE][0] && !strcmp(role, REPORT_ROLE_PRED);
        if (!pred_legacy && !is(r, R_ROLE, role))
            continue;
        if (variant && !is(r, R_VARIANT, variant))
            continue;
        hit = r;
    }
    return hit;
}

/* ---- predictions: "path: 1. wnid name p (index i); 2. ..." as a ranked list with bars ------ */

static void sb_top(sbuf *b, const report_row *pred)
{
    const char *c = strstr(pred->f[R_CAPTION], ": ");
    c = c ? c + 2 : pred->f[R_CAPTION];
    sb_puts(b, "<ol class=\"top\">");
    while (*c) {
        const char *e = strstr(c, "; ");
        size_t len = e ? (size_t)(e - c) : strlen(c);
        char item[1024];
        snprintf(item, sizeof item, "%.*s", (int)(len < sizeof item ? len : sizeof item - 1), c);
        /* "K. label p (index i)" or "P(class 1) = p" */
        char *lab = item, *num = NULL;
        char *dot = strstr(item, ". ");
        if (dot && dot - item <= 6)
            lab = dot + 2;
        char *idx = strstr(lab, " (index ");
        if (idx)
            *idx = 0;
        char *sp = strrchr(lab, ' ');
        double p = -1;
        if (sp && sscanf(sp + 1, "%lf", &p) == 1 && p >= 0 && p <= 1) {
            *sp = 0;
            num = sp + 1;
        }
        /* an ImageNet wnid ("n02124075 Egyptian_cat") goes into the tooltip */
        char *wnid = NULL;
        if (lab[0] == 'n' && strspn(lab + 1, "0123456789") == 8 && lab[9] == ' ') {
            wnid = lab;
            lab[9] = 0;
            lab += 10;
        }
        sb_puts(b, "<li><span class=\"lab\"");
        if (wnid) {
            sb_puts(b, " title=\"");
            sb_html(b, wnid);
            sb_puts(b, "\"");
        }
        sb_puts(b, ">");
        sb_html(b, lab);
        sb_puts(b, "</span>");
        if (num) {
            sb_printf(b, " <span class=\"p\">%.3f</span><span class=\"bar\" style=\"width:%.1f%%\">"
                         "</span>", p, 100 * p);
        }
        sb_puts(b, "</li>");
        c += len;
        if (e)
            c += 2;
    }
    sb_puts(b, "</ol>");
}

/* "path: dog (...)" -> "dog" */
static void verdict_word(const report_row *v, char *buf, size_t cap)
{
    const char *c = strstr(v->f[R_CAPTION], ": ");
    c = c ? c + 2 : v->f[R_CAPTION];
    size_t len = strcspn(c, " ");
    snprintf(buf, cap, "%.*s", (int)(len < cap ? len : cap - 1), c);
}

static void sb_verdict(sbuf *b, const report_row *v)
{
    char w[32];
    verdict_word(v, w, sizeof w);
    const char *cls = !strcmp(w, "cat") ? "cat" : !strcmp(w, "dog") ? "dog" : "other";
    sb_printf(b, "<span class=\"verdict %s\">", cls);
    sb_html(b, w);
    sb_puts(b, "</span>");
}

/* ---- CAM variants ------------------------------------------------------------------------- */

static const char *variant_title(const char *v)
{
    if (!strcmp(v, "gradcam") || !v[0])
        return "Grad-CAM, the book: d probability / d A, channel mean";
    if (!strcmp(v, "gradcam-paper"))
        return "Grad-CAM, the paper: d logit / d A, channel sum";
    return NULL;
}

/* The CAM variants of an image, book first, then the paper, then the others as they come. */
static int cam_variants(const report_row *rows, const image_set *s, int img, const char **out,
                        int cap)
{
    int k = 0;
    static const char *first[] = {"gradcam", "gradcam-paper"};
    for (int pass = 0; pass < 3; pass++)
        for (int q = s->start[img]; q < s->start[img + 1] && k < cap; q++) {
            const report_row *r = &rows[s->row[q]];
            if (!(is(r, R_ROLE, REPORT_ROLE_OVERLAY) || is(r, R_ROLE, REPORT_ROLE_MAP)))
                continue;
            const char *v = r->f[R_VARIANT];
            if (pass < 2 ? strcmp(v, first[pass]) : !strcmp(v, first[0]) || !strcmp(v, first[1]))
                continue;
            int seen = 0;
            for (int t = 0; t < k && !seen; t++)
                seen = !strcmp(out[t], v);
            if (!seen)
                out[k++] = v;
        }
    return k;
}

static void sb_cam_card(sbuf *b, const report_row *rows, const image_set *s, int img,
                        const char *v)
{
    const report_row *map = find_row(rows, s, img, REPORT_ROLE_MAP, v);
    const report_row *over = find_row(rows, s, img, REPORT_ROLE_OVERLAY, v);
    const char *title = variant_title(v);
    sb_puts(b, "<div class=\"card cam\"><h4>");
    if (title)
        sb_html(b, title);
    else if (!strncmp(v, "saliency-", 9)) {
        sb_puts(b, "Saliency, method ");
        sb_html(b, v + 9);
    } else {
        sb_puts(b, "CAM method ");
        sb_html(b, v);
    }
    sb_puts(b, "</h4><div class=\"pair\">");
    if (map) {
        sb_puts(b, "<figure>");
        sb_img(b, map, FIT_MAP, 180, map->f[R_FILE]);
        sb_puts(b, "<figcaption>map</figcaption></figure>");
    }
    if (over) {
        sb_puts(b, "<figure>");
        sb_img(b, over, FIT_BOX, 220, over->f[R_FILE]);
        sb_puts(b, "<figcaption>overlay</figcaption></figure>");
    }
    sb_puts(b, "</div><p class=\"cap\">");
    sb_html(b, (over ? over : map)->f[R_CAPTION]);
    sb_ms(b, over ? over : map);
    sb_puts(b, "</p></div>\n");
}

/* ---- sections ----------------------------------------------------------------------------- */

static void sb_head(sbuf *b)
{
    sb_puts(b,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<title>clvis: what the convnet learned</title>\n<style>\n"
            "*{box-sizing:border-box}\n"
            "body{margin:0;font:15px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;"
            "background:#f5f5f2;color:#1d1d1f}\n"
            "nav.toc{position:sticky;top:0;z-index:2;background:#23262b;color:#ddd;"
            "padding:.45em 1.5em;display:flex;flex-wrap:wrap;gap:.3em 1.1em;align-items:baseline;"
            "max-height:40vh;overflow:auto}\n"
            "nav.toc b{color:#fff;margin-right:.5em}nav.toc a{color:#9cc8ff;text-decoration:none}\n"
            "nav.toc a:hover{text-decoration:underline}nav.toc .imgs{font-size:88%}\n"
            "main{padding:0 1.5em 2em;max-width:1500px}\n"
            "section{margin-top:1.8em;scroll-margin-top:3.5em}\n"
            "h2{border-bottom:2px solid #d8d8d2;padding-bottom:.15em;margin-bottom:.5em}\n"
            "h3{margin:.1em 0 .5em;font-size:1.05em;word-break:break-all}\n"
            "h4{margin:0 0 .4em;font-size:.92em;font-weight:600}\n"
            "article{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.8em 1em;"
            "margin:1em 0;scroll-margin-top:3.5em}\n"
            ".cards{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start}\n"
            ".card{margin:0;border:1px solid #e4e4e0;border-radius:4px;padding:.6em;"
            "background:#fbfbfa}\n"
            ".pair{display:flex;flex-wrap:wrap;gap:.6em;align-items:flex-start}\n"
            "figure{margin:0}figure.grid{display:inline-block;margin:0 1em 1.2em 0;"
            "vertical-align:top;max-width:100%}\n"
            "img{display:block;border:1px solid #ccc;background:#eee}\n"
            "img.px{image-rendering:crisp-edges;image-rendering:pixelated}\n"
            "img.fit,img.wide{max-width:100%;height:auto}\n"
            "figcaption,.cap{font-size:86%;color:#555;margin:.3em 0 0}\n"
            ".cam .cap{max-width:27em}figure.grid figcaption{max-width:60em}\n"
            ".ms{color:#888}\n"
            "ol.top{padding-left:1.6em;margin:.5em 0 0;width:14em}\n"
            "ol.top li{margin-bottom:.3em}ol.top li>span{display:inline-block}\n"
            "ol.top .lab{max-width:9.5em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;"
            "vertical-align:bottom}\n"
            "ol.top .p{float:right;font-variant-numeric:tabular-nums}\n"
            ".bar{display:block!important;height:4px;background:#3a78c2;border-radius:2px}\n"
            "table{border-collapse:collapse;background:#fff}\n"
            "td,th{padding:3px 10px;border:1px solid #ddd;text-align:left;vertical-align:top}\n"
            "th{background:#f0f0ec}td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
            ".verdict{display:inline-block;padding:0 .5em;border-radius:3px;font-weight:600;"
            "color:#fff;background:#888}\n"
            ".verdict.cat{background:#b5562a}.verdict.dog{background:#2a7bb5}\n"
            "footer{margin:2em 1.5em;color:#777;font-size:85%}\n"
            "</style></head><body>\n");
}

/* what the page holds, for the contents bar */
typedef struct {
    int images, group, activations, filters, other, compare;
} page_parts;

#define NAV_IMAGES 40 /* photos named in the contents bar */

static void sb_nav(sbuf *b, const page_parts *p, const image_set *imgs)
{
    sb_puts(b, "<nav class=\"toc\"><b>clvis</b><a href=\"#run\">Run</a>");
    if (p->images)
        sb_printf(b, "<a href=\"#images\">Images (%d)</a>", imgs->n);
    if (p->compare)
        sb_puts(b, "<a href=\"#compare\">Methods compared</a>");
    if (p->group)
        sb_puts(b, "<a href=\"#catdog\">Cat or dog</a>");
    if (p->activations)
        sb_puts(b, "<a href=\"#activations\">Activations</a>");
    if (p->filters)
        sb_puts(b, "<a href=\"#filters\">Filter patterns</a>");
    if (p->other)
        sb_puts(b, "<a href=\"#other\">Other</a>");
    if (imgs->n && imgs->n <= NAV_IMAGES) { /* more: only the Images link */
        sb_puts(b, "<span class=\"imgs\">");
        for (int i = 0; i < imgs->n; i++) {
            const char *base = strrchr(imgs->name[i], '/');
            sb_printf(b, "%s<a href=\"#img-%d\">", i ? " &middot; " : "", i + 1);
            sb_html(b, base ? base + 1 : imgs->name[i]);
            sb_puts(b, "</a>");
        }
        sb_puts(b, "</span>");
    }
    sb_puts(b, "</nav>\n<main>\n<p>Pictures of <i>Deep Learning with Python</i> &sect;5.4: "
               "predictions, Grad-CAM heatmaps, intermediate activations and filter patterns. "
               "Click a picture for its file at full size.</p>\n");
}

/* the distinct non-empty values of a column, sorted, one per line of a table cell */
static void sb_distinct(sbuf *b, const report_row *rows, int n, int col)
{
    const char **v = calloc((size_t)n + 1, sizeof *v);
    if (!v) {
        b->oom = 1;
        return;
    }
    int m = 0;
    for (int i = 0; i < n; i++)
        if (rows[i].f[col][0])
            v[m++] = rows[i].f[col];
    qsort(v, (size_t)m, sizeof *v, by_name);
    for (int i = 0; i < m; i++) {
        if (i && !strcmp(v[i], v[i - 1]))
            continue;
        sb_puts(b, i ? "<br>" : "");
        sb_html(b, v[i]);
    }
    if (!m)
        sb_puts(b, "&mdash;");
    free(v);
}

static void section_run(sbuf *b, const report_row *rows, int n)
{
    sb_puts(b, "<section id=\"run\"><h2>Run</h2>\n<table>\n<tr><th>model</th><td>");
    sb_distinct(b, rows, n, R_MODEL);
    sb_puts(b, "</td></tr>\n<tr><th>device</th><td>");
    sb_distinct(b, rows, n, R_DEVICE);
    sb_puts(b, "</td></tr>\n<tr><th>versions</th><td>");
    sb_distinct(b, rows, n, R_VERSIONS);
    const char *lo = NULL, *hi = NULL;
    for (int i = 0; i < n; i++) {
        const char *t = rows[i].f[R_TIME];
        if (!t[0])
            continue;
        lo = !lo || strcmp(t, lo) < 0 ? t : lo;
        hi = !hi || strcmp(t, hi) > 0 ? t : hi;
    }
    sb_puts(b, "</td></tr>\n<tr><th>written</th><td>");
    if (lo) {
        sb_html(b, lo);
        if (strcmp(lo, hi)) {
            sb_puts(b, " &ndash; ");
            sb_html(b, hi);
        }
    } else {
        sb_puts(b, "&mdash;");
    }
    sb_puts(b, "</td></tr>\n</table>\n<h4 style=\"margin-top:1em\">Timings</h4>\n<table>\n"
               "<tr><th>command</th><th>entries</th><th>total ms</th><th>mean ms</th></tr>\n");
    /* one timing per piece of work: a CAM's map shares its overlay's time; thumbnails are free */
    const char *cmds[64];
    int nc = 0;
    for (int i = 0; i < n && nc < 64; i++) {
        int seen = 0;
        for (int k = 0; k < nc && !seen; k++)
            seen = !strcmp(cmds[k], rows[i].f[R_COMMAND]);
        if (!seen)
            cmds[nc++] = rows[i].f[R_COMMAND];
    }
    for (int k = 0; k < nc; k++) {
        int cnt = 0;
        double tot = 0;
        for (int i = 0; i < n; i++) {
            const report_row *r = &rows[i];
            if (strcmp(r->f[R_COMMAND], cmds[k]) || is(r, R_ROLE, REPORT_ROLE_MAP) ||
                is(r, R_ROLE, REPORT_ROLE_THUMB) || is(r, R_ROLE, REPORT_ROLE_VERDICT) ||
                is(r, R_ROLE, REPORT_ROLE_COMPARE)) /* a grid: its methods' time again */
                continue;
            cnt++;
            tot += atof(r->f[R_MS]);
        }
        if (!cnt)
            continue;
        sb_puts(b, "<tr><td>");
        sb_html(b, cmds[k]);
        sb_printf(b, "</td><td class=\"num\">%d</td><td class=\"num\">%.1f</td>"
                     "<td class=\"num\">%.1f</td></tr>\n", cnt, tot, tot / cnt);
    }
    sb_puts(b, "</table></section>\n");
}

static void section_images(sbuf *b, const report_row *rows, int n, const image_set *imgs)
{
    sb_puts(b, "<section id=\"images\"><h2>Images: predictions and Grad-CAM</h2>\n");
    int book = 0, paper = 0;
    for (int i = 0; i < n; i++) {
        book |= is(&rows[i], R_VARIANT, "gradcam");
        paper |= is(&rows[i], R_VARIANT, "gradcam-paper");
    }
    if (book && paper)
        sb_puts(b, "<p>Why the two Grad-CAMs differ: the book differentiates the post-softmax "
                   "probability, the paper the pre-softmax logit; where the softmax saturates "
                   "(p near 1) the probability's gradient is small and is mostly the difference "
                   "from the other classes, so the book's map can light up the background.</p>\n");
    for (int i = 0; i < imgs->n; i++) {
        const char *img = imgs->name[i];
        const report_row *thumb = find_row(rows, imgs, i, REPORT_ROLE_THUMB, NULL);
        const report_row *pred = find_row(rows, imgs, i, REPORT_ROLE_PRED, NULL);
        const report_row *verd = find_row(rows, imgs, i, REPORT_ROLE_VERDICT, NULL);
        sb_printf(b, "<article id=\"img-%d\"><h3>", i + 1);
        sb_html(b, img);
        sb_puts(b, "</h3><div class=\"cards\">\n");
        if (thumb || pred || verd) {
            sb_puts(b, "<figure class=\"card pred\">");
            if (thumb)
                sb_img(b, thumb, FIT_THUMB, 160, img);
            sb_puts(b, "<figcaption>");
            if (verd)
                sb_verdict(b, verd);
            if (pred) {
                sb_top(b, pred);
                sb_printf(b, "<span class=\"ms\">predicted in %.1f ms</span>", atof(pred->f[R_MS]));
            }
            sb_puts(b, "</figcaption></figure>\n");
        }
        const char *vars[16];
        int nv = cam_variants(rows, imgs, i, vars, 16);
        for (int k = 0; k < nv; k++)
            sb_cam_card(b, rows, imgs, i, vars[k]);
        sb_puts(b, "</div></article>\n");
    }
    sb_puts(b, "</section>\n");
}

/* A group's verdicts (predict --group catdog): the count table and one line per photo. */
static void section_group(sbuf *b, const report_row *rows, int n, const image_set *imgs)
{
    static const char *words[] = {"cat", "dog", "other"};
    int count[3] = {0, 0, 0}, total = 0;
    for (int i = 0; i < n; i++) {
        if (!is(&rows[i], R_ROLE, REPORT_ROLE_VERDICT))
            continue;
        char w[32];
        verdict_word(&rows[i], w, sizeof w);
        count[!strcmp(w, "cat") ? 0 : !strcmp(w, "dog") ? 1 : 2]++;
        total++;
    }
    sb_puts(b, "<section id=\"catdog\"><h2>Cat or dog? (the book's exercise)</h2>\n"
               "<p>The verdict is the top-1 class's place in the ImageNet hierarchy: a dog for "
               "classes 151&ndash;268, a domestic cat for 281&ndash;285, else other. Next to it, "
               "the Grad-CAM of the top class.</p>\n<table>\n<tr><th>verdict</th><th>photos</th></tr>\n");
    for (int k = 0; k < 3; k++)
        sb_printf(b, "<tr><td><span class=\"verdict %s\">%s</span></td><td class=\"num\">%d</td>"
                     "</tr>\n", words[k], words[k], count[k]);
    sb_printf(b, "<tr><th>total</th><td class=\"num\">%d</td></tr>\n</table>\n", total);
    sb_puts(b, "<table style=\"margin-top:1em\">\n<tr><th>photo</th><th>verdict</th><th>top-3</th>"
               "<th>Grad-CAM of the top class</th></tr>\n");
    for (int i = 0; i < imgs->n; i++) {
        const char *img = imgs->name[i];
        const report_row *verd = find_row(rows, imgs, i, REPORT_ROLE_VERDICT, NULL);
        if (!verd)
            continue;
        const report_row *thumb = find_row(rows, imgs, i, REPORT_ROLE_THUMB, NULL);
        const report_row *pred = find_row(rows, imgs, i, REPORT_ROLE_PRED, NULL);
        const report_row *over = find_row(rows, imgs, i, REPORT_ROLE_OVERLAY, "gradcam");
        sb_puts(b, "<tr><td>");
        if (thumb)
            sb_img(b, thumb, FIT_THUMB, 96, img);
        sb_printf(b, "<a href=\"#img-%d\">", i + 1);
        sb_html(b, img);
        sb_puts(b, "</a></td><td>");
        sb_verdict(b, verd);
        sb_puts(b, "<br><small>");
        const char *c = strstr(verd->f[R_CAPTION], ": ");
        c = c ? c + 2 : verd->f[R_CAPTION];
        c += strcspn(c, " ");
        sb_html(b, c);
        sb_puts(b, "</small></td><td>");
        if (pred)
            sb_top(b, pred);
        sb_puts(b, "</td><td>");
        if (over)
            sb_img(b, over, FIT_BOX, 160, over->f[R_FILE]);
        sb_puts(b, "</td></tr>\n");
    }
    sb_puts(b, "</table></section>\n");
}

/* The class a caption names (" for class N"), -1 when none. */
static int caption_class(const report_row *r)
{
    const char *c = strstr(r->f[R_CAPTION], " for class ");
    return c ? atoi(c + 11) : -1;
}

/* The same class, or one of the two unknown. */
static int same_class(int a, int b)
{
    return a < 0 || b < 0 || a == b;
}

/* The last row of photo k with the role and the variant whose caption names class cls. */
static const report_row *find_class_row(const report_row *rows, const image_set *s, int k,
                                        const char *role, const char *variant, int cls)
{
    const report_row *hit = NULL;
    for (int q = s->start[k]; q < s->start[k + 1]; q++) {
        const report_row *r = &rows[s->row[q]];
        if (is(r, R_ROLE, role) && is(r, R_VARIANT, variant) && same_class(caption_class(r), cls))
            hit = r;
    }
    return hit;
}

/* The comparisons of CAM methods (gradcam --method all): per photo each of its grids (one per
 * class explained) and a table of the grid's columns, left to right: the method, its time and
 * score (from its overlay's row), and its metric where a row of role metric for the photo, the
 * method and the class exists. */
static void section_compare(sbuf *b, const report_row *rows, int n, const image_set *imgs)
{
    sb_puts(b, "<section id=\"compare\"><h2>CAM methods compared</h2>\n<p>Each grid shows "
               "one photo's CAM methods left to right, the raw map above and the overlay "
               "below; the table names the grid's columns in order.</p>\n");
    int art = 0;
    for (int i = 0; i < imgs->n; i++)
        for (int q = imgs->start[i]; q < imgs->start[i + 1]; q++) {
            const report_row *g = &rows[imgs->row[q]];
            if (!is(g, R_ROLE, REPORT_ROLE_COMPARE))
                continue;
            int cls = caption_class(g);
            sb_printf(b, "<article id=\"compare-%d\"><h3><a href=\"#img-%d\">", ++art, i + 1);
            sb_html(b, imgs->name[i]);
            sb_puts(b, "</a></h3>\n");
            sb_img(b, g, FIT_BOX, 1400, g->f[R_FILE]);
            sb_puts(b, "<p class=\"cap\">");
            sb_html(b, g->f[R_CAPTION]);
            sb_puts(b, "</p>\n<table class=\"compare\">\n<tr><th>column</th><th>method</th>"
                       "<th>ms</th><th>caption</th><th>metric</th></tr>\n");
            int col = 0;
            for (const char *v = g->f[R_VARIANT]; *v;) {
                size_t len = strcspn(v, ",");
                char name[128];
                snprintf(name, sizeof name, "%.*s",
                         (int)(len < sizeof name ? len : sizeof name - 1), v);
                const report_row *over =
                    find_class_row(rows, imgs, i, REPORT_ROLE_OVERLAY, name, cls);
                const report_row *met = NULL;
                for (int k = 0; k < n; k++)
                    if (is(&rows[k], R_ROLE, REPORT_ROLE_METRIC) &&
                        !strcmp(rows[k].f[R_IMAGE], imgs->name[i]) &&
                        is(&rows[k], R_VARIANT, name) &&
                        same_class(caption_class(&rows[k]), cls))
                        met = &rows[k];
                sb_printf(b, "<tr><td class=\"num\">%d</td><td>", ++col);
                sb_html(b, name);
                if (over)
                    sb_printf(b, "</td><td class=\"num\">%.1f</td><td>", atof(over->f[R_MS]));
                else
                    sb_puts(b, "</td><td>&mdash;</td><td>");
                sb_html(b, over ? over->f[R_CAPTION] : "");
                sb_puts(b, "</td><td>");
                if (met)
                    sb_html(b, met->f[R_CAPTION]);
                else
                    sb_puts(b, "&mdash;");
                sb_puts(b, "</td></tr>\n");
                v += len;
                v += *v == ',';
            }
            sb_puts(b, "</table></article>\n");
        }
    sb_puts(b, "</section>\n");
}

/* One picture with its caption (grids, and entries of other commands). */
static void sb_figure(sbuf *b, const report_row *r)
{
    if (!r->f[R_FILE][0]) {
        sb_puts(b, "<p>");
        sb_html(b, r->f[R_CAPTION]);
        sb_ms(b, r);
        sb_puts(b, "</p>\n");
        return;
    }
    sb_puts(b, "<figure class=\"grid\">");
    sb_img(b, r, FIT_GRID, 800, NULL);
    sb_puts(b, "<figcaption><b>");
    sb_html(b, r->f[R_FILE]);
    sb_puts(b, "</b><br>");
    sb_html(b, r->f[R_CAPTION]);
    sb_ms(b, r);
    sb_puts(b, "</figcaption></figure>\n");
}

/* Activation grids, one article per photo (older rows without a photo in one). */
static void section_activations(sbuf *b, const report_row *rows, int n)
{
    sb_puts(b, "<section id=\"activations\"><h2>Intermediate activations (listing 5.31)</h2>\n");
    for (int i = 0; i < n; i++) {
        if (!is(&rows[i], R_COMMAND, "activations"))
            continue;
        int first = 1;
        for (int k = 0; k < i && first; k++)
            first = !(is(&rows[k], R_COMMAND, "activations") &&
                      !strcmp(rows[k].f[R_IMAGE], rows[i].f[R_IMAGE]));
        if (!first)
            continue;
        sb_puts(b, "<article><h3>");
        sb_html(b, rows[i].f[R_IMAGE][0] ? rows[i].f[R_IMAGE] : "activations");
        sb_puts(b, "</h3>\n");
        for (int k = i; k < n; k++)
            if (is(&rows[k], R_COMMAND, "activations") &&
                !strcmp(rows[k].f[R_IMAGE], rows[i].f[R_IMAGE]))
                sb_figure(b, &rows[k]);
        sb_puts(b, "</article>\n");
    }
    sb_puts(b, "</section>\n");
}

static void section_filters(sbuf *b, const report_row *rows, int n)
{
    sb_puts(b, "<section id=\"filters\"><h2>Filter patterns (listings 5.36&ndash;5.39)</h2>\n");
    for (int i = 0; i < n; i++)
        if (is(&rows[i], R_COMMAND, "filters"))
            sb_figure(b, &rows[i]);
    sb_puts(b, "</section>\n");
}

/* rows no other section shows (a method's metric is shown in the comparison's table) */
static int other_row(const report_row *rows, const image_set *s, int i)
{
    return !s->key[i] && !is(&rows[i], R_COMMAND, "activations") &&
           !is(&rows[i], R_COMMAND, "filters") && !is(&rows[i], R_ROLE, REPORT_ROLE_METRIC);
}

static void section_other(sbuf *b, const report_row *rows, int n, const image_set *imgs)
{
    sb_puts(b, "<section id=\"other\"><h2>Other entries</h2>\n");
    for (int i = 0; i < n; i++)
        if (other_row(rows, imgs, i)) {
            sb_puts(b, "<div><small>");
            sb_html(b, rows[i].f[R_COMMAND]);
            sb_puts(b, "</small></div>");
            sb_figure(b, &rows[i]);
        }
    sb_puts(b, "</section>\n");
}

char *report_page(const report_row *rows, int n, size_t *len)
{
    sbuf b = {0};
    image_set imgs;
    if (images_collect(rows, n, &imgs)) {
        images_free(&imgs, n);
        return NULL;
    }
    page_parts p = {0};
    for (int i = 0; i < n; i++) {
        p.group |= is(&rows[i], R_ROLE, REPORT_ROLE_VERDICT);
        p.compare |= is(&rows[i], R_ROLE, REPORT_ROLE_COMPARE);
        p.activations |= is(&rows[i], R_COMMAND, "activations");
        p.filters |= is(&rows[i], R_COMMAND, "filters");
        p.other |= other_row(rows, &imgs, i);
    }
    p.images = imgs.n > 0;
    sb_head(&b);
    sb_nav(&b, &p, &imgs);
    section_run(&b, rows, n);
    if (p.images)
        section_images(&b, rows, n, &imgs);
    if (p.compare)
        section_compare(&b, rows, n, &imgs);
    if (p.group)
        section_group(&b, rows, n, &imgs);
    if (p.activations)
        section_activations(&b, rows, n);
    if (p.filters)
        section_filters(&b, rows, n);
    if (p.other)
        section_other(&b, rows, n, &imgs);
    sb_puts(&b, "</main>\n<footer>written by clvis; the entries accumulate in "
                "<a href=\"manifest.tsv\">manifest.tsv</a></footer>\n</body></html>\n");
    images_free(&imgs, n);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    *len = b.n;
    return b.p;
}
