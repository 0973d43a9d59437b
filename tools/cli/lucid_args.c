/* lucid_args.c — lucid_args.h: the --style lucid option table. */
#include "cli/lucid_args.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "clvis.h"

typedef struct {
    const char *name;
    int takes_value;
    const char *help;
} lucid_flag;

static const lucid_flag LFLAGS[] = {
    {"style", 1, "book|lucid  the book's ascent (default) or feature visualisation as Lucid does it"},
    {"lr", 1, "F  lucid: learning rate (default 0.05, Adam)"},
    {"optimizer", 1, "adam|rms|adam-torch  lucid: Adam as TensorFlow's (Lucid's, default), the book's RMS-normalised step, or PyTorch's Adam (Lucent's)"},
    {"param", 1, "fft|pixel  lucid: 1/f-scaled Fourier spectrum (default) or pixels"},
    {"decorrelate", 0, "lucid: colour decorrelation before the sigmoid (default)"},
    {"no-decorrelate", 0, "lucid: none"},
    {"transforms", 0, "lucid: pad, jitter, scale, rotate each step, seeded (default)"},
    {"no-transforms", 0, "lucid: none"},
    {"l1", 1, "W  lucid: weight of L1 about grey, sum |x - 0.5| (default 0)"},
    {"tv", 1, "W  lucid: weight of total variation (default 0)"},
    {"blur", 1, "W  lucid: weight of the blur penalty, 0.5 sum (x - blur(x))^2 (default 0)"},
    {"diversity", 1, "W  lucid: weight of the diversity term across the batch, minus the mean "
                     "pairwise cosine of the layer's Gram matrices (default 0; try 100)"},
    {"objective", 1, "channel|neuron|class|direction  lucid: channel mean (default), its "
                     "centre neuron, the logit of a dense output's unit, or --direction"},
    {"direction", 1, "W0,W1,...  lucid: one weight per channel of the layer (--objective "
                     "direction): mean over positions of <activation, W>"},
    {NULL, 0, NULL}};

void cli_lucid_defaults(cli_lucid_args *l)
{
    memset(l, 0, sizeof *l);
    l->lr = -1;
    l->param = l->decorrelate = l->transforms = l->objective = l->optimizer = -1;
}

static int is(const char *name, size_t nl, const char *want)
{
    return strlen(want) == nl && !strncmp(name, want, nl);
}

int cli_lucid_find(const char *name, size_t nl, int *takes_value)
{
    for (const lucid_flag *f = LFLAGS; f->name; f++)
        if (is(name, nl, f->name)) {
            *takes_value = f->takes_value;
            return 1;
        }
    return 0;
}

static int bad(char *msg, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(char *msg, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, cap, fmt, ap);
    va_end(ap);
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    return 1;
}

static int choose(const char *val, const char *const *names, int n)
{
    for (int k = 0; k < n; k++)
        if (!strcmp(val, names[k]))
            return k;
    return -1;
}

/* 0 on success, 1 with msg (a usage error). */
int cli_lucid_set(cli_lucid_args *l, const char *name, size_t nl, const char *val, char *msg,
                  size_t cap)
{
    if (is(name, nl, "style")) {
        static const char *const s[] = {"book", "lucid"};
        if ((l->style = choose(val, s, 2)) < 0)
            return bad(msg, cap, "--style: expected book or lucid, got '%.60s'", val);
        return 0;
    }
    l->given = 1;
    if (is(name, nl, "decorrelate") || is(name, nl, "no-decorrelate")) {
        l->decorrelate = name[0] != 'n';
        return 0;
    }
    if (is(name, nl, "transforms") || is(name, nl, "no-transforms")) {
        l->transforms = name[0] != 'n';
        return 0;
    }
    if (is(name, nl, "param")) {
        static const char *const s[] = {"pixel", "fft"}; /* clvis_lucid_param */
        if ((l->param = choose(val, s, 2)) < 0)
            return bad(msg, cap, "--param: expected fft or pixel, got '%.60s'", val);
        return 0;
    }
    if (is(name, nl, "optimizer")) {
        static const char *const s[] = {"adam", "rms", "adam-torch"}; /* = the enum's order */
        if ((l->optimizer = choose(val, s, 3)) < 0)
            return bad(msg, cap, "--optimizer: expected adam, rms or adam-torch, got '%.60s'",
                       val);
        return 0;
    }
    if (is(name, nl, "objective")) {
        static const char *const s[] = {"channel", "neuron", "class", "direction"};
        if ((l->objective = choose(val, s, 4)) < 0)
            return bad(msg, cap, "--objective: expected channel, neuron, class or direction, "
                       "got '%.60s'", val);
        return 0;
    }
    if (is(name, nl, "direction")) {
        if ((l->direction_n = cli_lucid_direction(val, NULL, 0)) < 1)
            return bad(msg, cap, "--direction: expected a comma list of numbers, got '%.60s'",
                       val);
        l->direction = val;
        return 0;
    }
    double *num = is(name, nl, "lr") ? &l->lr : is(name, nl, "l1") ? &l->l1
                  : is(name, nl, "tv")                             ? &l->tv
                  : is(name, nl, "diversity")                      ? &l->diversity
                                                                   : &l->blur;
    char *end;
    errno = 0;
    double v = strtod(val, &end);
    int pos = num == &l->lr;
    if (errno || end == val || *end || !(pos ? v > 0 : v >= 0) || v > 1e6)
        return bad(msg, cap, "--%.*s: expected a number %s 1e6, got '%.60s'", (int)nl, name,
                   pos ? "in (0," : "in [0,", val);
    *num = v;
    return 0;
}

void cli_lucid_help(FILE *f)
{
    for (const lucid_flag *d = LFLAGS; d->name; d++)
        fprintf(f, "  --%-11s %s\n", d->name, d->help);
}

int cli_lucid_direction(const char *list, float *w, int cap)
{
    int n = 0;
    const char *p = list;
    for (;;) {
        char *end;
        errno = 0;
        double v = strtod(p, &end);
        if (errno || end == p || !(v == v) || v > 1e30 || v < -1e30)
            return -1;
        if (w && n < cap)
            w[n] = (float)v;
        n++;
        p = end;
        while (*p == ' ')
            p++;
        if (!*p)
            return n;
        if (*p != ',')
            return -1;
        p++;
    }
}
