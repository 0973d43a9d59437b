/* version.c — the library's version string, from meson's project version. */
#include "clvis.h"

const char *clvis_version(void)
{
    return CLVIS_VERSION;
}
