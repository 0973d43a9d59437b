/* error.c — status names and messages (from CLVIS_STATUS_MAP) and the per-thread last error. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ERR_CAP 16384

static _Thread_local char last_error[ERR_CAP];

const char *clvis_status_name(clvis_status st)
{
    switch (st) {
#define X(name, code, msg) \
    case name:             \
        return #name;
        CLVIS_STATUS_MAP(X)
#undef X
    }
    return "CLVIS_ERR_UNKNOWN";
}

const char *clvis_status_message(clvis_status st)
{
    switch (st) {
#define X(name, code, msg) \
    case name:             \
        return msg;
        CLVIS_STATUS_MAP(X)
#undef X
    }
    return "unknown status";
}

const char *clvis_last_error(void)
{
    return last_error;
}

clvis_status err_set(clvis_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return st;
}

clvis_status err_wrap(clvis_status st, const char *fmt, ...)
{
    char prefix[1024];
    char old[ERR_CAP];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, last_error, sizeof old);
    size_t n = strlen(prefix);
    if (n > sizeof last_error - 3)
        n = sizeof last_error - 3;
    memcpy(last_error, prefix, n);
    memcpy(last_error + n, ": ", 2);
    size_t room = sizeof last_error - n - 3;
    size_t m = strnlen(old, room);
    memcpy(last_error + n + 2, old, m);
    last_error[n + 2 + m] = 0;
    return st;
}
