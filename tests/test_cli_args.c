/* test_cli_args.c — the command line's grammar (tools/cli/args.c) without running anything:
 * commands, flags, both value forms, number ranges, per-command argument rules, --grad,
 * --version, bench workloads, one-line messages; the class-label files (labels.c) and the
 * data-directory lookup (datadir.c); and layer lists against a small fixture model. */
#include <limits.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/datadir.h"
#include "cli/labels.h"
#include "testutil.h"

#ifndef TEST_KERAS_DIR
#define TEST_KERAS_DIR "tests/data/keras"
#endif

/* Parses a space-separated command line ('|' stands for a space inside one argument). */
static cli_result parse_line(const char *line, cli_args *a, char *msg, size_t cap)
{
    static char buf[4096];
    static char *argv[64];
    snprintf(buf, sizeof buf, "%s", line);
    int argc = 0;
    for (char *t = strtok(buf, " "); t && argc < 64; t = strtok(NULL, " ")) {
        for (char *p = t; *p; p++)
            if (*p == '|')
                *p = ' ';
        argv[argc++] = t;
    }
    return cli_parse(argc, argv, a, msg, cap);
}

/* Expect a usage error whose message contains want. */
static void usage_case(const char *line, const char *want)
{
    cli_args a;
    char msg[1024];
    cli_result r = parse_line(line, &a, msg, sizeof msg);
    test_checkf(r == CLI_USAGE && strstr(msg, want) && !strchr(msg, '\n'),
                "usage error for '%s': '%s' (want '%s')", line, msg, want);
    cli_free(&a);
}

/* A usage error for head + n copies of 'x' + tail (an over-long argument). */
static void long_case(const char *head, size_t n, const char *tail, const char *want)
{
    char line[1024];
    size_t h = strlen(head);
    memcpy(line, head, h);
    memset(line + h, 'x', n);
    snprintf(line + h + n, sizeof line - h - n, "%s", tail);
    usage_case(line, want);
}

static cli_args run_case(const char *line)
{
    cli_args a;
    char msg[1024];
    cli_result r = parse_line(line, &a, msg, sizeof msg);
    test_checkf(r == CLI_RUN, "'%s' parses%s%s", line, *msg ? ": " : "", msg);
    return a;
}

