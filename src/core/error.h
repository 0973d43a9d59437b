/* error.h — setting the per-thread last-error text; the status list lives in clvis.h. */
#ifndef CLVIS_ERROR_H
#define CLVIS_ERROR_H

#include "clvis.h"

/* Records "<message>" as this thread's last error and returns st, so that callers can write
 * `return err_set(CLVIS_ERR_SHAPE, "conv2d %s: ...", name);`. */
clvis_status err_set(clvis_status st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prefixes the current last error with "<prefix>: " (adds context on the way up). */
clvis_status err_wrap(clvis_status st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
