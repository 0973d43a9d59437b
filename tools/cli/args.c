/* args.c — the grammar of `clvis`: command table, options, numbers, and every check that
 * needs no model. Pure: no printing except the help texts, no exit. */
#include "cli/args.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "cli/commands.h"
#include "cli/datadir.h"


typedef struct {
    const char *name;
    cli_flags flag;
    int takes_value;
    const char *help;
} flag_def;

static const flag_def FLAGS[] = {
    {"device", F_DEVICE, 1, "N|cpu|gpu|igpu|NAME  OpenCL device (default: $CLVIS_DEVICE, else best); all: gradcam, saliency on every device into DIR/dK, compared (man clvis)"},
    {"kernels", F_KERNELS, 1, "auto|cpu|gpu|conv=cpu|gpu,dense=cpu|gpu,tile=TMxTNxTK/WMxWN  kernel family (default: $CLVIS_KERNELS, else the device's row of the kernel table; man clvis)"},
    {"model", F_MODEL, 1, "FILE  Keras model (default " DATA_MODEL ")"},
    {"arch", F_ARCH, 1, "vgg16|vgg19|...  architecture of a weights-only file"},
    {"config", F_CONFIG, 1, "FILE  Keras JSON config (model.to_json(), a .keras's config.json) of a weights-only file"},
    {"out", F_OUT, 1, "DIR  output directory (default out); DIR/index.html is rewritten"},
    {"quiet", F_QUIET, 0, "no progress on stderr"},
    {"json", F_JSON, 0, "machine-readable output (one JSON object per line)"},
    {"seed", F_SEED, 1, "N  start noise seed: numpy.random.RandomState(N) (default 0)"},
    {"layers", F_LAYERS, 1, "a,b,c  layers to draw"},
    {"layer", F_LAYER, 1, "NAME  one layer"},
    {"filter", F_FILTER, 1, "F  filter (channel) index; of the output layer: class visualisation"},
    {"filters", F_FILTERS, 1, "LIST  the filters of a grid: 64-127 or 0,5,9-12 (default 0..63)"},
    {"size", F_SIZE, 1, "S  pattern size 8..4096 (default 64 for grids, 150 for one --filter)"},
    {"class", F_CLASS, 1, "K|WNID|NAME  class index, wnid or name in the labels (default: top-1)"},
    {"score", F_SCORE, 1, "prob|logit  post-softmax probability (book) or logit (paper)"},
    {"method", F_METHOD, 1, "NAME  CAM method (default gradcam; gradcam-paper with --score logit):"},
    {"top", F_TOP, 1, "K  number of predictions (default 3)"},
    {"labels", F_LABELS, 1, "FILE  class names (TSV index,wnid,name or one per line)"},
    {"preprocess", F_PREPROCESS, 1, "raw|scale|tf|caffe|torch  override the model's preprocessing"},
    {"init", F_INIT, 1, "FILE[.png|.h5[:DATASET]]  start image instead of seeded noise"},
    {"chunk", F_CHUNK, 1, "N  filters per device batch (default: as memory allows)"},
    {"batch", F_BATCH, 1,
     "N  scorecam / ablationcam forward passes per device batch (default: up to 32)"},
    {"steps", F_STEPS, 1, "N  gradient-ascent steps (default 40)"},
    {"grad", F_GRAD, 1, "LAYER:CHANNEL  also dump d mean(channel)/d every layer"},
    {"runs", F_RUNS, 1, "N  timed runs per workload (default 5)"},
    {"quick", F_QUICK, 0, "filter grids run 5 steps instead of 40"},
    {"profile", F_PROFILE, 0, "per-layer kernel times on stderr (as CLVIS_PROFILE=1)"},
    {"workload", F_WORKLOAD, 1, "L  comma list of workloads or prefixes"},
    {"reference", F_REFERENCE, 1, "N  device index to compare against"},
    {"filter-runs", F_FILTER_RUNS, 1, "N  timed runs of each filter grid (default 1)"},
    {"samples", F_SAMPLES, 1, "N  smoothgrad: noisy samples, one device batch (default 25)"},
    {"noise", F_NOISE, 1, "F  smoothgrad: noise std / (max - min) of the input (default 0.15)"},
    {"baseline", F_BASELINE, 1, "black|blur|uniform|zero  ig: the baseline (default black)"},
    {"format", F_FORMAT, 1, "jpeg|png  CAM overlays as JPEG, quality 95 (default) or PNG"},
    {"group", F_GROUP, 1, "catdog  the book's exercise: a cat/dog verdict per photo, the counts, "
                          "the Grad-CAM of each top class"},
    {"recursive", F_RECURSIVE, 0, "FOLDERs with their subfolders (sorted by path; links followed once)"},
    {"max-pixels", F_MAX_PIXELS, 1, "N  refuse images whose header declares more pixels (default 100000000)"},
    {"shard", F_SHARD, 1, "K/N  this run's share: the images at sorted positions i with i mod N = K (0 <= K < N)"},
    {"split", F_SPLIT, 0, "with --device all: the images dealt across this host's devices, one process each"},
    {"metric", F_METRIC, 1, "a,b  evaluate: metrics (default drop,increase,road,insertion,deletion):"},
    {"explain-model", F_EXPLAIN_MODEL, 1, "FILE  bench: the model of scorecam, smoothgrad, ig"},
    {"ig-steps", F_IG_STEPS, 1, "N  bench: integrated-gradients steps (default 32)"},
    {"classes", F_CLASSES, 1, "FILE  image<TAB>class lines: each image's class (index, wnid or name)"},
    {"octaves", F_OCTAVES, 1, "N  dream: octaves 1..20, the photo / scale^(N-1) first (default 3)"},
    {"octave-scale", F_OCTAVE_SCALE, 1, "F  dream: size ratio of one octave to the next, 1..4 (default 1.4)"},
    {"step", F_STEP, 1, "F  dream: step on the image in [0, 1] per std of the gradient (default 0.01)"},
    {NULL, 0, 0, NULL}};

