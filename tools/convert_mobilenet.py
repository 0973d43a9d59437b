#!/usr/bin/env python3
"""Convert google-coral's uint8 MobileNetV2 (.tflite) into a Keras 2 legacy HDF5 model.

Run with a Python that has tensorflow (2.x), tf_keras (Keras 2 API), h5py, numpy, Pillow:

    python tools/convert_mobilenet.py [--data DIR] [--out-model models/mobilenet_v2.h5]
                                      [--out-expected tests/data/mobilenet/expected.h5]

Steps
 1. Read every constant tensor of the .tflite and dequantise it: real = scale * (q - zero_point),
    per channel along `quantized_dimension` when a tensor has several scales (int32 biases carry
    their own scale = input_scale * weight_scale).
 2. Build tf_keras.applications.MobileNetV2(alpha=1.0, 224x224, weights=None, classes=1000) and
    copy the weights into it, op by op (CONV_2D / DEPTHWISE_CONV_2D in graph order <-> Conv2D /
    DepthwiseConv2D in Keras layer order). The TFLite graph has batch norm folded into the conv,
    so each Keras BatchNormalization after a conv becomes an identity plus bias:
    gamma=1, beta=folded bias, moving_mean=0, moving_variance=1-eps (eps=1e-3), so that
    (x-0)/sqrt(1-eps+eps)*1+beta = x+beta.  The 1001-way logits conv (row 0 = "background")
    becomes Dense(1000) with row 0 dropped, so output i = ImageNet class i in Keras order.
    Input: TFLite expects x = (p-128)/128.  The shipped model expects Keras's standard
    MobileNetV2 preprocessing ('tf' mode, x = p/127.5 - 1): the affine map between the two
    (x_lite = a*x_tf + b, a = 127.5/128, b = -0.5/128) is folded into Conv1 (kernel *= a,
    bias += b * sum(kernel)).  This is exact except for the zero-padded bottom row/right column
    of Conv1 (TF SAME padding on 224 with stride 2 pads (0,1)), where the padded value now means
    p = 127.5 instead of p = 128 -- a difference of 0.0039 * w on border outputs only.
 3. Verify top-1 agreement TFLite (quantised, uint8 input) vs Keras float on every sample photo.
 4. Save the model as Keras 2 legacy HDF5 (no optimizer), rewrite all weight datasets under
    /model_weights as float16, reload and re-verify.
 5. Write tests/data/mobilenet/expected.h5 (top-5 per photo, Grad-CAM heatmaps, resized pixels).
"""
import argparse
import os
import sys

import h5py
import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402
import tf_keras as keras  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
EPS = 1e-3  # BatchNormalization epsilon used by Keras MobileNetV2

EXPECTED_TOP1 = {  # from shared/data/SOURCES.md (wnid-free names, Keras order)
    "parrot.jpg": ["macaw"],
    "cat_chelsea.png": ["Egyptian_cat"],
    "coffee.png": ["espresso"],
    "elephants_small.jpg": ["tusker", "African_elephant", "Indian_elephant"],
}


def find_data_dir(arg):
    cands = [arg] if arg else []
    cands += [os.path.join(ROOT, "..", "shared", "data"), "/work/shared/data"]
    for c in cands:
        if c and os.path.isfile(os.path.join(c, "models", "mobilenet_v2_1.0_224_quant.tflite")):
            return os.path.abspath(c)
    sys.exit("cannot find shared/data (pass --data)")


def dequantize(it, idx):
    det = [d for d in it.get_tensor_details() if d["index"] == idx][0]
    q = it.get_tensor(idx).astype(np.float64)
    qp = det["quantization_parameters"]
    scales = np.asarray(qp["scales"], np.float64)
    zps = np.asarray(qp["zero_points"], np.float64)
    if scales.size == 0:
        return q.astype(np.float32)
    if scales.size == 1:
        return (scales[0] * (q - zps[0])).astype(np.float32)
    dim = qp["quantized_dimension"]
    shp = [1] * q.ndim
    shp[dim] = -1
    return (scales.reshape(shp) * (q - zps.reshape(shp))).astype(np.float32)


