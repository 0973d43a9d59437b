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

static int is_image_name(const struct dirent *e)
{
    const char *dot = strrchr(e->d_name, '.');
    return e->d_name[0] != '.' && dot &&
           (!strcasecmp(dot, ".png") || !strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg"));
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
        struct dirent **ents = NULL;
        int ne = scandir(o->pos[i], &ents, is_image_name, alphasort);
        if (ne < 0)
            rc = cli_fail("%s: cannot list the directory: %s", o->pos[i], strerror(errno));
        else if (ne == 0)
            rc = cli_fail("%s: no .png, .jpg or .jpeg files in the directory", o->pos[i]);
        for (int k = 0; k < ne; k++) {
            if (!rc && add(l, o->pos[i], ents[k]->d_name))
                rc = cli_fail("out of host memory");
            free(ents[k]);
        }
        free(ents);
    }
    if (rc)
        image_list_free(l);
    return rc;
}