#define IMAGES_NOTE                                                                         \
    "\nA FOLDER stands for its .png .jpg .jpeg .webp .tif .tiff .bmp files in name order\n"     \
    "(--recursive: its subfolders too); the format is read from the bytes. All images run in\n"  \
    "one process; one that cannot be read is named on stderr (with --json also as a record\n"   \
    "{\"image\", \"error\"} on stdout) and skipped; the run ends with 'done N of M, K failed'\n"  \
    "and exit status 1 when K > 0."
#define COMMON (F_DEVICE | F_QUIET | F_KERNELS)
#define WITH_MODEL (COMMON | F_MODEL | F_ARCH | F_CONFIG)
static const cli_command COMMANDS[] = {
    {"devices", COMMON | F_JSON, "[--json]", "List every OpenCL platform and device.",
     cmd_devices},
    {"info", WITH_MODEL, "[MODEL] [--model FILE]",
     "Print a model.summary()-like table: layer, type, output shape, parameters.",
     cmd_info},
    {"predict", WITH_MODEL | F_OUT | F_JSON | F_TOP | F_LABELS | F_PREPROCESS | F_GROUP | F_FORMAT |
                    F_RECURSIVE | F_MAX_PIXELS | F_SHARD | F_SPLIT,
     "[options] IMAGE|FOLDER...",
     "Top-k predictions (wnid, name, probability for ImageNet models). With --out, adds them\n"
     "to DIR/index.html with a thumbnail of each photo (thumb_<image>.jpg). --group catdog\n"
     "adds a verdict per photo from its top-1 ImageNet class (dog 151-268, domestic cat\n"
     "281-285, else other), the count of each, and the Grad-CAM of each top class\n"
     "(gradcam_<image>_map.png, _overlay.jpg)." IMAGES_NOTE,
     cmd_predict},
    {"activations", WITH_MODEL | F_OUT | F_LAYERS | F_PREPROCESS | F_MAX_PIXELS, "[options] IMAGE",
     "Listing 5.31: every channel of the first 8 layers (or --layers) as a 16-per-row grid,\n"
     "viridis, one PNG per layer in DIR (act_<layer>.png); prints shape, zeros, dead channels.",
     cmd_activations},
    {"dream",
     WITH_MODEL | F_OUT | F_JSON | F_LAYER | F_STEPS | F_OCTAVES | F_OCTAVE_SCALE | F_STEP |
         F_SEED | F_PREPROCESS | F_FORMAT | F_MAX_PIXELS,
     "[options] PHOTO --layer L[:W][,L2[:W2]...]",
     "Deep dream on a photo (the TensorFlow deep-dream tutorial, Lucid): gradient ascent on the\n"
     "photo of sum_l W_l * mean(activation of L_l ^ 2) (W 1 when not given), the gradient divided\n"
     "by its std, a seeded random shift of up to 32 pixels each step, --steps N per octave\n"
     "(default 50) over --octaves (the photo / --octave-scale^k, smallest first, resized up\n"
     "between them). Writes DIR/dream_<photo>.jpg (quality 95; --format png: .png) of the\n"
     "photo's size; --json: one object with the objective before the first and last step.",
     cmd_dream},
    {"filters",
     WITH_MODEL | F_OUT | F_SEED | F_LAYERS | F_LAYER | F_FILTER | F_FILTERS | F_SIZE | F_INIT |
         F_CHUNK | F_STEPS | F_PREPROCESS,
     "[options]",
     "Listings 5.36-5.39: gradient ascent in input space (40 steps, RMS-normalised gradient,\n"
     "start U[0,1)*20+128 from numpy.random.RandomState(--seed)). Grids of filters 0..63 (or\n"
     "--filters) for --layers (default block1_conv1..block4_conv1, or the first four conv\n"
     "layers): filters_<layer>.png, min(n, 8) rows x ceil(n / 8) columns, filter i+8j of the\n"
     "list at row i, column j (32 filters: 8 rows x 4 columns). One pattern with --layer L\n"
     "--filter F: pattern_<layer>_<F>.png; on the output layer (--layer predictions --filter\n"
     "386) that is class visualisation: ascent on the class's pre-softmax score (a sigmoid\n"
     "output: class 1 = its logit, class 0 = minus it). The filters of a grid run as one\n"
     "device batch (--chunk to split). The image is fed raw as in the book; --preprocess M\n"
     "puts the model's preprocessing in front of it.",
     cmd_filters},
    {"gradcam", WITH_MODEL | F_OUT | F_JSON | F_LAYER | F_CLASS | F_TOP | F_CLASSES | F_SCORE | F_METHOD | F_METRIC | F_STEPS |
                    F_LABELS | F_PREPROCESS | F_FORMAT | F_RECURSIVE | F_BATCH |
                    F_MAX_PIXELS | F_SHARD | F_SPLIT,
     "[options] IMAGE|FOLDER...",
     "Listings 5.42-5.44: Grad-CAM of the top-1 class (or --class) at the last conv layer (or\n"
     "--layer); writes gradcam_<image>_map.png (the raw map, viridis) and\n"
     "gradcam_<image>_overlay.jpg (0.4*JET + image, full resolution; --format png for a PNG).\n"
     "The paper's variant (--score logit) writes gradcam-paper_<image>_*, another --method\n"
     "<method>_<image>_* (<method>-logit_ with --score logit), and a thumbnail of the photo\n"
     "(thumb_<image>.jpg) for the page. scorecam and ablationcam run one forward pass per\n"
     "channel of the layer, --batch N at a time on the device." IMAGES_NOTE,
     cmd_gradcam},
    {"saliency",
     WITH_MODEL | F_OUT | F_JSON | F_CLASS | F_TOP | F_CLASSES | F_SCORE | F_METHOD | F_LAYER | F_STEPS |
         F_SAMPLES | F_NOISE | F_BASELINE | F_SEED | F_LABELS | F_PREPROCESS,
     "[options] IMAGE|FOLDER...",
     "Gradient attributions of the top-1 class (or --class) at the input's resolution (default\n"
     "--method vanilla); the score is the model's output for the class (--score logit: the\n"
     "logit). Writes saliency_<method>_<image>_map.png (gray; blue-white-red for a signed map;\n"
     "RGB for guided) and saliency_<method>_<image>_overlay.png (0.4*JET of |map| + image).\n"
     "ig: --steps N (default 50) Gauss-Legendre nodes, --baseline; prints the completeness\n"
     "check sum(attr) ~= S(x) - S(baseline). smoothgrad: --samples N, --noise F, --seed N\n"
     "(numpy.random.RandomState(N).normal). guided-gradcam: --layer (default the last conv\n"
     "layer)." IMAGES_NOTE,
     cmd_saliency},
    {"evaluate",
     WITH_MODEL | F_JSON | F_CLASS | F_METHOD | F_METRIC | F_LAYER | F_STEPS | F_NOISE |
         F_SEED | F_LABELS | F_PREPROCESS,
     "[options] IMAGE|FOLDER...",
     "Judges explanation maps: for each image and each --method (a comma list of CAM and\n"
     "saliency methods, default gradcam) the map of the top-1 class (or --class), then each\n"
     "--metric of it (pytorch-grad-cam's confidence metrics and ROAD, RISE's insertion and\n"
     "deletion AUC), one line per method or one JSON object per image and method. Writes no\n"
     "files. --steps N: insertion / deletion steps (default: the input's height); --noise F:\n"
     "ROAD's imputer noise std (default 0.01, pytorch-grad-cam's; 0: deterministic); --seed N:\n"
     "its generator." IMAGES_NOTE,
     cmd_evaluate},
    {"dump", WITH_MODEL | F_OUT | F_GRAD | F_PREPROCESS | F_MAX_PIXELS, "[options] IMAGE",
     "Write every layer's output (NHWC) to DIR/dump_<image>.h5 (/act/<layer>); with\n"
     "--grad LAYER:CHANNEL also d mean(channel)/d every earlier layer (/grad/<layer>).",
     cmd_dump},
    {"bench",
     COMMON | F_JSON | F_MODEL | F_STEPS | F_RUNS | F_QUICK | F_PROFILE | F_WORKLOAD | F_REFERENCE |
         F_FILTER_RUNS | F_EXPLAIN_MODEL | F_LAYER | F_BATCH | F_SAMPLES | F_IG_STEPS,
     "[options]",
     "Benchmark standard workloads on one device or --device all (see 'clvis bench --help').",
     cmd_bench},
    {"report", COMMON | F_OUT, "[--out DIR] SHARD_DIR...",
     "Merge output folders (the shards of a --shard run, or any others) into one page and one\n"
     "manifest in DIR: DIR/index.html, DIR/manifest.tsv and DIR/manifest.jsonl list every\n"
     "entry of every folder, its pictures named by paths relative to DIR (not copied). See\n"
     "docs/scale.md.",
     cmd_report},
    {NULL, 0, NULL, NULL, NULL}};