def tensor_scale(it, idx):
    det = [d for d in it.get_tensor_details() if d["index"] == idx][0]
    return np.asarray(det["quantization_parameters"]["scales"], np.float64)


def make_interpreter(path):
    try:
        rt = tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
        it = tf.lite.Interpreter(model_path=path, experimental_op_resolver_type=rt)
    except Exception:  # older TF
        it = tf.lite.Interpreter(model_path=path)
    it.allocate_tensors()
    return it


def build_keras(it, fold_tf_preprocessing=True):
    ops = it._get_ops_details()
    conv_ops = [o for o in ops if o["op_name"] in ("CONV_2D", "DEPTHWISE_CONV_2D")]
    logits_op = conv_ops[-1]  # 1x1 conv on the 1x1x1280 average pool: the classifier
    conv_ops = conv_ops[:-1]
    assert any(o["op_name"] == "AVERAGE_POOL_2D" for o in ops)

    model = keras.applications.MobileNetV2(alpha=1.0, input_shape=(224, 224, 3),
                                           weights=None, classes=1000)
    klayers = [l for l in model.layers
               if isinstance(l, (keras.layers.Conv2D, keras.layers.DepthwiseConv2D))]
    assert len(klayers) == len(conv_ops), (len(klayers), len(conv_ops))

    max_bias_scale_err = 0.0
    for op, kl in zip(conv_ops, klayers):
        x_idx, w_idx, b_idx = [int(i) for i in op["inputs"]]
        w = dequantize(it, w_idx)
        b = dequantize(it, b_idx).astype(np.float64)
        # int32 bias scale should be input_scale * weight_scale
        exp_bs = tensor_scale(it, x_idx)[0] * tensor_scale(it, w_idx)
        got_bs = tensor_scale(it, b_idx)
        max_bias_scale_err = max(max_bias_scale_err,
                                 float(np.max(np.abs(got_bs / exp_bs - 1.0))))
        is_dw = op["op_name"] == "DEPTHWISE_CONV_2D"
        assert is_dw == isinstance(kl, keras.layers.DepthwiseConv2D), kl.name
        if is_dw:  # TFLite [1, kh, kw, C*mult] -> Keras [kh, kw, C, mult]; mult = 1 here
            kh, kw, c = w.shape[1], w.shape[2], w.shape[3]
            k = w.reshape(kh, kw, c, 1)
        else:      # TFLite [out, kh, kw, in] -> Keras [kh, kw, in, out]
            k = np.transpose(w, (1, 2, 3, 0))
        k = k.astype(np.float64)
        if kl.name == "Conv1" and fold_tf_preprocessing:
            a, bb = 127.5 / 128.0, 127.5 / 128.0 - 1.0
            b = b + bb * k.sum(axis=(0, 1, 2))
            k = k * a
        assert tuple(kl.weights[0].shape) == k.shape, (kl.name, kl.weights[0].shape, k.shape)
        kl.set_weights([k.astype(np.float32)])
        # the BatchNormalization right after this conv
        li = model.layers.index(kl)
        bn = model.layers[li + 1]
        assert isinstance(bn, keras.layers.BatchNormalization), bn.name
        assert abs(bn.epsilon - EPS) < 1e-12
        n = b.shape[0]
        bn.set_weights([np.ones(n, np.float32), b.astype(np.float32),
                        np.zeros(n, np.float32), np.full(n, 1.0 - EPS, np.float32)])

    x_idx, w_idx, b_idx = [int(i) for i in logits_op["inputs"]]
    w = dequantize(it, w_idx)  # [1001, 1, 1, 1280]
    b = dequantize(it, b_idx)  # [1001]
    assert w.shape == (1001, 1, 1, 1280), w.shape
    dense = model.get_layer("predictions")
    dense.set_weights([w[1:, 0, 0, :].T.copy(), b[1:].copy()])
    print(f"mapped {len(klayers)} conv layers + Dense; max |bias_scale/(in_scale*w_scale)-1| "
          f"= {max_bias_scale_err:.2e}")
    return model


