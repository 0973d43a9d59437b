/* datadir.h — where the CLI finds its data files (the default model, the ImageNet class index)
 * at run time: $CLVIS_DATA_DIR, else <prefix>/share/clvis next to the running binary
 * (<exe dir>/../share/clvis), else, for a binary run from inside its build directory only, the
 * source tree it was built from. */
#ifndef CLVIS_CLI_DATADIR_H
#define CLVIS_CLI_DATADIR_H

#include <stddef.h>

/* The data files, by their place under DATA (share/clvis) and in the source tree. */
#define DATA_MODEL "models/mobilenet_v2.h5"
#define DATA_MODEL_SRC "models/mobilenet_v2.h5"
#define DATA_LABELS "imagenet_classes.tsv"
#define DATA_LABELS_SRC "data/imagenet_classes.tsv"

/* The path of a data file into buf: rel under the data directory, or src_rel under the source
 * tree for the build-directory fallback. 0, or -1 when no data directory was found (buf then
 * holds rel, so a later open names the missing file) or the path is too long. */
int data_path(const char *rel, const char *src_rel, char *buf, size_t cap);

/* Where data files come from, for messages and tests: "CLVIS_DATA_DIR", "prefix", "build" or
 * NULL (none found); dir receives the directory (cap bytes). */
const char *data_dir(char *dir, size_t cap);

#endif