void cli_usage_all(FILE *f)
{
    fprintf(f, "usage: clvis COMMAND [options]\n\ncommands:\n");
    for (const cli_command *c = COMMANDS; c->name; c++)
        fprintf(f, "  %-12s %s\n", c->name, c->usage);
    fprintf(f, "\n'clvis COMMAND --help' for the options of a command.\n"
               "Exit status: 0 success, 1 runtime failure, 2 usage error.\n");
}

static void bench_help(FILE *f)
{
    fprintf(f,
            "usage: clvis bench [--device N|cpu|gpu|NAME|all] [--runs N] [--quick]\n"
            "                   [--workload LIST] [--reference N] [--json] [--model FILE]\n"
            "                   [--steps N] [--filter-runs N] [--quiet] [--profile]\n\n"
            "Standard workloads on one OpenCL device (or every device with --device all):\n"
            "  vgg16_b1, vgg16_b8     VGG16 forward 224x224, batch 1 / 8, to predictions\n"
            "  gradcam                VGG16 Grad-CAM end to end (forward, backward from the top\n"
            "                         class to block5_conv3, map)\n"
            "  filters_block{1,2,3,4}_conv1\n"
            "                         one filter-pattern grid: 64 filters x 40 steps at 64x64 in\n"
            "                         one device batch (as 'clvis filters')\n"
            "  filters_seq_block{1,2,3,4}_conv1\n"
            "                         the book's method: 1 filter x 40 steps, batch 1 (x64 = the\n"
            "                         grid one filter at a time); only when named\n"
            "  small_convnet          the book's 150x150 convnet forward, every layer read back\n"
            "  op_conv3x3_64_112, op_dense_25088_4096, op_maxpool_64_224, op_relu_64_224\n"
            "                         single ops, batch 1\n"
            "  scorecam               Score-CAM of --layer (default: the Grad-CAM layer): one\n"
            "                         masked forward per channel, in device batches (--batch)\n"
            "  smoothgrad, ig         SmoothGrad (--samples, default 32) and integrated gradients\n"
            "                         (--ig-steps, default 32), batched (--batch)\n"
            "VGG16 and the small convnet get seeded He-uniform random weights (no file needed);\n"
            "--model FILE (or vgg16) uses a real VGG16 file instead. scorecam, smoothgrad and ig\n"
            "run on --explain-model FILE (default: the bundled MobileNetV2) at its input size, on\n"
            "one seeded input, the top-1 class, timed --filter-runs times.\n\n"
            "Each time is the median of --runs timed runs after one warm-up run (host wall clock\n"
            "including transfers and clFinish). A filter grid's warm-up is a 1-step run and it is\n"
            "timed --filter-runs times (default 1). GFLOP/s counts convolutions and dense layers\n"
            "(2 FLOPs per multiply-add; backward = input gradients). %%peak is against an FMA\n"
            "microkernel (16 float16 FMA chains per work-item) measured on the same device.\n"
            "With several devices, 'max abs' / 'max rel' compare each workload's output with the\n"
            "reference device (the first, or --reference N): rel = max abs / max |reference|.\n\n"
            "options:\n"
            "  --device D     N|cpu|gpu|igpu|NAME or 'all' (default: $CLVIS_DEVICE, else best)\n"
            "  --runs N       timed runs per workload (default 5)\n"
            "  --quick        filter grids run 5 steps instead of 40 (the table says so)\n"
            "  --workload L   comma list of workloads or prefixes (vgg16, filters, op, ...)\n"
            "  --reference N  device index (as 'clvis devices') to compare against\n"
            "  --json         one JSON object per device on stdout\n"
            "  --model FILE   VGG16 Keras file or 'vgg16' (default: random weights)\n"
            "  --steps N      filter-grid steps (default 40)\n"
            "  --filter-runs N  timed runs of each filter grid and explanation (default 1)\n"
            "  --explain-model FILE  the model of scorecam, smoothgrad, ig\n"
            "  --layer NAME   scorecam's layer\n"
            "  --batch N      scorecam / smoothgrad / ig items per device batch\n"
            "  --samples N    smoothgrad samples (default 32)\n"
            "  --ig-steps N   integrated-gradients steps (default 32)\n"
            "  --kernels K    cpu|gpu|... kernel family (default: $CLVIS_KERNELS, else the device's\n"
            "                 row of the kernel table; 'clvis devices' shows it; man clvis)\n"
            "  --quiet        no progress on stderr\n"
            "  --profile      at the end, each layer's forward/backward kernel time and the time\n"
            "                 between kernels, per device, on stderr (as CLVIS_PROFILE=1)\n"
            "  --help         this text\n");
}

