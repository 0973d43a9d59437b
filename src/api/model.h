/* model.h — inside the library: a public clvis_model around an engine graph, and back. */
#ifndef CLVIS_API_MODEL_H
#define CLVIS_API_MODEL_H

#include "clvis.h"

struct graph;
/* Takes ownership of g; NULL when out of memory (g is then still the caller's). */
clvis_model *model_wrap(struct graph *g);
struct graph *model_graph(const clvis_model *m);

#endif
