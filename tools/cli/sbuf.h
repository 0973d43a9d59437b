/* sbuf.h — a growing text buffer for the report's manifest and page: appends never fail one by
 * one; an allocation failure sets oom and later appends do nothing (checked once at the end). */
#ifndef CLVIS_CLI_SBUF_H
#define CLVIS_CLI_SBUF_H

#include <stddef.h>

typedef struct {
    char *p; /* NUL-terminated once anything was added; free() it */
    size_t n, cap;
    int oom;
} sbuf;

void sb_add(sbuf *b, const char *s, size_t n);
void sb_puts(sbuf *b, const char *s);
void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* HTML text and attribute escaping (& < > " '); NULL adds nothing. */
void sb_html(sbuf *b, const char *s);
/* A manifest field: tabs and line breaks flattened to spaces; NULL adds nothing. */
void sb_field(sbuf *b, const char *s);

#endif