/* Where a command reads an option differently from FLAGS' text: its own help line. */
static const struct {
    const char *command;
    cli_flags flag;
    const char *help;
} HELP_OVERRIDES[] = {
    {"evaluate", F_METHOD, "a,b  CAM or saliency methods (default gradcam)"},
    {"evaluate", F_STEPS, "N  insertion / deletion steps (default: input height)"},
    {"evaluate", F_NOISE, "F  ROAD imputer noise std (default 0.01)"},
    {"evaluate", F_SEED, "N  ROAD noise generator seed (default 0)"},
    {"evaluate", F_LAYER, "NAME  the CAM layer (default: the last conv)"},
    {"dream", F_STEPS, "N  gradient-ascent steps per octave (default 50)"},
    {"dream", F_SEED, "N  the jitter's seed (default 0)"},
    {"dream", F_LAYER, "L[:W][,L2[:W2]...]  the layers, each with its weight (default 1)"},
    {"dream", F_FORMAT, "jpeg|png  the dream as JPEG, quality 95 (default) or PNG"},
    {"gradcam", F_STEPS, "N  --metric insertion / deletion steps (default: the input's height)"},
    {"gradcam", F_METRIC,
     "a,b  with --method all or a list: each method's map judged by these metrics of "
     "'clvis evaluate --help'"},
    {"gradcam", F_TOP, "K  explain each of the top K classes (K >= 1)"},
    {"saliency", F_TOP, "K  explain each of the top K classes (K >= 1)"},
    {"saliency", F_METHOD, "NAME  saliency method (default vanilla):"},
    {"saliency", F_STEPS, "N  ig: integration steps (default 50)"},
    {"saliency", F_LAYER, "NAME  guided-gradcam: the Grad-CAM layer"},
    {"saliency", F_SEED, "N  smoothgrad noise / uniform baseline: numpy.random.RandomState(N) (0)"},
    {"filters", F_STEPS, "N  ascent steps (default 40; --style lucid: 256)"},
    {"filters", F_SEED,
     "N  seed (default 0) of the book's start noise, numpy.random.RandomState(N), or of "
     "--style lucid's start spectrum and transforms"},
    {"filters", F_SIZE,
     "S  pattern size 8..4096 (default 64 for grids, 150 for one --filter; --style lucid: 128)"},
};

static const char *flag_help(const cli_command *c, const flag_def *d)
{
    for (size_t k = 0; k < sizeof HELP_OVERRIDES / sizeof *HELP_OVERRIDES; k++)
        if (HELP_OVERRIDES[k].flag == d->flag && !strcmp(HELP_OVERRIDES[k].command, c->name))
            return HELP_OVERRIDES[k].help;
    return d->help;
}

void cli_help(FILE *f, const cli_command *c)
{
    if (!strcmp(c->name, "bench")) {
        bench_help(f);
        return;
    }
    fprintf(f, "usage: clvis %s %s\n\n%s\n\noptions:\n", c->name, c->usage, c->about);
    int sal = !strcmp(c->name, "saliency"), ev = !strcmp(c->name, "evaluate");
    for (const flag_def *d = FLAGS; d->name; d++) {
        if (!(c->flags & d->flag))
            continue;
        fprintf(f, "  --%-11s %s\n", d->name, flag_help(c, d));
        if (ev && d->flag == F_METRIC)
            for (int k = 0; clvis_metric_name(k); k++)
                fprintf(f, "      %-18s %s\n", clvis_metric_name(k), clvis_metric_summary(k));
        if (sal && d->flag == F_METHOD)
            for (int k = 0; clvis_saliency_method_name(k); k++)
                fprintf(f, "      %-15s %s\n", clvis_saliency_method_name(k),
                        clvis_saliency_method_summary(k));
        if (!sal && !ev && d->flag == F_METHOD) {
            for (int k = 0; clvis_cam_method_name(k); k++)
                fprintf(f, "      %-13s %s\n", clvis_cam_method_name(k),
                        clvis_cam_method_summary(k));
            fprintf(f, "      %-13s %s\n", "all | A,B,...",
                    "every method (or those listed): their files and one comparison grid "
                    "per image (compare_<image>_grid.jpg)");
        }
    }
    if (!strcmp(c->name, "filters"))
        cli_lucid_help(f);
    fprintf(f, "  --%-11s %s\n", "help", "this text");
}

/* ---- parsing ------------------------------------------------------------------------------ */
static cli_result usage(char *msg, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static cli_result usage(char *msg, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, cap, fmt, ap);
    va_end(ap);
    for (char *p = msg; *p; p++) /* one line, whatever the arguments held */
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    return CLI_USAGE;
}

static int parse_long(const char *v, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || end == v || *end || x < lo || x > hi)
        return 0;
    *out = x;
    return 1;
}

