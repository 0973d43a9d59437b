/* images.c — expanding IMAGE|FOLDER arguments (images.h). */
#include "cli/images.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cli/common.h"
#include "cli/split.h"

#define IMAGE_EXTS ".png .jpg .jpeg .webp .tif .tiff .bmp"
#define MAX_DEPTH 64 /* --recursive: deeper folders are not entered (said once) */

/* notices about the list: once, from the first part of a --split run */
static int notices(void)
{
    long d, nd;
    return !cli_quiet && (!split_part(&d, &nd) || d == 0);
}

static int is_image_name(const char *name)
{
    static const char *ext[] = {".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".bmp"};
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof ext / sizeof *ext; i++)
        if (!strcasecmp(dot, ext[i]))
            return 1;
    return 0;
}

static int not_hidden(const struct dirent *e)
{
    return e->d_name[0] != '.';
}

/* byte order, not the locale's: the same list (and the same shards) on every machine */
static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

void image_list_free(image_list *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->path[i]);
    free(l->path);
    l->path = NULL;
    l->n = 0;
}

/* Appends "dir/name" (dir may be NULL) to l; 0 or -1 when out of memory. */
static int add(image_list *l, const char *dir, const char *name)
{
    size_t dl = dir ? strlen(dir) : 0, len = dl + strlen(name) + 2;
    char *p = malloc(len);
    char **np = realloc(l->path, (size_t)(l->n + 1) * sizeof *np);
    if (np)
        l->path = np;
    if (!p || !np) {
        free(p);
        return -1;
    }
    snprintf(p, len, "%s%s%s", dir ? dir : "", dl && dir[dl - 1] != '/' ? "/" : "", name);
    l->path[l->n++] = p;
    return 0;
}

/* the folders entered so far (device, inode): a link back up, or two links to one folder,
 * is entered once */
typedef struct {
    dev_t *dev;
    ino_t *ino;
    int n;
    int others, deep, loops; /* files skipped for their names; folders not entered */
} walk;

static int walk_seen(walk *w, const struct stat *sb)
{
    for (int i = 0; i < w->n; i++)
        if (w->dev[i] == sb->st_dev && w->ino[i] == sb->st_ino)
            return 1;
    dev_t *d = realloc(w->dev, (size_t)(w->n + 1) * sizeof *d);
    if (d)
        w->dev = d;
    ino_t *q = realloc(w->ino, (size_t)(w->n + 1) * sizeof *q);
    if (q)
        w->ino = q;
    if (!d || !q)
        return -1;
    w->dev[w->n] = sb->st_dev;
    w->ino[w->n++] = sb->st_ino;
    return 0;
}

/* The image files of dir (and with recursive its subfolders, depth first, each folder's
 * entries in byte order). 0, or 1 after cli_fail. */
static int list_dir(const char *dir, int recursive, int depth, walk *w, image_list *l)
{
    struct dirent **ents = NULL;
    int ne = scandir(dir, &ents, not_hidden, by_name), rc = 0;
    if (ne < 0) {
        if (depth == 0)
            return cli_fail("%s: cannot list the directory: %s", dir, strerror(errno));
        /* a subfolder that cannot be listed is named, and the walk goes on */
        fprintf(stderr, "clvis: %s: cannot list the directory: %s\n", dir, strerror(errno));
        return 0;
    }
    for (int k = 0; k < ne; k++) {
        const char *name = ents[k]->d_name;
        struct stat sb;
        char sub[4096];
        int isdir = 0;
        if (recursive && snprintf(sub, sizeof sub, "%s%s%s", dir,
                                  dir[strlen(dir) - 1] == '/' ? "" : "/", name) <
                             (int)sizeof sub)
            isdir = stat(sub, &sb) == 0 && S_ISDIR(sb.st_mode);
        if (!rc && isdir) {
            int seen = walk_seen(w, &sb);
            if (seen < 0)
                rc = cli_fail("out of host memory");
            else if (seen)
                w->loops++;
            else if (depth + 1 >= MAX_DEPTH)
                w->deep++;
            else
                rc = list_dir(sub, recursive, depth + 1, w, l);
        } else if (!rc && is_image_name(name)) {
            if (add(l, dir, name))
                rc = cli_fail("out of host memory");
        } else if (!rc) {
            /* not named as an image: other files, and without --recursive the subfolders */
            w->others++;
        }
        free(ents[k]);
    }
    free(ents);
    return rc;
}

static int by_path(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* --shard K/N: the whole list sorted by path (byte order: the same on every machine, whatever
 * order the arguments came in), then the items i with i mod N = K, in that order */
static void deal(const cli_args *o, image_list *l)
{
    qsort(l->path, (size_t)l->n, sizeof *l->path, by_path);
    int total = l->n, k = 0;
    for (int i = 0; i < total; i++) {
        if (i % o->shard_n == o->shard_k)
            l->path[k++] = l->path[i];
        else
            free(l->path[i]);
    }
    l->n = k;
    if (notices())
        fprintf(stderr, "clvis: shard %ld/%ld: %d of %d images\n", o->shard_k, o->shard_n, k,
                total);
}

/* a part of --split: the images whose name stems fall to it, in order */
static void part_of(image_list *l, long d, long nd)
{
    int k = 0;
    for (int i = 0; i < l->n; i++) {
        if (split_mine(l->path[i], d, nd))
            l->path[k++] = l->path[i];
        else
            free(l->path[i]);
    }
    l->n = k;
}

int image_list_expand(const cli_args *o, image_list *l)
{
    l->path = NULL;
    l->n = 0;
    int rc = 0;
    for (int i = 0; i < o->npos && !rc; i++) {
        struct stat sb;
        if (stat(o->pos[i], &sb) || !S_ISDIR(sb.st_mode)) { /* a file; errors come when read */
            if (add(l, NULL, o->pos[i]))
                rc = cli_fail("out of host memory");
            continue;
        }
        walk w = {0};
        int before = l->n;
        if (walk_seen(&w, &sb) < 0)
            rc = cli_fail("out of host memory");
        if (!rc)
            rc = list_dir(o->pos[i], o->recursive, 0, &w, l);
        if (!rc && l->n == before)
            rc = cli_fail("%s: no " IMAGE_EXTS " files in the directory%s", o->pos[i],
                          o->recursive ? " or its subfolders" : "");
        if (!rc && w.others && notices())
            fprintf(stderr, "clvis: %s: %d entr%s not named as images (" IMAGE_EXTS ")%s "
                            "skipped\n", o->pos[i], w.others, w.others == 1 ? "y" : "ies",
                    o->recursive ? "" : " or folders (--recursive enters folders)");
        if (!rc && (w.loops || w.deep) && notices())
            fprintf(stderr, "clvis: %s: %d folder%s reached again through links and %d deeper "
                            "than %d levels not entered\n", o->pos[i], w.loops,
                    w.loops == 1 ? "" : "s", w.deep, MAX_DEPTH);
        free(w.dev);
        free(w.ino);
    }
    if (rc)
        image_list_free(l);
    if (!rc && o->shard_n)
        deal(o, l);
    long d, nd;
    if (!rc && split_part(&d, &nd))
        part_of(l, d, nd);
    return rc;
}
