/* progress.c — one formatted progress line handed to the caller's callback. */
#include <stdarg.h>
#include <stdio.h>

#include "explain/explain.h"

void viz_say(clvis_progress_fn progress, void *user, const char *fmt, ...)
{
    if (!progress)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    progress(user, line);
}