/* Checks of one command's arguments taken together (positional count, exclusive flags). */
static cli_result check_command(cli_args *a, char *msg, size_t cap)
{
    const char *n = a->cmd->name;
    if (!strcmp(n, "info") && a->npos > 1)
        return usage(msg, cap, "expected one MODEL");
    if ((!strcmp(n, "predict") || !strcmp(n, "gradcam") || !strcmp(n, "saliency") ||
         !strcmp(n, "evaluate")) &&
        a->npos < 1)
        return usage(msg, cap, "expected at least one IMAGE");
    if ((!strcmp(n, "gradcam") || !strcmp(n, "saliency")) &&
        !!(a->given & F_CLASS) + !!(a->given & F_TOP) + !!(a->given & F_CLASSES) > 1)
        return usage(msg, cap, "give one of --class, --top and --classes");
    if (a->nmethods && (a->given & (F_TOP | F_CLASSES)))
        return usage(msg, cap, "--method all or a list compares methods on one class per photo: "
                     "give --class or nothing, not --top / --classes");
    if (!strcmp(n, "gradcam") && (a->given & F_STEPS) && !a->metrics)
        return usage(msg, cap, "--steps applies to the insertion / deletion of --metric");
    if (!strcmp(n, "gradcam") && a->metrics && !a->nmethods)
        return usage(msg, cap, "--metric judges the methods of a comparison: give --method all "
                     "or a list (one method: clvis evaluate --method NAME)");
    if (a->split && (!a->device || strcmp(a->device, "all")))
        return usage(msg, cap, "--split deals the images across devices: it needs --device all");
    if (!strcmp(n, "report") && a->npos < 1)
        return usage(msg, cap, "expected at least one SHARD_DIR");
    if ((!strcmp(n, "activations") || !strcmp(n, "dump")) && a->npos != 1)
        return usage(msg, cap, "expected one IMAGE");
    if (!strcmp(n, "dream") && a->npos != 1)
        return usage(msg, cap, "expected one PHOTO");
    if (!strcmp(n, "dream") && !a->layer)
        return usage(msg, cap, "--layer L[:W][,L2[:W2]...] is needed: the layers to dream with");
    if ((!strcmp(n, "filters") || !strcmp(n, "bench") || !strcmp(n, "devices")) && a->npos)
        return usage(msg, cap, "unexpected argument '%s'", a->pos[0]);
    if (!strcmp(n, "predict") && (a->given & F_FORMAT) && !a->group)
        return usage(msg, cap, "--format applies to the Grad-CAM of --group; give --group catdog");
    if (a->method && !strcmp(a->method, "gradcam-paper") && (a->given & F_SCORE) && !a->logit)
        return usage(msg, cap, "--method gradcam-paper differentiates the logit; drop --score prob");
    int batched = a->method && (!strcmp(a->method, "scorecam") || !strcmp(a->method, "ablationcam"));
    for (int k = 0; k < a->nmethods; k++) /* a list: one of them batches */
        batched |= !strcmp(a->methods[k], "scorecam") || !strcmp(a->methods[k], "ablationcam");
    if ((a->given & F_BATCH) && !batched && strcmp(n, "bench"))
        return usage(msg, cap, "--batch applies to --method scorecam and ablationcam (their "
                     "forward passes)");
    if (!strcmp(n, "filters")) {
        if (a->filter >= 0 && !a->layer &&
            !(a->lucid.style == 1 && a->lucid.objective == CLVIS_LUCID_CLASS)) /* the output's */
            return usage(msg, cap, "--filter needs --layer");
        if (a->filter >= 0 && a->filters)
            return usage(msg, cap, "give --filter F (one pattern) or --filters LIST (a grid)");
        if (a->layer && a->layers)
            return usage(msg, cap, "give --layer (one pattern / one grid) or --layers (grids)");
        if (a->lucid.given && a->lucid.style != 1)
            return usage(msg, cap, "--lr, --optimizer, --param, --[no-]decorrelate, "
                         "--[no-]transforms, --l1, --tv, --blur, --diversity, --objective and "
                         "--direction need --style lucid");
        if (a->lucid.diversity > 0 && a->lucid.objective == CLVIS_LUCID_CLASS)
            return usage(msg, cap, "--diversity needs a spatial layer's feature maps, not "
                         "--objective class");
        if ((a->lucid.objective == CLVIS_LUCID_DIRECTION) != (a->lucid.direction != NULL))
            return usage(msg, cap, "--objective direction and --direction W0,W1,... go together");
        if (a->lucid.style == 1 && a->init)
            return usage(msg, cap, "--init is the book's start image; --style lucid starts from "
                         "its seeded parametrisation");
    }
    if (a->given & F_WORKLOAD) { /* every comma item must name or prefix a workload */
        const char *t = a->workloads;
        while (*t) {
            size_t len = strcspn(t, ",");
            if (len) {
                char one[128];
                if (len >= sizeof one)
                    return usage(msg, cap, "--workload: unknown workload '%.*s'", 60, t);
                memcpy(one, t, len);
                one[len] = 0;
                int known = 0;
                for (const char *q = BENCH_WORKLOADS; *q && !known;) {
                    size_t ql = strcspn(q, ",");
                    char name[128];
                    snprintf(name, sizeof name, "%.*s", (int)ql, q);
                    known = bench_selected(one, name);
                    q += ql + (q[ql] == ',');
                }
                if (!known)
                    return usage(msg, cap, "--workload: unknown workload '%s' (known: %s)", one,
                                 BENCH_WORKLOADS);
            }
            t += len + (t[len] == ',');
        }
    }
    return CLI_RUN;
}

/* evaluate's --method (methods = 1: each item a CAM or saliency method) or --metric list:
 * every comma item known, at least one. */
