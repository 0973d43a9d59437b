/* gradcam.h — one photo's CAM as `clvis gradcam` makes it (map, overlay, thumbnail, page
 * entries), for gradcam and for predict --group. */
#ifndef CLVIS_CLI_GRADCAM_H
#define CLVIS_CLI_GRADCAM_H

#include "cli/args.h"
#include "cli/labels.h"
#include "cli/outdir.h"
#include "cli/session.h"

#define GRADCAM_IMAGE_BAD 3 /* gradcam_image: this input could not be read; go on */

typedef struct {
    int print;          /* the line (or --json object) of `clvis gradcam` on stdout */
    int thumb;          /* also the photo's thumbnail (thumb_<image>.jpg) */
    const char *suffix; /* after the image in the names (targets.h: _c281); NULL: none */
    char overlay[1400]; /* out: the overlay's path */
    int cls;            /* out: the class explained */
    /* for the comparison of methods (compare.h): keep: the map and overlay pictures move to
       map / over (the caller frees them) instead of being freed */
    int keep;
    clvis_image map, over;
    float *raw;         /* with keep: the raw map (rh x rw, malloc'd; the caller frees it) */
    int rh, rw;
    double ms;          /* out: the method's time (load, CAM, pictures, files) */
    char variant[64];   /* out: the variant naming the files ("gradcam", "layercam-logit") */
    float score, prob;  /* out: the score differentiated and the class's probability */
} gradcam_call;

/* The CAM of path with gop into o->out (names unique in the run; x: one input item of
 * scratch): the map and the overlay (both or neither) and their entries in the page.
 * 0, GRADCAM_IMAGE_BAD (the photo could not be read; named on stderr), or 1 after cli_fail. */
int gradcam_image(cli_args *o, session *s, const labels *labp, const clvis_gradcam_options *gop,
                  const char *path, float *x, out_names *names, gradcam_call *call);

#endif
