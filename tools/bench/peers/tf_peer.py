#!/usr/bin/env python3
"""TensorFlow CPU peer of `clvis bench`: the same workloads, printed as one JSON object.

  tf_peer.py [--workload LIST] [--runs N] [--steps N] [--threads N] [--filter-runs N]

Workloads and timing as tools/bench/peers/torch_peer.py: vgg16_b1, vgg16_b8, gradcam,
filters_block{1..4}_conv1 (64 filters, one batch, 64x64, --steps steps),
filters_seq_block{1..4}_conv1 (one filter, batch 1: the book's method; ms_x64 = x 64),
small_convnet (every layer's output as numpy). Keras models with random He-uniform weights,
each step / forward a tf.function (graph mode: TensorFlow's fast path), NHWC float32.
intra-op threads = --threads, inter-op threads = 1.
"""
import argparse
import json
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

K = tf.keras


def vgg16():
    convs = []
    for b, (n, oc) in enumerate([(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)]):
        for k in range(n):
            convs.append(K.layers.Conv2D(oc, 3, padding="same", activation="relu",
                                         kernel_initializer=K.initializers.HeUniform(seed=1),
                                         name=f"block{b + 1}_conv{k + 1}"))
        convs.append(K.layers.MaxPooling2D(2, 2, name=f"block{b + 1}_pool"))
    top = [K.layers.Flatten(name="flatten"),
           K.layers.Dense(4096, activation="relu", kernel_initializer=K.initializers.HeUniform(seed=2), name="fc1"),
           K.layers.Dense(4096, activation="relu", kernel_initializer=K.initializers.HeUniform(seed=3), name="fc2"),
           K.layers.Dense(1000, activation="softmax", name="predictions")]
    x = inp = K.Input((224, 224, 3))
    outs = {}
    for l in convs + top:
        x = l(x)
        outs[l.name] = x
    full = K.Model(inp, x)
    w = full.get_layer("predictions").get_weights()
    a = (6.0 / 4096) ** 0.5 * 0.01
    full.get_layer("predictions").set_weights([np.random.RandomState(4).uniform(-a, a, w[0].shape).astype(np.float32), w[1]])
    # the conv part again on any input size (shared layers), for the filter patterns
    x = finp = K.Input((None, None, 3))
    feats = {}
    for l in convs:
        x = l(x)
        feats[l.name] = x
    return full, outs, finp, feats


def small_convnet():
    x = inp = K.Input((150, 150, 3))
    outs = []
    for oc in (32, 64, 128, 128):
        x = K.layers.Conv2D(oc, 3, activation="relu", kernel_initializer=K.initializers.HeUniform(seed=oc))(x)
        outs.append(x)
        x = K.layers.MaxPooling2D(2)(x)
        outs.append(x)
    x = K.layers.Flatten()(x)
    outs.append(x)
    x = K.layers.Dense(512, activation="relu", kernel_initializer=K.initializers.HeUniform(seed=5))(x)
    outs.append(x)
    x = K.layers.Dense(1, activation="sigmoid")(x)
    outs.append(x)
    return K.Model(inp, outs)


def timed(fn, runs, warm=None):
    (warm or fn)()
    t = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        t.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(t), min(t)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workload", default="vgg16_b1,vgg16_b8,gradcam,filters,small_convnet")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--filter-runs", type=int, default=1)
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    tf.config.threading.set_intra_op_parallelism_threads(a.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    sel = [s for s in a.workload.split(",") if s]

    def want(name):
        return any(name == s or name.startswith(s + "_") for s in sel)

    res = {"engine": "tensorflow", "version": tf.__version__, "keras": K.__version__,
           "intra_op_threads": a.threads, "inter_op_threads": 1, "filter_steps": a.steps,
           "workloads": {}}
    W = res["workloads"]
    rng = np.random.RandomState(7)
    x8 = tf.constant(rng.uniform(-110, 110, (8, 224, 224, 3)).astype(np.float32))
    built = {}

    def get_vgg():
        if "vgg" not in built:
            built["vgg"] = vgg16()
        return built["vgg"]

    for b, name in ((1, "vgg16_b1"), (8, "vgg16_b8")):
        if want(name):
            full = get_vgg()[0]
            f = tf.function(lambda x: full(x, training=False))
            xb = x8[:b]
            ms, mn = timed(lambda: f(xb).numpy(), a.runs)
            W[name] = {"ms": ms, "ms_min": mn, "runs": a.runs}
    if want("gradcam"):
        full, outs = get_vgg()[:2]
        cam_model = K.Model(full.input, [outs["block5_conv3"], full.output])

        @tf.function
        def cam(x):
            with tf.GradientTape() as tape:
                conv, preds = cam_model(x, training=False)
                cls = tf.argmax(preds[0])
                score = preds[0, cls]
            g = tape.gradient(score, conv)
            alpha = tf.reduce_mean(g, axis=(0, 1, 2))
            m = tf.nn.relu(tf.reduce_mean(conv[0] * alpha, axis=-1))
            return m / tf.maximum(tf.reduce_max(m), 1e-12)

        x1 = x8[:1]
        ms, mn = timed(lambda: cam(x1).numpy(), a.runs)
        W["gradcam"] = {"ms": ms, "ms_min": mn, "runs": a.runs}
    for layer in ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1"):
        for seq in (False, True):
            name = ("filters_seq_" if seq else "filters_") + layer
            if not want(name):
                continue
            _, _, finp, feats = get_vgg()
            sub = K.Model(finp, feats[layer])
            nf = 1 if seq else 64

            @tf.function
            def step(x):
                with tf.GradientTape() as tape:
                    tape.watch(x)
                    m = tf.reduce_mean(sub(x, training=False), axis=(1, 2))[:, :nf]
                    loss = tf.reduce_sum(tf.linalg.diag_part(m))
                g = tape.gradient(loss, x)
                g = g / (tf.sqrt(tf.reduce_mean(tf.square(g), axis=(1, 2, 3), keepdims=True)) + 1e-5)
                return x + g

            def ascent(steps):
                rs = np.random.RandomState(0)
                x = tf.constant((rs.random_sample((nf, 64, 64, 3)) * 20 + 128).astype(np.float32))
                for _ in range(steps):
                    x = step(x)
                return x.numpy()

            runs = a.runs if seq else a.filter_runs
            ms, mn = timed(lambda: ascent(a.steps), runs, warm=lambda: ascent(1))
            W[name] = {"ms": ms, "ms_min": mn, "runs": runs, "filters": nf, "steps": a.steps}
            if seq:
                W[name]["ms_x64"] = ms * 64
    if want("small_convnet"):
        sm = small_convnet()
        f = tf.function(lambda x: sm(x, training=False))
        x = tf.constant(rng.uniform(0, 1, (1, 150, 150, 3)).astype(np.float32))
        ms, mn = timed(lambda: [o.numpy() for o in f(x)], a.runs)
        W["small_convnet"] = {"ms": ms, "ms_min": mn, "runs": a.runs}
    print(json.dumps(res))


if __name__ == "__main__":
    sys.exit(main())