static cli_result evaluate_list(const char *val, int methods, const char **out, char *msg,
                                size_t cap)
{
    const char *what = methods ? "--method" : "--metric";
    int n = 0;
    for (const char *t = val;;) {
        size_t len = strcspn(t, ",");
        if (len) {
            int known = 0;
            for (int k = 0; methods && clvis_cam_method_name(k); k++)
                known |= strlen(clvis_cam_method_name(k)) == len &&
                         !strncmp(t, clvis_cam_method_name(k), len);
            for (int k = 0; methods && clvis_saliency_method_name(k); k++)
                known |= strlen(clvis_saliency_method_name(k)) == len &&
                         !strncmp(t, clvis_saliency_method_name(k), len);
            for (int k = 0; !methods && clvis_metric_name(k); k++)
                known |= strlen(clvis_metric_name(k)) == len &&
                         !strncmp(t, clvis_metric_name(k), len);
            if (!known) {
                char names[400] = "";
                for (int k = 0; !methods && clvis_metric_name(k); k++)
                    snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
                             k ? ", " : "", clvis_metric_name(k));
                if (methods)
                    snprintf(names, sizeof names, "a CAM method of 'clvis gradcam --help' or a "
                             "saliency method of 'clvis saliency --help'");
                return usage(msg, cap, "%s: unknown %s '%.*s' (known: %s)", what,
                             methods ? "method" : "metric", (int)(len > 60 ? 60 : len), t, names);
            }
            n++;
        }
        if (!t[len])
            break;
        t += len + 1;
    }
    if (!n)
        return usage(msg, cap, "%s: no names given in '%.60s'", what, val);
    *out = val;
    return CLI_RUN;
}

/* gradcam --method all | A,B,...: every name of the library's CAM table, or the listed ones in
 * the order given (a repeat is dropped, blank items skipped); an unknown name is a usage error
 * before anything runs. */
static cli_result method_list(cli_args *a, const char *val, const char *known, char *msg,
                              size_t cap)
{
    a->method = NULL;
    a->nmethods = 0;
    if (!strcmp(val, "all")) {
        for (int k = 0; clvis_cam_method_name(k) && k < CLI_MAX_METHODS; k++)
            a->methods[a->nmethods++] = clvis_cam_method_name(k);
        return CLI_RUN;
    }
    for (const char *p = val; *p;) {
        size_t len = strcspn(p, ",");
        const char *hit = NULL;
        for (int k = 0; len && clvis_cam_method_name(k) && !hit; k++)
            if (strlen(clvis_cam_method_name(k)) == len &&
                !strncmp(p, clvis_cam_method_name(k), len))
                hit = clvis_cam_method_name(k);
        if (len && !hit)
            return usage(msg, cap, "--method: unknown CAM method '%.*s' in the list (known: %s, "
                         "or all)", (int)(len < 60 ? len : 60), p, known);
        int seen = 0;
        for (int k = 0; hit && k < a->nmethods; k++)
            seen |= a->methods[k] == hit;
        if (hit && !seen && a->nmethods < CLI_MAX_METHODS)
            a->methods[a->nmethods++] = hit;
        p += len;
        p += *p == ',';
    }
    if (!a->nmethods)
        return usage(msg, cap, "--method: an empty list of methods (known: %s, or all)", known);
    return CLI_RUN;
}

