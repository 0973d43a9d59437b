#!/usr/bin/env python3
"""Check models/mobilenet_v2.onnx against the Keras file it came from, on every sample photo.

    .venv-torch/bin/python tools/check_mobilenet_onnx.py [--onnx models/mobilenet_v2.onnx]
        [--samples samples] [--expected tests/data/mobilenet/expected.h5] [--keras]

Reference: tests/data/mobilenet/expected.h5 (written by tools/convert_mobilenet.py with
TF/tf_keras from models/mobilenet_v2.h5: top-5 per photo, and for some photos the resized
224x224 pixels). The photo is loaded as Keras load_img does (PIL convert('RGB'), resize to
224x224 NEAREST), x = p/127.5 - 1, NCHW, and run with onnxruntime. Pass: the same top-3
classes in the same order on every photo (and top-5 probabilities within 1e-3 absolute;
the Keras side computed in float32 from the same float16 weights).
With --keras (needs tensorflow + tf_keras, e.g. the .venv of tools/fixtures/setup_venv.sh
plus onnxruntime) the .h5 is also run directly and the whole probability vectors compared.
Exit status 0 when every photo passes.
"""
import argparse
import os
import sys

import h5py
import numpy as np
import onnx
import onnxruntime as ort
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
EXTS = (".jpg", ".jpeg", ".png")


def load_keras_style(path):
    img = Image.open(path).convert("RGB").resize((224, 224), Image.NEAREST)
    return np.asarray(img, dtype=np.uint8)


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--onnx", default=os.path.join(ROOT, "models", "mobilenet_v2.onnx"))
    ap.add_argument("--h5", default=os.path.join(ROOT, "models", "mobilenet_v2.h5"))
    ap.add_argument("--samples", default=os.path.join(ROOT, "samples"))
    ap.add_argument("--expected", default=os.path.join(ROOT, "tests", "data", "mobilenet", "expected.h5"))
    ap.add_argument("--keras", action="store_true")
    a = ap.parse_args(argv)

    model = onnx.load(a.onnx)
    props = {p.key: p.value for p in model.metadata_props}
    for k, v in (("clvis.preprocess", "tf"), ("clvis.input_layout", "NCHW")):
        if props.get(k) != v:
            print(f"FAIL metadata {k} = {props.get(k)!r}, want {v!r}")
            return 1
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(a.onnx, so, providers=["CPUExecutionProvider"])
    iname = sess.get_inputs()[0].name
    km = None
    if a.keras:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import tf_keras
        km = tf_keras.models.load_model(a.h5, compile=False)

    exp = h5py.File(a.expected, "r")
    photos = sorted(f for f in os.listdir(a.samples) if f.lower().endswith(EXTS))
    failed = 0
    print(f"{'photo':22s} {'onnx top-3':52s} {'keras top-3 (expected.h5)':52s} same  max|dp| top5")
    for ph in photos:
        u8 = load_keras_style(os.path.join(a.samples, ph))
        g = exp.get(ph)
        if g is None:
            print(f"FAIL {ph}: not in {a.expected}")
            failed += 1
            continue
        if "resized_uint8" in g and not np.array_equal(g["resized_uint8"][()], u8):
            print(f"FAIL {ph}: resized pixels differ from expected.h5's")
            failed += 1
            continue
        x = (u8.astype(np.float32) / 127.5 - 1.0).transpose(2, 0, 1)[None]
        p = sess.run(None, {iname: x})[0][0]
        top = np.argsort(-p, kind="stable")[:5]
        ki = g["top5_index"][()]
        kp = g["top5_prob"][()]
        names = [n.strip() for n in g.attrs["top5_names"].split(",")]
        same = list(top[:3]) == list(ki[:3])
        dp = float(np.max(np.abs(p[ki] - kp)))
        ok = same and dp <= 1e-3
        if km is not None:
            pk = km.predict(x.transpose(0, 2, 3, 1), verbose=0)[0]
            dk = float(np.max(np.abs(pk - p)))
            ok = ok and dk <= 1e-3
            extra = f"  keras-run max|dp| all {dk:.1e}"
        else:
            extra = ""
        on = ", ".join(f"{i}:{p[i]:.3f}" for i in top[:3])
        kn = ", ".join(f"{i}:{v:.3f} {n}" for i, v, n in zip(ki[:3], kp[:3], names[:3]))
        print(f"{ph:22s} {on:52s} {kn:52s} {'y' if same else 'n':4s}  {dp:.1e}{extra}")
        failed += not ok
    print(f"{len(photos) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