def load_photo(path):
    # Keras load_img: convert to RGB, resize to target with PIL NEAREST
    img = keras.utils.load_img(path, target_size=(224, 224))
    return np.asarray(img, dtype=np.uint8)


def tflite_predict(it, u8):
    inp = it.get_input_details()[0]
    out = it.get_output_details()[0]
    it.set_tensor(inp["index"], u8[None])
    it.invoke()
    q = it.get_tensor(out["index"])[0].astype(np.float64)
    s, z = out["quantization"]
    p = s * (q - z)
    return p[1:]  # drop background -> Keras class order


def pre_tf(u8):
    return u8.astype(np.float32) / 127.5 - 1.0


def pre_lite(u8):
    return (u8.astype(np.float32) - 128.0) / 128.0


def top(p, k):
    i = np.argsort(-p, kind="stable")[:k]
    return i, p[i]


def fmt(p, names, k=3):
    i, v = top(p, k)
    return ", ".join(f"{names[j]} {v_:.3f}" for j, v_ in zip(i, v))


def gradcam(model, x, class_idx, layer="out_relu"):
    """DLwP 5.4.3: grads of prob[class] wrt the last conv feature map, channel-mean-pooled,
    weighted mean over channels, ReLU, normalised to max 1."""
    gm = keras.Model(model.inputs, [model.get_layer(layer).output, model.output])
    with tf.GradientTape() as tape:  # a is computed under the tape, so d y / d a works
        a, p = gm(tf.constant(x[None]))
        y = p[:, class_idx]
    g = tape.gradient(y, a)
    a = a.numpy()[0].astype(np.float64)
    g = g.numpy()[0].astype(np.float64)
    pooled = g.mean(axis=(0, 1))
    raw = (a * pooled).mean(axis=-1)
    heat = np.maximum(raw, 0)
    if heat.max() > 0:
        heat = heat / heat.max()
    return heat.astype(np.float32), raw.astype(np.float32), pooled.astype(np.float32)


