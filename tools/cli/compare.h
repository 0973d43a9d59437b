/* compare.h — `clvis gradcam --method all` (or A,B,...): every listed CAM method on one photo,
 * each method's own files and JSON record as gradcam writes them, then one comparison grid
 * (compare_<image>_grid.jpg: the methods across, the maps in the top row, the overlays below,
 * in the order listed; no text in the picture, the page names the columns) and its page entry.
 * With --metric a,b each method's raw map is also judged by clvis_evaluate (its scores in the
 * method's JSON record, the text lines and the page's comparison table). The names carry the
 * method, the class (--class given) and the layer (--layer given). */
#ifndef CLVIS_CLI_COMPARE_H
#define CLVIS_CLI_COMPARE_H

#include "cli/gradcam.h"

#define COMPARE_CELL 224 /* a grid cell: each picture fitted into it, centred */
#define COMPARE_GAP 4    /* white pixels around and between the cells */
#define COMPARE_MAX_METRICS 16 /* --metric names kept */

/* The grid of n maps and n overlays (allocated, RGB, white background): n*CELL + (n+1)*GAP
 * wide, 2*CELL + 3*GAP high. CLVIS_ERR_NO_MEMORY / INVALID_ARG. */
clvis_status compare_grid(clvis_image *out, const clvis_image *maps, const clvis_image *overs,
                          int n);

/* The methods of o->methods on path, as gradcam_image, then the grid. 0, GRADCAM_IMAGE_BAD
 * (the photo could not be read; nothing written for it), or 1 after cli_fail. */
int compare_image(cli_args *o, session *s, const labels *labp, const clvis_gradcam_options *gop,
                  const char *path, float *x, out_names *names);

#endif