static cli_result set_option(cli_args *a, const flag_def *f, const char *val, char *msg,
                             size_t cap)
{
    int bench = !strcmp(a->cmd->name, "bench"), sal = !strcmp(a->cmd->name, "saliency");
    int ev = !strcmp(a->cmd->name, "evaluate");
    long lo = 0, hi = 0, *num = NULL;
    a->given |= f->flag;
    switch (f->flag) {
    case F_DEVICE: a->device = val; break;
    case F_KERNELS: a->kernels = val; break;
    case F_MODEL: a->model = val; break;
    case F_ARCH: a->arch = val; break;
    case F_CONFIG: a->config = val; break;
    case F_OUT:
        if (!*val)
            return usage(msg, cap, "--out: expected a directory, got ''");
        a->out = val;
        break;
    case F_QUIET: a->quiet = 1; break;
    case F_JSON: a->json = 1; break;
    case F_QUICK: a->quick = 1; break;
    case F_RECURSIVE: a->recursive = 1; break;
    case F_SPLIT: a->split = 1; break;
    case F_MAX_PIXELS: num = &a->max_pixels, lo = 1, hi = 268435456L; break;
    case F_SHARD: {
        /* K/N, both decimal; K counts from 0 as SLURM_ARRAY_TASK_ID (--array=0-N-1) and
         * JOB_COMPLETION_INDEX do */
        const char *sl = strchr(val, '/');
        char k[32];
        if (!sl || (size_t)(sl - val) >= sizeof k)
            return usage(msg, cap, "--shard: expected K/N (0 <= K < N), got '%.60s'", val);
        memcpy(k, val, (size_t)(sl - val));
        k[sl - val] = 0;
        if (!parse_long(sl + 1, 1, 1000000, &a->shard_n) || !parse_long(k, 0, 999999, &a->shard_k))
            return usage(msg, cap, "--shard: expected K/N with N in 1..1000000, got '%.60s'", val);
        if (a->shard_k >= a->shard_n)
            return usage(msg, cap, "--shard %ld/%ld: K counts from 0, so K < N (0..%ld)",
                         a->shard_k, a->shard_n, a->shard_n - 1);
        break;
    }
    case F_LAYERS:
        if (!val[strspn(val, ", \t\r\n")])
            return usage(msg, cap, "--layers: no layer names given in '%.60s'", val);
        a->layers = val;
        break;
    case F_LAYER: a->layer = val; break;
    case F_LABELS: a->labels = val; break;
    case F_INIT: a->init = val; break;
    case F_WORKLOAD: a->workloads = val; break;
    case F_SEED: num = &a->seed, hi = 4294967295L; break;
    case F_FILTER: num = &a->filter, hi = INT_MAX; break;
    case F_SIZE: num = &a->size, lo = 8, hi = 4096; break;
    case F_CLASS:
        /* a number (what starts with a digit or a sign): an index; anything else a wnid or a
         * name, looked up in the labels */
        if (!*val)
            return usage(msg, cap, "--class: expected an index, a wnid or a class name, got ''");
        if (!strchr("0123456789+-", *val)) {
            a->class_name = val;
            a->cls = -1;
            break;
        }
        num = &a->cls, hi = INT_MAX;
        break;
    case F_CLASSES:
        if (!*val)
            return usage(msg, cap, "--classes: expected a file, got ''");
        a->classes = val;
        break;
    case F_TOP: num = &a->top, lo = 1, hi = 100000; break;
    case F_CHUNK: num = &a->chunk, lo = 1, hi = 4096; break;
    case F_STEPS:
        num = &a->steps, hi = 100000;
        lo = bench || sal || ev || !strcmp(a->cmd->name, "gradcam") ? 1 : 0;
        break;
    case F_METRIC: return evaluate_list(val, 0, &a->metrics, msg, cap);
    case F_SAMPLES: num = &a->samples, lo = 1, hi = 100000; break;
    case F_NOISE: {
        char *end;
        errno = 0;
        double v = strtod(val, &end);
        if (errno || end == val || *end || !(v >= 0.0) || v > 1e6)
            return usage(msg, cap, "--noise: expected a number >= 0, got '%s'", val);
        a->noise = v;
        break;
    }
    case F_BASELINE: {
        static const char *kinds[] = {"black", "blur", "uniform", "zero"};
        for (int k = 0; k < 4; k++)
            if (!strcmp(val, kinds[k])) {
                a->baseline = k;
                return CLI_RUN;
            }
        return usage(msg, cap, "--baseline: expected black, blur, uniform or zero, got '%s'", val);
    }
    case F_BATCH: num = &a->batch, lo = 1, hi = 4096; break;
    case F_OCTAVES: num = &a->octaves, lo = 1, hi = 20; break;
    case F_OCTAVE_SCALE:
    case F_STEP: {
        char *end;
        errno = 0;
        double v = strtod(val, &end);
        int sc = f->flag == F_OCTAVE_SCALE;
        if (errno || end == val || *end || !(sc ? v >= 1.0 && v <= 4.0 : v > 0.0 && v <= 1000.0))
            return usage(msg, cap, sc ? "--octave-scale: expected a number in [1, 4], got '%s'"
                                      : "--step: expected a number in (0, 1000], got '%s'", val);
        *(sc ? &a->octave_scale : &a->step) = v;
        break;
    }
    case F_RUNS: num = &a->runs, lo = 1, hi = 100000; break;
    case F_REFERENCE: num = &a->reference, hi = 100000; break;
    case F_FILTER_RUNS: num = &a->filter_runs, lo = 1, hi = 100000; break;
    case F_IG_STEPS: num = &a->ig_steps, lo = 1, hi = 100000; break;
    case F_EXPLAIN_MODEL:
        if (!*val)
            return usage(msg, cap, "--explain-model: expected a file, got ''");
        a->explain_model = val;
        break;
    case F_FILTERS: {
        /* items "N" or "A-B" (A <= B), comma-separated; at most FILTERS_MAX indices in all */
        enum { FILTERS_MAX = 4096 };
        a->filters_spec = val;
        free(a->filters);
        a->filters = malloc(FILTERS_MAX * sizeof *a->filters);
        a->n_filters = 0;
        if (!a->filters)
            return usage(msg, cap, "out of memory");
        const char *t = val;
        do {
            size_t len = strcspn(t, ",");
            char item[64];
            long lo_, hi_;
            const char *dash = memchr(t, '-', len);
            if (!len || len >= sizeof item)
                return usage(msg, cap, "--filters: expected N or A-B items separated by commas "
                             "(64-127, 0,5,9-12), got '%.60s'", val);
            memcpy(item, t, len);
            item[len] = 0;
            if (dash) {
                item[dash - t] = 0;
                if (!parse_long(item, 0, INT_MAX, &lo_) ||
                    !parse_long(item + (dash - t) + 1, 0, INT_MAX, &hi_) || lo_ > hi_)
                    return usage(msg, cap, "--filters: bad range '%.*s' in '%.60s' (A-B with "
                                 "0 <= A <= B)", (int)len, t, val);
            } else if (!parse_long(item, 0, INT_MAX, &lo_))
                return usage(msg, cap, "--filters: bad filter index '%s' in '%.60s'", item, val);
            else
                hi_ = lo_;
            if (hi_ - lo_ >= FILTERS_MAX - a->n_filters)
                return usage(msg, cap, "--filters: more than %d filters in '%.60s'", FILTERS_MAX,
                             val);
            for (long fi = lo_; fi <= hi_; fi++)
                a->filters[a->n_filters++] = (int)fi;
            t += len;
        } while (*t++ == ',');
        break;
    }
    case F_GRAD: {
        const char *c = strrchr(val, ':');
        if (!c || c == val || (size_t)(c - val) >= sizeof a->grad_layer ||
            !parse_long(c + 1, 0, INT_MAX, &a->grad_channel))
            return usage(msg, cap, "--grad: expected LAYER:CHANNEL, got '%s'", val);
        a->grad = val;
        memcpy(a->grad_layer, val, (size_t)(c - val));
        a->grad_layer[c - val] = 0;
        break;
    }
    case F_FORMAT:
        if (strcmp(val, "png") && strcmp(val, "jpeg") && strcmp(val, "jpg"))
            return usage(msg, cap, "--format: expected jpeg or png, got '%.60s'", val);
        a->format_png = !strcmp(val, "png");
        break;
    case F_GROUP:
        if (strcmp(val, "catdog"))
            return usage(msg, cap, "--group: expected catdog, got '%.60s'", val);
        a->group = val;
        break;
    case F_SCORE:
        if (!strcmp(val, "prob") || !strcmp(val, "logit"))
            a->logit = !strcmp(val, "logit");
        else
            return usage(msg, cap, "--score: expected prob or logit, got '%s'", val);
        break;
    case F_METHOD: {
        if (ev)
            return evaluate_list(val, 1, &a->method, msg, cap);
        char known[256] = "";
        if (sal) { /* the saliency table */
            for (int k = 0; clvis_saliency_method_name(k); k++) {
                if (!strcmp(val, clvis_saliency_method_name(k))) {
                    a->method = clvis_saliency_method_name(k);
                    return CLI_RUN;
                }
                snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s",
                         k ? ", " : "", clvis_saliency_method_name(k));
            }
            return usage(msg, cap, "--method: unknown saliency method '%.60s' (known: %s)", val,
                         known);
        }
        for (int k = 0; clvis_cam_method_name(k); k++)
            snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", k ? ", " : "",
                     clvis_cam_method_name(k));
        if (!strcmp(val, "all") || strchr(val, ',')) /* the comparison (compare.c) */
            return method_list(a, val, known, msg, cap);
        for (int k = 0; clvis_cam_method_name(k); k++) {
            if (!strcmp(val, clvis_cam_method_name(k))) {
                a->method = clvis_cam_method_name(k);
                a->nmethods = 0;
                return CLI_RUN;
            }
        }
        return usage(msg, cap, "--method: unknown CAM method '%.60s' (known: %s)", val, known);
    }
    case F_PREPROCESS: {
        static const char *modes[] = {"raw", "scale", "tf", "caffe", "torch"};
        a->preprocess = -1;
        for (int k = 0; k < 5; k++)
            if (!strcmp(val, modes[k]))
                a->preprocess = k;
        if (a->preprocess < 0)
            return usage(msg, cap, "--preprocess: expected raw, scale, tf, caffe or torch, got '%s'",
                         val);
        break;
    }
    }
    if (num && !parse_long(val, lo, hi, num))
        return usage(msg, cap, "--%s: expected an integer in %ld..%ld, got '%s'", f->name, lo, hi,
                     val);
    return CLI_RUN;
}

