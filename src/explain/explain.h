/* pipeline.h — the three pictures of DLwP §5.4 (and predictions) as library calls: no printing,
 * statuses and clvis_last_error() for failures, progress lines through a callback.
 * Tensors are model-ready floats (already preprocessed) in Keras NHWC order, one item unless
 * stated. Work on the device goes through the internal graph (NCHW) of the model. */
#ifndef CLVIS_VIZ_PIPELINE_H
#define CLVIS_VIZ_PIPELINE_H

#include <stdint.h>

#include "clvis.h"
#include "core/error.h"
#include "io/image.h"

#include "api/model.h"

/* Formats one progress line and hands it to progress (nothing when progress is NULL). */
void viz_say(clvis_progress_fn progress, void *user, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- filter patterns: the start noise ------------------------------------------------- */
/* The start image: numpy's legacy generator, exactly. MT19937 seeded as
 * numpy.random.RandomState(seed) (init_genrand), doubles as random_sample (53-bit genrand_res53),
 * value = double * 20 + 128 rounded to float32. */
typedef struct {
    uint32_t mt[624];
    int mti;
} viz_mt19937;
void viz_mt_seed(viz_mt19937 *r, uint32_t seed);
double viz_mt_random(viz_mt19937 *r);

/* Joins dir and name into buf ("dir/name"); CLVIS_ERR_INVALID_ARG when too long. */
clvis_status viz_path(char *buf, size_t cap, const char *dir, const char *name);

#endif