def to_float16(path):
    """Rewrite every float weight dataset under /model_weights as float16 (attributes kept).
    Written into a fresh file so the space of the float32 data is really given back."""
    tmp = path + ".tmp"
    n = [0]

    def copy_attrs(src, dst):
        for k, v in src.attrs.items():
            dst.attrs[k] = v

    def walk(src, dst, conv):
        copy_attrs(src, dst)
        for name, obj in src.items():
            if isinstance(obj, h5py.Group):
                walk(obj, dst.create_group(name), conv)
            else:
                data = obj[()]
                if conv and obj.dtype.kind == "f":
                    data = data.astype(np.float16)
                    n[0] += 1
                ds = dst.create_dataset(name, data=data)
                copy_attrs(obj, ds)

    with h5py.File(path, "r") as fs, h5py.File(tmp, "w") as fd:
        copy_attrs(fs, fd)
        for name, obj in fs.items():
            if isinstance(obj, h5py.Group):
                walk(obj, fd.create_group(name), name == "model_weights")
            else:
                fs.copy(obj, fd, name)
    os.replace(tmp, path)
    return n[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=None)
    ap.add_argument("--out-model", default=os.path.join(ROOT, "models", "mobilenet_v2.h5"))
    ap.add_argument("--out-expected",
                    default=os.path.join(ROOT, "tests", "data", "mobilenet", "expected.h5"))
    args = ap.parse_args()
    data = find_data_dir(args.data)
    tfl_path = os.path.join(data, "models", "mobilenet_v2_1.0_224_quant.tflite")

    # class names, Keras order; check against coral labels (line 0 = background)
    rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(data, "imagenet_classes.tsv"))][1:]
    names = [r[2] for r in rows]
    assert len(names) == 1000 and [int(r[0]) for r in rows] == list(range(1000))
    coral = [l.rstrip("\n") for l in open(os.path.join(data, "models", "coral_imagenet_labels.txt"))]
    assert coral[0] == "background" and len(coral) == 1001
    mism = [i for i in range(1000)
            if names[i].replace("_", " ").lower() not in coral[i + 1].lower()
            and names[i].replace("_", "-").lower() not in coral[i + 1].lower()
            and names[i].replace("_", " ").lower() not in coral[i + 1].replace("-", " ").lower()]
    print(f"label check: {1000 - len(mism)}/1000 Keras names found in coral line i+1"
          + (f"; unmatched (check by eye): {[(names[i], coral[i + 1]) for i in mism[:8]]}"
             if mism else ""))

    it = make_interpreter(tfl_path)
    model = build_keras(it, fold_tf_preprocessing=True)
    model_nofold = build_keras(it, fold_tf_preprocessing=False)

    img_dir = os.path.join(data, "images")
    photos = sorted(os.listdir(img_dir))
    u8s = {p: load_photo(os.path.join(img_dir, p)) for p in photos}

    print("\n== TFLite (uint8) vs Keras float32 (fold, 'tf' preprocessing) ==")
    ok = True
    maxdiff_fold = maxdiff_tfonly = maxdiff_exact = 0.0
    for p in photos:
        u8 = u8s[p]
        pl = tflite_predict(it, u8)
        pk = model.predict(pre_tf(u8)[None], verbose=0)[0]
        pk_exact = model_nofold.predict(pre_lite(u8)[None], verbose=0)[0]
        pk_tfonly = model_nofold.predict(pre_tf(u8)[None], verbose=0)[0]
        t1 = int(np.argmax(pk))
        same = int(np.argmax(pl)) == t1
        ok &= same
        print(f"{p:20s} tflite: {fmt(pl, names)}")
        print(f"{'':20s} keras : {fmt(pk, names)}  {'OK' if same else 'TOP-1 MISMATCH'}")
        maxdiff_fold = max(maxdiff_fold, abs(pk[t1] - pk_exact[t1]))
        maxdiff_tfonly = max(maxdiff_tfonly, abs(pk_tfonly[t1] - pk_exact[t1]))
        maxdiff_exact = max(maxdiff_exact, float(np.max(np.abs(pk - pk_exact))))
        if p in EXPECTED_TOP1:
            assert names[t1] == EXPECTED_TOP1[p][0] or names[t1] in EXPECTED_TOP1[p], (p, names[t1])
    print(f"\npreprocessing: top-1 prob |fold+'tf' - exact (p-128)/128| max = {maxdiff_fold:.2e} "
          f"(max over all 1000 probs {maxdiff_exact:.2e}); "
          f"unfolded weights + 'tf' vs exact: {maxdiff_tfonly:.2e}")
    assert ok, "top-1 mismatch TFLite vs Keras"

    # ---- save, float16, reload, verify
    os.makedirs(os.path.dirname(args.out_model), exist_ok=True)
    if os.path.exists(args.out_model):
        os.remove(args.out_model)
    model.save(args.out_model, save_format="h5", include_optimizer=False)
    n16 = to_float16(args.out_model)
    print(f"\nsaved {args.out_model}: {n16} datasets -> float16, "
          f"{os.path.getsize(args.out_model) / 1e6:.2f} MB")
    m16 = keras.models.load_model(args.out_model, compile=False)
    with h5py.File(args.out_model, "r") as f:
        dts = set()
        f["model_weights"].visititems(
            lambda n, o: dts.add(str(o.dtype)) if isinstance(o, h5py.Dataset) else None)
        print(f"weight dataset dtypes: {sorted(dts)}; keras_version={f.attrs.get('keras_version')}, "
              f"backend={f.attrs.get('backend')}, has optimizer: {'optimizer_weights' in f}")

    print("\n== TFLite vs reloaded float16 model ==")
    res = {}
    for p in photos:
        u8 = u8s[p]
        pl = tflite_predict(it, u8)
        pk = m16.predict(pre_tf(u8)[None], verbose=0)[0]
        pf = model.predict(pre_tf(u8)[None], verbose=0)[0]
        same = int(np.argmax(pl)) == int(np.argmax(pk))
        print(f"{p:20s} f16 : {fmt(pk, names)}  {'OK' if same else 'TOP-1 MISMATCH'}  "
              f"(max|f16-f32| {np.max(np.abs(pk - pf)):.1e})")
        assert same, p
        res[p] = pk

    # ---- expected.h5 for the C tests
    os.makedirs(os.path.dirname(args.out_expected), exist_ok=True)
    with h5py.File(args.out_expected, "w") as f:
        f.attrs["model"] = "models/mobilenet_v2.h5 (float16 weights), Keras MobileNetV2 alpha 1.0"
        f.attrs["preprocessing"] = "tf: x = p/127.5 - 1 (RGB), Keras mobilenet_v2.preprocess_input"
        f.attrs["resize"] = "PIL NEAREST to 224x224 after convert('RGB') (Keras load_img default)"
        f.attrs["gradcam"] = ("DLwP 5.4.3: A = output of layer 'out_relu' (7x7x1280, Conv_1 -> "
                              "Conv_1_bn -> ReLU(6)); g = d prob[top1] / dA (prob = softmax "
                              "output); w_c = mean_ij g; raw = mean_c A*w_c; heatmap = "
                              "max(raw,0)/max(max(raw,0))")
        for p in photos:
            u8 = u8s[p]
            g = f.create_group(p)
            i5, v5 = top(res[p], 5)
            g["top5_index"] = i5.astype(np.int32)
            g["top5_prob"] = v5.astype(np.float32)
            g.attrs["top5_names"] = ", ".join(names[i] for i in i5)
            if p in ("cat_chelsea.png", "parrot.jpg"):
                g.create_dataset("resized_uint8", data=u8, compression="gzip", compression_opts=9)
                heat, raw, pooled = gradcam(m16, pre_tf(u8), int(i5[0]))
                g["gradcam_heatmap"] = heat
                g["gradcam_raw"] = raw
                g["gradcam_pooled_grads"] = pooled
                g["gradcam_class"] = np.int32(i5[0])
                feat = keras.Model(m16.inputs, m16.get_layer("out_relu").output)
                a = feat.predict(pre_tf(u8)[None], verbose=0)[0]
                g["out_relu_channel_mean"] = a.mean(axis=(0, 1)).astype(np.float32)
                print(f"grad-cam {p} class {names[i5[0]]}:\n{np.array2string(heat, precision=2)}")
    print(f"saved {args.out_expected}: {os.path.getsize(args.out_expected) / 1e3:.1f} kB")

    notice = os.path.join(os.path.dirname(args.out_model), "NOTICE.md")
    with open(notice, "w") as f:
        f.write(
            "# models/: origin and terms\n\n"
            "| file | origin | terms |\n|---|---|---|\n"
            "| mobilenet_v2.h5 | google-coral/test_data @104342d (GitHub), "
            "mobilenet_v2_1.0_224_quant.tflite (uint8-quantised MobileNetV2 alpha 1.0, 224x224, "
            "ImageNet) | Apache-2.0 |\n\n"
            "What was done: the .tflite weights were dequantised (real = scale * (q - zero_point)) "
            "and mapped onto the Keras `MobileNetV2(alpha=1.0)` architecture and layer names by "
            "`tools/convert_mobilenet.py`; batch norm is folded into the conv weights "
            "(each BatchNormalization is gamma=1, beta=folded bias, mean=0, var=1-eps); the "
            "TFLite input scaling (p-128)/128 is folded into Conv1 so the model takes Keras's "
            "standard MobileNetV2 'tf' preprocessing x = p/127.5 - 1; weights stored as float16. "
            "Saved as a Keras 2 legacy HDF5 full model (no optimizer).\n\n"
            "Class index: output i is ImageNet class i in Keras `decode_predictions` order "
            "(the TFLite model's 1001 outputs with output 0 = 'background' dropped; labels from "
            "google-coral/test_data imagenet_labels.txt, Apache-2.0, checked against the 1000 "
            "ILSVRC-2012 classes in Keras order).\n")
    print(f"wrote {notice}")


if __name__ == "__main__":
    main()