cli_result cli_parse(int argc, char **argv, cli_args *a, char *msg, size_t cap)
{
    memset(a, 0, sizeof *a);
    a->out = "out";
    a->top = 3;
    a->steps = 40;
    a->cls = -1;
    a->filter = -1;
    a->preprocess = -1;
    a->runs = 5;
    a->reference = -1;
    a->filter_runs = 1;
    a->samples = 25;
    a->noise = 0.15;
    a->max_pixels = 100000000L;
    a->octaves = 3;
    a->octave_scale = 1.4;
    a->step = 0.01;
    cli_lucid_defaults(&a->lucid);
    if (cap)
        msg[0] = 0;
    if (argc < 1)
        return usage(msg, cap, "no command given");
    if (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h") || !strcmp(argv[0], "help"))
        return CLI_HELP;
    if (!strcmp(argv[0], "--version"))
        return argc == 1 ? CLI_VERSION : usage(msg, cap, "--version takes no arguments");
    const cli_command *c = COMMANDS;
    while (c->name && strcmp(c->name, argv[0]))
        c++;
    if (!c->name)
        return usage(msg, cap, "unknown command '%s'", argv[0]);
    a->cmd = c;
    a->pos = calloc((size_t)argc, sizeof *a->pos);
    if (!a->pos)
        return usage(msg, cap, "out of memory");
    int only_pos = 0;
    for (int i = 1; i < argc; i++) {
        char *s = argv[i];
        if (only_pos || s[0] != '-' || !s[1]) {
            a->pos[a->npos++] = s;
            continue;
        }
        if (!strcmp(s, "--")) {
            only_pos = 1;
            continue;
        }
        if (!strcmp(s, "--help") || !strcmp(s, "-h"))
            return CLI_HELP;
        if (strncmp(s, "--", 2))
            return usage(msg, cap, "unknown option '%s'", s);
        const char *eq = strchr(s + 2, '=');
        size_t nl = eq ? (size_t)(eq - s - 2) : strlen(s + 2);
        const flag_def *f = FLAGS;
        while (f->name && (strlen(f->name) != nl || strncmp(f->name, s + 2, nl)))
            f++;
        int lucid_tv = 0;
        if (!f->name && !strcmp(c->name, "filters") && cli_lucid_find(s + 2, nl, &lucid_tv)) {
            const char *lv = eq ? eq + 1 : NULL; /* the --style lucid table (lucid_args.c) */
            if (lucid_tv && !eq && i + 1 < argc)
                lv = argv[++i];
            else if (lucid_tv && !eq)
                return usage(msg, cap, "--%.*s needs a value", (int)nl, s + 2);
            else if (!lucid_tv && eq)
                return usage(msg, cap, "--%.*s takes no value", (int)nl, s + 2);
            if (cli_lucid_set(&a->lucid, s + 2, nl, lv, msg, cap))
                return CLI_USAGE;
            continue;
        }
        if (!f->name || !(c->flags & f->flag))
            return usage(msg, cap, "unknown option '--%.*s' for '%s'", (int)(nl > 64 ? 64 : nl),
                         s + 2, c->name);
        const char *val = NULL;
        if (f->takes_value) {
            if (eq)
                val = eq + 1;
            else if (i + 1 < argc)
                val = argv[++i];
            else
                return usage(msg, cap, "--%s needs a value", f->name);
        } else if (eq)
            return usage(msg, cap, "--%s takes no value", f->name);
        cli_result r = set_option(a, f, val, msg, cap);
        if (r != CLI_RUN)
            return r;
    }
    return check_command(a, msg, cap);
}

void cli_free(cli_args *a)
{
    free(a->filters);
    a->filters = NULL;
    a->n_filters = 0;
    free(a->pos);
    a->pos = NULL;
    a->npos = 0;
}

/* ---- arguments that need the model ------------------------------------------------------------ */
int cli_layer_list(clvis_model *m, const char *list, int **ids, int *n, char *msg, size_t cap)
{
    *ids = NULL;
    *n = 0;
    int count = 1;
    for (const char *p = list; *p; p++)
        count += *p == ',';
    int *out = calloc((size_t)count, sizeof *out);
    if (!out) {
        usage(msg, cap, "out of memory");
        return 1;
    }
    int k = 0;
    for (const char *item = list; *item;) {
        size_t len = strcspn(item, ",");
        const char *t = item, *e = item + len;
        while (t < e && isspace((unsigned char)*t))
            t++;
        while (e > t && isspace((unsigned char)e[-1]))
            e--;
        if (e > t) {
            char name[256];
            if ((size_t)(e - t) >= sizeof name ||
                (snprintf(name, sizeof name, "%.*s", (int)(e - t), t),
                 clvis_model_find_layer(m, name, &out[k]) != CLVIS_OK)) {
                if ((size_t)(e - t) >= sizeof name)
                    usage(msg, cap, "no layer named '%.60s...'", t);
                else
                    usage(msg, cap, "%s", clvis_last_error());
                free(out);
                return 1;
            }
            k++;
        }
        item += len + (item[len] == ',');
    }
    if (!k) {
        free(out);
        usage(msg, cap, "--layers: no layer names given");
        return 1;
    }
    *ids = out;
    *n = k;
    return 0;
}