int main(void)
{
    cli_args a;
    char msg[1024];

    /* commands */
    test_checkf(cli_parse(0, NULL, &a, msg, sizeof msg) == CLI_USAGE && !a.cmd, "no command: usage");
    cli_free(&a);
    test_checkf(parse_line("help", &a, msg, sizeof msg) == CLI_HELP && !a.cmd, "'help': general help");
    cli_free(&a);
    test_checkf(parse_line("gradcam --class 3 --help", &a, msg, sizeof msg) == CLI_HELP && a.cmd &&
                    !strcmp(a.cmd->name, "gradcam"),
                "--help after other flags: the command's help");
    cli_free(&a);
    test_checkf(parse_line("frobnicate", &a, msg, sizeof msg) == CLI_USAGE && !a.cmd &&
                    strstr(msg, "unknown command 'frobnicate'"),
                "unknown command: usage, no command");
    cli_free(&a);
    test_checkf(parse_line("--version", &a, msg, sizeof msg) == CLI_VERSION && !a.cmd,
                "--version: print the version");
    cli_free(&a);
    usage_case("--version extra", "--version takes no arguments");
    test_checkf(!strcmp(clvis_version(), "0.2.0"), "clvis_version() is '%s'", clvis_version());
    static const char *const names[] = {"devices", "info", "predict x", "activations x", "filters",
                                        "gradcam x", "dump x", "bench"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        test_checkf(parse_line(names[i], &a, msg, sizeof msg) == CLI_RUN && a.cmd && a.cmd->run &&
                        !strncmp(names[i], a.cmd->name, strlen(a.cmd->name)),
                    "'%s': the command table gives its run function", names[i]);
        cli_free(&a);
    }

    /* #13: batches over folders: --recursive, --max-pixels */
    a = run_case("predict --recursive --max-pixels 268435456 photos");
    test_checkf(a.recursive && a.max_pixels == 268435456L && (a.given & F_MAX_PIXELS),
                "predict --recursive --max-pixels at its ceiling");
    cli_free(&a);
    a = run_case("gradcam x.jpg");
    test_checkf(!a.recursive && a.max_pixels == 100000000L && !(a.given & F_MAX_PIXELS),
                "defaults: not recursive, 100 MP");
    cli_free(&a);
    usage_case("predict --max-pixels 0 x.jpg", "--max-pixels: expected an integer in 1..268435456");
    usage_case("predict --max-pixels 1e6 x.jpg", "--max-pixels: expected an integer");
    usage_case("gradcam --recursive=1 x.jpg", "--recursive takes no value");
    usage_case("activations --recursive x.jpg", "unknown option '--recursive' for 'activations'");
    usage_case("filters --max-pixels 5", "unknown option '--max-pixels' for 'filters'");

    /* #13: --shard K/N, K from 0 */
    a = run_case("gradcam --shard 2/3 photos");
    test_checkf(a.shard_k == 2 && a.shard_n == 3, "--shard 2/3");
    cli_free(&a);
    a = run_case("predict --shard=0/1 photos");
    test_checkf(a.shard_k == 0 && a.shard_n == 1, "--shard=0/1: the whole list");
    cli_free(&a);
    a = run_case("predict photos");
    test_checkf(a.shard_n == 0, "no --shard: shard_n 0");
    cli_free(&a);
    usage_case("predict --shard 3/3 x.jpg", "K counts from 0, so K < N (0..2)");
    usage_case("predict --shard 1/0 x.jpg", "--shard: expected K/N with N in 1..1000000");
    usage_case("predict --shard 1/1000001 x.jpg", "--shard: expected K/N");
    usage_case("predict --shard 1 x.jpg", "--shard: expected K/N (0 <= K < N)");
    usage_case("predict --shard /3 x.jpg", "--shard: expected K/N");
    usage_case("predict --shard 1/3x x.jpg", "--shard: expected K/N");
    usage_case("activations --shard 0/2 x.jpg", "unknown option '--shard' for 'activations'");
    usage_case("report", "expected at least one SHARD_DIR");
    usage_case("predict --split x.jpg", "--split deals the images across devices: it needs --device all");
    usage_case("gradcam --device 0 --split x.jpg", "it needs --device all");
    usage_case("activations --device all --split x.jpg", "unknown option '--split' for 'activations'");
    a = run_case("gradcam --device all --split --shard 1/2 photos");
    test_checkf(a.split && !strcmp(a.device, "all") && a.shard_k == 1, "--device all --split with --shard");
    cli_free(&a);
    a = run_case("report --out all s0 s1 s2");
    test_checkf(a.npos == 3 && !strcmp(a.out, "all") && a.cmd && !strcmp(a.cmd->name, "report"),
                "report --out all s0 s1 s2");
    cli_free(&a);

    /* values: both forms, ranges, defaults, last one wins */
    a = run_case("gradcam --class 3 --score=logit --layer conv --out o1 --out=o2 x.jpg y.jpg");
    test_checkf(a.cls == 3 && a.logit && !strcmp(a.layer, "conv") && !strcmp(a.out, "o2") &&
                    a.npos == 2 && !strcmp(a.pos[1], "y.jpg") && (a.given & F_OUT) &&
                    !(a.given & F_JSON),
                "gradcam values, repeated --out: last wins, 2 images");
    cli_free(&a);
    a = run_case("predict x.jpg");
    test_checkf(a.top == 3 && a.cls == -1 && a.preprocess == -1 && !strcmp(a.out, "out") &&
                    !(a.given & F_OUT),
                "predict defaults: --top 3, model preprocessing, out/");
    cli_free(&a);

    /* targets: --class by index or name, --top K, --classes FILE, one of them */
    a = run_case("gradcam --class tabby x.jpg");
    test_checkf(a.cls == -1 && a.class_name && !strcmp(a.class_name, "tabby") &&
                    (a.given & F_CLASS),
                "gradcam --class tabby: a name, looked up with the labels");
    cli_free(&a);
    a = run_case("saliency --class n02123045 x.jpg");
    test_checkf(a.cls == -1 && !strcmp(a.class_name, "n02123045"), "saliency --class WNID");
    cli_free(&a);
    a = run_case("gradcam --class 281 x.jpg");
    test_checkf(a.cls == 281 && !a.class_name, "gradcam --class 281: an index");
    cli_free(&a);
    a = run_case("gradcam --top 2 x.jpg y.jpg");
    test_checkf(a.top == 2 && (a.given & F_TOP) && a.cls == -1, "gradcam --top 2");
    cli_free(&a);
    a = run_case("saliency --classes t.tsv x.jpg");
    test_checkf(a.classes && !strcmp(a.classes, "t.tsv") && (a.given & F_CLASSES),
                "saliency --classes FILE");
    cli_free(&a);
    usage_case("gradcam --top 0 x.jpg", "--top: expected an integer in 1..");
    usage_case("saliency --top 0 x.jpg", "--top: expected an integer in 1..");
    usage_case("gradcam --class -3 x.jpg", "--class: expected an integer in 0..");
    usage_case("gradcam --class= x.jpg", "--class: expected an index, a wnid or a class name");
    usage_case("gradcam --class 3 --top 2 x.jpg", "give one of --class, --top and --classes");
    usage_case("saliency --classes t.tsv --class tabby x.jpg",
               "give one of --class, --top and --classes");
    usage_case("gradcam --method all --top 2 x.jpg", "compares methods on one class per photo");
    usage_case("gradcam --method gradcam,layercam --classes t.tsv x.jpg", "not --top / --classes");
    usage_case("gradcam --classes= x.jpg", "--classes: expected a file");
    usage_case("predict --classes t.tsv x.jpg", "unknown option '--classes' for 'predict'");
    a = run_case("predict --preprocess caffe --top 1000 -- -weird.jpg -");
    test_checkf(a.preprocess == CLVIS_PREPROCESS_CAFFE && a.top == 1000 && a.npos == 2 &&
                    !strcmp(a.pos[0], "-weird.jpg") && !strcmp(a.pos[1], "-"),
                "--preprocess caffe; after '--' and a lone '-' are images");
    cli_free(&a);
    a = run_case("filters --seed 4294967295 --steps 0 --layer c --filter 0 --size 4096");
    test_checkf(a.seed == 4294967295L && a.steps == 0 && a.filter == 0 && a.size == 4096,
                "filters: numbers at the ends of their ranges");
    cli_free(&a);
    usage_case("filters --seed 4294967296", "--seed: expected an integer in 0..4294967295");
    usage_case("gradcam --class -1 x.jpg", "--class: expected an integer");
    usage_case("gradcam --class 3x x.jpg", "got '3x'");
    usage_case("gradcam --class= x.jpg", "got ''");
    usage_case("gradcam --class 99999999999999999999999 x.jpg", "--class: expected");
    usage_case("predict --top 0 x.jpg", "--top: expected an integer in 1..100000");
    usage_case("filters --size 0", "--size");
    /* #17: a size the filters command refuses anyway is a usage error, not a runtime one */
    usage_case("filters --size 1", "--size: expected an integer in 8..4096");
    usage_case("filters --size 7", "--size: expected an integer in 8..4096");
    usage_case("filters --size 4097", "--size: expected an integer in 8..4096");
    a = run_case("filters --size 8");
    test_checkf(a.size == 8, "--size 8: the smallest pattern");
    cli_free(&a);
    /* #13 item 4: --filters LIST picks a grid's filters */
    a = run_case("filters --layers c --filters 0,5,9-12,64");
    test_checkf(a.n_filters == 7 && a.filters[0] == 0 && a.filters[1] == 5 && a.filters[2] == 9 &&
                    a.filters[5] == 12 && a.filters[6] == 64,
                "--filters 0,5,9-12,64: 7 filters in order");
    cli_free(&a);
    a = run_case("filters --filters=64-127");
    test_checkf(a.n_filters == 64 && a.filters[0] == 64 && a.filters[63] == 127,
                "--filters=64-127: 64 filters");
    cli_free(&a);
    usage_case("filters --filters 12-3", "--filters: bad range '12-3'");
    usage_case("filters --filters 1-", "--filters: bad range '1-'");
    usage_case("filters --filters -4", "--filters: bad range '-4'");
    usage_case("filters --filters 1,,2", "--filters: expected N or A-B items");
    usage_case("filters --filters 3,", "--filters: expected N or A-B items");
    usage_case("filters --filters ''", "--filters");
    usage_case("filters --filters 0-5000", "--filters: more than 4096 filters");
    usage_case("filters --filters 1.5", "--filters: bad filter index '1.5'");
    usage_case("filters --layer c --filter 1 --filters 1-2", "give --filter F (one pattern) or --filters LIST");
    usage_case("gradcam --out= x.jpg", "--out: expected a directory");
    usage_case("activations --layers= x.jpg", "--layers: no layer names given");
    usage_case("activations --layers , x.jpg", "--layers: no layer names given");
    a = run_case("predict --model w.weights.h5 --config c.json x.jpg");
    test_checkf(a.config && !strcmp(a.config, "c.json") && (a.given & F_CONFIG),
                "--config FILE: the JSON config of a weights-only file");
    cli_free(&a);
    usage_case("filters --chunk 4097", "--chunk");
    usage_case("gradcam --score maybe x.jpg", "prob or logit");
    /* --method: a name of the library's CAM method table, checked before anything runs */
    for (int k = 0; clvis_cam_method_name(k); k++) {
        char line[128];
        snprintf(line, sizeof line, "gradcam --method %s x.jpg", clvis_cam_method_name(k));
        a = run_case(line);
        test_checkf(a.method && !strcmp(a.method, clvis_cam_method_name(k)) &&
                        (a.given & F_METHOD),
                    "--method %s", clvis_cam_method_name(k));
        cli_free(&a);
    }
    a = run_case("gradcam --method=layercam --score logit x.jpg");
    test_checkf(a.method && !strcmp(a.method, "layercam") && a.logit,
                "--method=layercam --score logit: the logit score for a method");
    cli_free(&a);
    a = run_case("gradcam x.jpg");
    test_checkf(!a.method && !a.logit, "gradcam without --method: none (the book's gradcam)");
    cli_free(&a);
    usage_case("gradcam --method gradcam+++ x.jpg",
               "--method: unknown CAM method 'gradcam+++' (known: gradcam, gradcam-paper, "
               "gradcam++, xgradcam, layercam, hirescam, eigencam, eigengradcam, scorecam, "
               "ablationcam, fullgrad)");
    a = run_case("gradcam --method scorecam --batch 7 x.jpg");
    test_checkf(a.method && !strcmp(a.method, "scorecam") && a.batch == 7,
                "--method scorecam --batch 7: the batch is taken");
    cli_free(&a);
    a = run_case("gradcam --method ablationcam x.jpg");
    test_checkf(a.batch == 0, "ablationcam without --batch: 0 (the library's choice)");
    cli_free(&a);
    usage_case("gradcam --method scorecam --batch 0 x.jpg",
               "--batch: expected an integer in 1..4096");
    usage_case("gradcam --method ablationcam --batch 4097 x.jpg", "--batch");
    usage_case("gradcam --batch 8 x.jpg", "--batch applies to --method scorecam and ablationcam");
    usage_case("gradcam --method eigencam --batch 8 x.jpg", "--batch applies to");
    usage_case("filters --batch 8", "--batch");
    usage_case("gradcam --method GradCAM x.jpg", "unknown CAM method 'GradCAM'");
    /* --method all | A,B,...: the comparison, names of the same table, in the order given */
    a = run_case("gradcam --method all x.jpg");
    int all_ok = !a.method && a.nmethods > 0;
    for (int k = 0; all_ok && clvis_cam_method_name(k); k++)
        all_ok = k < a.nmethods && a.methods[k] == clvis_cam_method_name(k) &&
                 !clvis_cam_method_name(a.nmethods);
    test_checkf(all_ok, "--method all: every method of the table, in its order (%d)", a.nmethods);
    cli_free(&a);
    a = run_case("gradcam --method layercam,gradcam,scorecam,layercam x.jpg");
    test_checkf(!a.method && a.nmethods == 3 && !strcmp(a.methods[0], "layercam") &&
                    !strcmp(a.methods[1], "gradcam") && !strcmp(a.methods[2], "scorecam"),
                "--method layercam,gradcam,scorecam,layercam: three, as given, the repeat dropped");
    cli_free(&a);
    a = run_case("gradcam --method scorecam,ablationcam --batch 5 x.jpg");
    test_checkf(a.nmethods == 2 && a.batch == 5, "--method scorecam,ablationcam --batch 5");
    cli_free(&a);
    a = run_case("gradcam --method all --method layercam x.jpg");
    test_checkf(a.method && !strcmp(a.method, "layercam") && !a.nmethods,
                "--method all then --method layercam: the last one wins");
    cli_free(&a);
    usage_case("gradcam --method gradcam,nope,layercam x.jpg",
               "--method: unknown CAM method 'nope' in the list (known: gradcam, ");
    usage_case("gradcam --method gradcam,GradCAM x.jpg", "unknown CAM method 'GradCAM' in the list");
    usage_case("gradcam --method , x.jpg", "--method: an empty list of methods");
    usage_case("gradcam --method layercam,eigencam --batch 4 x.jpg",
               "--batch applies to --method scorecam and ablationcam");
    usage_case("saliency --method vanilla,ig x.jpg", "unknown saliency method 'vanilla,ig'");
    usage_case("gradcam --method= x.jpg", "unknown CAM method ''");
    usage_case("gradcam x.jpg --method", "--method needs a value");
    usage_case("gradcam --method gradcam-paper --score prob x.jpg", "drop --score prob");
    usage_case("predict --method layercam x.jpg", "unknown option '--method' for 'predict'");
    /* saliency: --method against the saliency table, its numbers and their defaults */
    for (int k = 0; clvis_saliency_method_name(k); k++) {
        char line[128];
        snprintf(line, sizeof line, "saliency --method %s x.jpg", clvis_saliency_method_name(k));
        a = run_case(line);
        test_checkf(a.cmd && a.cmd->run && !strcmp(a.cmd->name, "saliency") && a.method &&
                        !strcmp(a.method, clvis_saliency_method_name(k)),
                    "saliency --method %s", clvis_saliency_method_name(k));
        cli_free(&a);
    }
    a = run_case("saliency x.jpg");
    test_checkf(!a.method && a.samples == 25 && a.noise == 0.15 && a.baseline == 0 &&
                    !(a.given & F_STEPS),
                "saliency defaults: vanilla, 25 samples, noise 0.15, black baseline, steps unset");
    cli_free(&a);
    a = run_case("saliency --method ig --steps 7 --baseline uniform --samples 3 --noise=0.5 "
                 "--seed 9 --class 2 --score logit --layer c x.jpg");
    test_checkf(a.steps == 7 && a.baseline == 2 && a.samples == 3 && a.noise == 0.5 &&
                    a.seed == 9 && a.cls == 2 && a.logit && !strcmp(a.layer, "c"),
                "saliency values: steps, baseline, samples, noise, seed, class, score, layer");
    cli_free(&a);
    usage_case("saliency --method gradcam x.jpg",
               "--method: unknown saliency method 'gradcam' (known: vanilla, vanilla-signed, "
               "inputxgrad, guided, guided-gradcam, smoothgrad, ig)");
    usage_case("gradcam --method vanilla x.jpg", "unknown CAM method 'vanilla'");
    usage_case("saliency --steps 0 x.jpg", "--steps: expected an integer in 1..100000");
    usage_case("saliency --samples 0 x.jpg", "--samples: expected an integer in 1..100000");
    usage_case("saliency --noise -0.1 x.jpg", "--noise: expected a number >= 0, got '-0.1'");
    usage_case("saliency --noise nan x.jpg", "--noise: expected a number >= 0");
    usage_case("saliency --noise 1x x.jpg", "--noise: expected a number >= 0, got '1x'");
    usage_case("saliency --baseline gray x.jpg", "--baseline: expected black, blur, uniform");
    usage_case("saliency --quiet", "expected at least one IMAGE");
    usage_case("gradcam --samples 3 x.jpg", "unknown option '--samples' for 'gradcam'");
    usage_case("predict --preprocess pytorch x.jpg", "raw, scale, tf, caffe or torch");
    /* --format (CAM overlays) and predict --group catdog (issue 13, the report) */
    a = run_case("gradcam x.jpg");
    test_checkf(!a.format_png && !a.group, "gradcam: JPEG overlays by default, no group");
    cli_free(&a);
    a = run_case("gradcam --format png x.jpg");
    test_checkf(a.format_png, "gradcam --format png");
    cli_free(&a);
    a = run_case("gradcam --format=jpeg x.jpg");
    test_checkf(!a.format_png && (a.given & F_FORMAT), "gradcam --format=jpeg");
    cli_free(&a);
    a = run_case("predict --group catdog --format png x.jpg");
    test_checkf(a.group && !strcmp(a.group, "catdog") && a.format_png,
                "predict --group catdog --format png");
    cli_free(&a);
    usage_case("gradcam --format gif x.jpg", "--format: expected jpeg or png, got 'gif'");
    usage_case("predict --group dogs x.jpg", "--group: expected catdog, got 'dogs'");
    usage_case("predict --format png x.jpg", "--format applies to the Grad-CAM of --group");
    usage_case("activations --format png x.jpg", "unknown option '--format' for 'activations'");
    usage_case("gradcam --group catdog x.jpg", "unknown option '--group' for 'gradcam'");
    /* evaluate: --method lists of CAM and saliency methods, --metric lists, numbers */
    a = run_case("evaluate x.jpg y.png");
    test_checkf(a.cmd && a.cmd->run && !strcmp(a.cmd->name, "evaluate") && !a.method &&
                    !a.metrics && a.npos == 2 && !(a.given & (F_STEPS | F_NOISE)),
                "evaluate defaults: no --method / --metric (gradcam; the default metrics)");
    cli_free(&a);
    a = run_case("evaluate --method gradcam,hirescam,vanilla,ig --metric road,deletion,drop "
                 "--steps 12 --noise 0 --seed 4 --class 3 --layer c --json x.jpg");
    test_checkf(a.method && !strcmp(a.method, "gradcam,hirescam,vanilla,ig") && a.metrics &&
                    !strcmp(a.metrics, "road,deletion,drop") && a.steps == 12 &&
                    a.noise == 0.0 && (a.given & F_NOISE) && (a.given & F_METRIC) &&
                    a.seed == 4 && a.cls == 3 && !strcmp(a.layer, "c") && a.json,
                "evaluate values: method and metric lists, steps, noise, seed, class, layer");
    cli_free(&a);
    for (int k = 0; clvis_metric_name(k); k++) {
        char line[128];
        snprintf(line, sizeof line, "evaluate --metric=%s x.jpg", clvis_metric_name(k));
        a = run_case(line);
        test_checkf(a.metrics && !strcmp(a.metrics, clvis_metric_name(k)),
                    "evaluate --metric %s", clvis_metric_name(k));
        cli_free(&a);
    }
    usage_case("evaluate --metric auc x.jpg",
               "--metric: unknown metric 'auc' (known: confidence-change, drop, increase, "
               "road-morf, road-lerf, road, insertion, deletion)");
    usage_case("evaluate --metric drop,,roads x.jpg", "--metric: unknown metric 'roads'");
    usage_case("evaluate --metric , x.jpg", "--metric: no names given in ','");
    usage_case("evaluate --method gradcam,sobel x.jpg", "--method: unknown method 'sobel'");
    usage_case("evaluate --method= x.jpg", "--method: no names given");
    usage_case("evaluate --steps 0 x.jpg", "--steps: expected an integer in 1..100000");
    usage_case("evaluate --noise -1 x.jpg", "--noise: expected a number >= 0");
    usage_case("evaluate --quiet", "expected at least one IMAGE");
    usage_case("evaluate --out d x.jpg", "unknown option '--out' for 'evaluate'");
    /* gradcam --metric: the methods of a comparison judged; one method is evaluate's work */
    usage_case("gradcam --metric drop x.jpg", "--metric judges the methods of a comparison: "
               "give --method all or a list");
    usage_case("gradcam --method layercam --metric drop x.jpg",
               "--metric judges the methods of a comparison");
    usage_case("gradcam --method all --metric drop,nope x.jpg", "--metric: unknown metric 'nope'");
    usage_case("gradcam --steps 4 x.jpg", "--steps applies to the insertion / deletion of --metric");
    usage_case("gradcam --method all --metric deletion --steps 0 x.jpg",
               "--steps: expected an integer in 1..");
    a = run_case("gradcam --method all --metric deletion --steps 4 x.jpg");
    test_checkf(a.steps == 4 && (a.given & F_STEPS) && a.metrics,
                "gradcam --method all --metric deletion --steps 4: the metric's steps");
    cli_free(&a);
    a = run_case("gradcam --method gradcam,layercam --metric deletion,drop x.jpg");
    test_checkf(a.nmethods == 2 && a.metrics && !strcmp(a.metrics, "deletion,drop"),
                "gradcam --method A,B --metric a,b: the comparison's metrics (got %d methods, "
                "metrics %s)", a.nmethods, a.metrics ? a.metrics : "none");
    cli_free(&a);

    /* flags */
    usage_case("gradcam --frobnicate x.jpg", "unknown option '--frobnicate' for 'gradcam'");
    usage_case("predict --seed 1 x.jpg", "unknown option '--seed' for 'predict'");
    usage_case("predict -x x.jpg", "unknown option '-x'");
    usage_case("predict --quiet=1 x.jpg", "--quiet takes no value");
    usage_case("gradcam x.jpg --layer", "--layer needs a value");
    usage_case("gradcam --lay x.jpg", "unknown option '--lay'"); /* no prefix matching */
    usage_case("gradcam --layer= x.jpg --layerx=3", "unknown option '--layerx'");
    usage_case("predict --out|a\nb x.jpg --nope\nline", "unknown option");

    /* per-command arguments */
    usage_case("predict", "expected at least one IMAGE");
    usage_case("gradcam --quiet", "expected at least one IMAGE");
    usage_case("activations a.jpg b.jpg", "expected one IMAGE");
    usage_case("dump", "expected one IMAGE");
    usage_case("info a.h5 b.h5", "expected one MODEL");
    usage_case("filters x.jpg", "unexpected argument 'x.jpg'");
    usage_case("filters --filter 3", "--filter needs --layer");
    usage_case("filters --layer a --layers a,b", "give --layer");
    /* filters --style lucid (tools/cli/lucid_args.c) */
    a = run_case("filters --style lucid --lr 0.1 --tv 0.5 --l1=0.01 --blur 2 --param pixel "
                 "--no-decorrelate --no-transforms --objective neuron --optimizer rms");
    test_checkf(a.lucid.style == 1 && a.lucid.lr == 0.1 && a.lucid.tv == 0.5 && a.lucid.l1 == 0.01 &&
                    a.lucid.blur == 2 && a.lucid.param == CLVIS_LUCID_PIXEL && !a.lucid.decorrelate &&
                    !a.lucid.transforms && a.lucid.objective == CLVIS_LUCID_NEURON &&
                    a.lucid.optimizer == CLVIS_LUCID_RMS,
                "filters --style lucid: every option read");
    cli_free(&a);
    a = run_case("filters --style lucid --optimizer adam-torch");
    test_checkf(a.lucid.optimizer == CLVIS_LUCID_ADAM_TORCH,
                "filters --style lucid --optimizer adam-torch: PyTorch's Adam");
    cli_free(&a);
    a = run_case("filters --style lucid --decorrelate --transforms --objective class --param fft");
    test_checkf(a.lucid.decorrelate == 1 && a.lucid.transforms == 1 &&
                    a.lucid.objective == CLVIS_LUCID_CLASS && a.lucid.param == CLVIS_LUCID_FFT,
                "filters --style lucid: the positive switches");
    cli_free(&a);
    a = run_case("filters --style book");
    test_checkf(a.lucid.style == 0 && a.lucid.lr < 0 && a.lucid.param == -1,
                "filters --style book: the book, nothing of lucid set");
    cli_free(&a);
    a = run_case("filters --style lucid --objective class --filter 7");
    cli_free(&a);
    usage_case("filters --style lucid --filter 7", "--filter needs --layer");
    a = run_case("filters --style lucid --objective direction --direction 1,|-0.5,2e-1");
    {
        float w[4];
        int k = cli_lucid_direction(a.lucid.direction, w, 4);
        test_checkf(a.lucid.objective == CLVIS_LUCID_DIRECTION && k == 3 && w[0] == 1 &&
                        w[1] == -0.5f && w[2] == 0.2f,
                    "--direction: three weights read (%d)", k);
    }
    cli_free(&a);
    usage_case("filters --style lucid --objective direction", "go together");
    usage_case("filters --style lucid --direction 1,2", "go together");
    usage_case("filters --style lucid --objective direction --direction 1,,2", "--direction: expected");
    usage_case("filters --style lucid --objective direction --direction 1,x", "--direction: expected");
    usage_case("filters --style lucid --objective direction --direction ''", "--direction: expected");
    usage_case("filters --style", "--style needs a value");
    usage_case("filters --style fancy", "--style: expected book or lucid");
    usage_case("filters --tv 0.1", "need --style lucid");
    usage_case("filters --style book --no-transforms", "need --style lucid");
    usage_case("filters --style lucid --lr 0", "--lr: expected a number in (0,");
    usage_case("filters --style lucid --tv -1", "--tv: expected a number in [0,");
    usage_case("filters --style lucid --blur x", "--blur: expected a number");
    usage_case("filters --style lucid --param wavelet", "--param: expected fft or pixel");
    usage_case("filters --style lucid --objective dream", "--objective: expected channel");
    usage_case("filters --style lucid --optimizer sgd", "--optimizer: expected adam, rms or adam-torch");
    usage_case("filters --style lucid --transforms=1", "--transforms takes no value");
    usage_case("filters --style lucid --init x.png", "--init is the book's start image");
    usage_case("gradcam --style lucid x.jpg", "unknown option '--style' for 'gradcam'");
    usage_case("devices extra", "unexpected argument");

    /* --grad LAYER:CHANNEL */
    a = run_case("dump --grad block1:conv:7 x.jpg");
    test_checkf(!strcmp(a.grad_layer, "block1:conv") && a.grad_channel == 7 &&
                    !strcmp(a.grad, "block1:conv:7"),
                "--grad splits at the last ':'");
    cli_free(&a);
    usage_case("dump --grad :3 x.jpg", "--grad: expected LAYER:CHANNEL");
    usage_case("dump --grad conv x.jpg", "--grad: expected LAYER:CHANNEL");
    usage_case("dump --grad conv:x x.jpg", "--grad: expected LAYER:CHANNEL");
    usage_case("dump --grad conv:-1 x.jpg", "--grad: expected LAYER:CHANNEL");
    long_case("dump --grad ", 300, ":1 x.jpg", "--grad: expected LAYER:CHANNEL");

    /* bench */
    a = run_case("bench --quick --runs 2 --workload small,op_relu,,filters --reference 0");
    test_checkf(a.quick && a.runs == 2 && a.reference == 0 && !(a.given & F_STEPS) &&
                    !strcmp(a.workloads, "small,op_relu,,filters"),
                "bench flags; prefixes and empty items in --workload");
    cli_free(&a);
    usage_case("bench --workload nonesuch", "unknown workload 'nonesuch'");
    usage_case("bench --workload small,nonesuch", "unknown workload 'nonesuch'");
    usage_case("bench --steps 0", "--steps: expected an integer in 1..100000");
    usage_case("bench --class 3", "unknown option '--class' for 'bench'");
    /* the explanation workloads' options (scorecam, smoothgrad, ig) */
    a = run_case("bench --workload scorecam,smoothgrad,ig --explain-model m.onnx --layer c2 "
                 "--batch 16 --samples 8 --ig-steps 12");
    test_checkf(a.explain_model && !strcmp(a.explain_model, "m.onnx") && a.layer &&
                    !strcmp(a.layer, "c2") && a.batch == 16 && a.samples == 8 &&
                    a.ig_steps == 12 && (a.given & F_IG_STEPS),
                "bench --explain-model, --layer, --batch, --samples, --ig-steps");
    cli_free(&a);
    usage_case("bench --ig-steps 0", "--ig-steps: expected an integer in 1..100000");
    usage_case("bench --batch 0", "--batch: expected an integer in 1..4096");
    usage_case("saliency --ig-steps 3 x.jpg", "unknown option '--ig-steps' for 'saliency'");
    usage_case("bench x", "unexpected argument 'x'");
    long_case("bench --workload ", 200, "", "unknown workload");

    /* class labels: TSV with a header, wnid + name, one name per line; bad files */
    char dir[] = "/tmp/clvis_test_labels_XXXXXX", path[256];
    if (mkdtemp(dir)) {
        static const struct {
            const char *text;
            int n;
            const char *wnid1, *name1, *err;
        } cases[] = {
            {"index\twnid\tname\n0\tn01\ttench\n1\tn02\tgoldfish\n", 2, "n02", "goldfish", NULL},
            {"n01\ttench\r\nn02\tgold fish\r\n", 2, "n02", "gold fish", NULL},
            {"cat\ndog\n", 2, "", "dog", NULL},
            {"0\tn01\ttench\n2\tn02\tgoldfish\n", 0, NULL, NULL, ":2: expected index 1"},
            {"", 0, NULL, NULL, "no labels"},
        };
        snprintf(path, sizeof path, "%s/labels.tsv", dir);
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            FILE *f = fopen(path, "w");
            if (f) {
                fputs(cases[i].text, f);
                fclose(f);
            }
            labels lab;
            msg[0] = 0;
            clvis_status st = labels_load(path, &lab, msg, sizeof msg);
            if (cases[i].err)
                test_checkf(st == CLVIS_ERR_FORMAT && strstr(msg, cases[i].err) && lab.n == 0,
                            "labels case %zu refused: %s", i, msg);
            else
                test_checkf(!st && lab.n == cases[i].n &&
                                !strcmp(labels_wnid(&lab, 1), cases[i].wnid1) &&
                                !strcmp(labels_name(&lab, 1), cases[i].name1) &&
                                !labels_name(&lab, 2) && !strcmp(labels_wnid(&lab, 5), ""),
                            "labels case %zu: %d labels, [1] = '%s' '%s'", i, lab.n,
                            lab.n > 1 ? lab.wnid[1] : "", lab.n > 1 ? lab.name[1] : "");
            labels_free(&lab);
        }
        unlink(path);
        labels lab;
        test_checkf(labels_load(path, &lab, msg, sizeof msg) == CLVIS_ERR_IO &&
                        strstr(msg, "cannot open labels file"),
                    "missing labels file: %s", msg);
        rmdir(dir);
    }

    /* data files: $CLVIS_DATA_DIR first, in the installed layout */
    const char *old_data = getenv("CLVIS_DATA_DIR");
    char keep[1024] = "", dpath[1200];
    if (old_data)
        snprintf(keep, sizeof keep, "%s", old_data);
    setenv("CLVIS_DATA_DIR", "/opt/x/share/clvis", 1);
    test_checkf(data_path(DATA_LABELS, DATA_LABELS_SRC, dpath, sizeof dpath) == 0 &&
                    !strcmp(dpath, "/opt/x/share/clvis/imagenet_classes.tsv"),
                "CLVIS_DATA_DIR: labels at %s", dpath);
    test_checkf(data_path(DATA_MODEL, DATA_MODEL_SRC, dpath, sizeof dpath) == 0 &&
                    !strcmp(dpath, "/opt/x/share/clvis/models/mobilenet_v2.h5"),
                "CLVIS_DATA_DIR: model at %s", dpath);
    unsetenv("CLVIS_DATA_DIR");
    /* this test runs from the build dir, without share/clvis next to it: the source tree */
    char ddir[1024];
    const char *from = data_dir(ddir, sizeof ddir);
    test_checkf(from && !strcmp(from, "build") &&
                    data_path(DATA_LABELS, DATA_LABELS_SRC, dpath, sizeof dpath) == 0 &&
                    access(dpath, R_OK) == 0 && strstr(dpath, "/data/imagenet_classes.tsv"),
                "inside the build dir: the source tree (%s: %s)", from ? from : "none", dpath);
    if (old_data)
        setenv("CLVIS_DATA_DIR", keep, 1);

    /* layer lists need a model (and so a device) */
    clvis_ctx *ctx = NULL;
    clvis_model *m = NULL;
    if (clvis_ctx_create(NULL, &ctx) == CLVIS_OK &&
        clvis_model_load(ctx, TEST_KERAS_DIR "/small_convnet.h5", NULL, &m) == CLVIS_OK) {
        int *ids = NULL, n = 0;
        const char *first = clvis_model_layer_name(m, 0), *second = clvis_model_layer_name(m, 1);
        char list[600];
        snprintf(list, sizeof list, " %s , ,%s,", second, first);
        test_checkf(cli_layer_list(m, list, &ids, &n, msg, sizeof msg) == 0 && n == 2 &&
                        ids[0] == 1 && ids[1] == 0,
                    "layer list '%s': blanks and empty items skipped, order kept", list);
        free(ids);
        test_checkf(cli_layer_list(m, "conv9", &ids, &n, msg, sizeof msg) == 1 && !ids &&
                        strstr(msg, "conv9") && strstr(msg, first),
                    "unknown layer: message names it and the valid ones (%s)", msg);
        test_checkf(cli_layer_list(m, " ,, ", &ids, &n, msg, sizeof msg) == 1 &&
                        strstr(msg, "no layer names"),
                    "only commas: no layer names given");
        /* fuzz_cli finding: an item with leading blanks made the scan skip past the end */
        test_checkf(cli_layer_list(m, "\r\r\r", &ids, &n, msg, sizeof msg) == 1 &&
                        strstr(msg, "no layer names"),
                    "blank-only item at the end (was a heap over-read)");
        snprintf(list, sizeof list, "%s,  \t%s", first, second);
        test_checkf(cli_layer_list(m, list, &ids, &n, msg, sizeof msg) == 0 && n == 2 &&
                        ids[1] == 1,
                    "last item with leading blanks: '%s'", list);
        free(ids);
        memset(list, 'x', 400);
        list[400] = 0;
        test_checkf(cli_layer_list(m, list, &ids, &n, msg, sizeof msg) == 1 && strlen(msg) < 200,
                    "a 400-character name: refused, message bounded");
    } else {
        printf("SKIP layer lists: %s\n", clvis_last_error());
        if (getenv("CLVIS_REQUIRE_DEVICE") && strcmp(getenv("CLVIS_REQUIRE_DEVICE"), "0"))
            test_fail("layer lists", "no device / model");
    }
    clvis_model_destroy(m);
    clvis_ctx_destroy(ctx);

    printf("%d passed, %d failed\n", tu_passed, tu_failed);
    return tu_failed ? 1 : 0;
}
