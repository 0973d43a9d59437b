#!/usr/bin/env python3
"""Convert a Keras 2 legacy HDF5 convnet (models/mobilenet_v2.h5) to ONNX, NCHW.

Reads the HDF5 with h5py (the `model_config` JSON and /model_weights) and writes the
graph with onnx.helper: no TensorFlow needed. Run with the fixtures venv:

    tools/fixtures/setup_torch_venv.sh .venv-torch
    .venv-torch/bin/python tools/keras_to_onnx.py [IN.h5] [OUT.onnx] [--float32] [--opset N]
    (defaults: models/mobilenet_v2.h5 -> models/mobilenet_v2.onnx, opset 13)
    .venv-torch/bin/python tools/check_mobilenet_onnx.py   # same top-3 as the Keras file

Mapping (one ONNX node per Keras layer, node name = Keras layer name, node output =
Keras layer name, so `--layer out_relu` names the same tensor in both files):
  InputLayer               graph input `input_1`, float32 [batch, 3, H, W] (NCHW; dim 0 dynamic)
  Conv2D                   Conv, W = kernel.transpose(3,2,0,1); padding 'same' becomes explicit
                           TF SAME pads (total = max((ceil(in/s)-1)*s + (k-1)*d + 1 - in, 0),
                           before = total//2, after = the rest: asymmetric for even sizes)
  DepthwiseConv2D          Conv with group = C, W[c*m + j, 0] = kernel[:, :, c, j]
  BatchNormalization       BatchNormalization (inference), epsilon from the config
  ReLU(max_value=6)        Clip(min 0, max 6); ReLU without max_value: Relu
  ZeroPadding2D            Pad (constant 0), pads an int64 initializer
  Add                      Add
  GlobalAveragePooling2D   GlobalAveragePool + Flatten (node `<name>/flatten`; `<name>` is the 2-D tensor)
  Dense                    Gemm (transB=0, B = Keras kernel [in, out]) -> tensor `<name>/logits`
                           (or `<name>` if linear), then Softmax (node `<name>/softmax`) -> `<name>`
Weights: the HDF5's float16 values are stored as FLOAT16 initializers (named
`<layer>/<weight>`), each followed by a Cast(to=FLOAT) node `<layer>/<weight>/cast` whose output
`<layer>/<weight>/f32` the layer node reads (ONNX wants one type per op); --float32 stores
FLOAT initializers instead (twice the size, no Cast nodes).
metadata_props: clvis.preprocess = tf (x = p/127.5 - 1 on RGB in 0..255), clvis.input_layout =
NCHW, clvis.color = RGB, clvis.classes, clvis.source, clvis.converter.
"""
import argparse
import json
import math
import os
import sys

import h5py
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def tf_same_pads(n, k, s, d):
    """TF 'SAME' padding along one axis: (before, after)."""
    keff = (k - 1) * d + 1
    out = math.ceil(n / s)
    total = max((out - 1) * s + keff - n, 0)
    return total // 2, total - total // 2


class Converter:
    def __init__(self, h5, float32, opset):
        self.f = h5
        self.float32 = float32
        self.opset = opset
        self.nodes, self.inits = [], []
        self.shape = {}  # tensor -> (C, H, W)
        cfg = json.loads(self.f.attrs["model_config"])
        self.model_name = cfg["config"].get("name", "model")
        self.layers = cfg["config"]["layers"]
        self.w = self.f["model_weights"]

    def weight(self, layer, wname):
        g = self.w[layer]
        found = []
        g.visititems(lambda n, o: found.append(o) if isinstance(o, h5py.Dataset)
                     and n.split("/")[-1].split(":")[0] == wname else None)
        if not found:
            return None
        return np.asarray(found[0][()])

    def add_init(self, name, arr, cast=True):
        """A weight initializer; fp16 unless --float32; returns the float32 tensor name."""
        arr = np.asarray(arr)
        if self.float32 or not cast:
            self.inits.append(numpy_helper.from_array(arr.astype(np.float32), name))
            return name
        self.inits.append(numpy_helper.from_array(arr.astype(np.float16), name))
        self.nodes.append(helper.make_node("Cast", [name], [name + "/f32"], name=name + "/cast",
                                           to=TensorProto.FLOAT))
        return name + "/f32"

    def add_const(self, name, arr):
        self.inits.append(numpy_helper.from_array(arr, name))
        return name

    def run(self):
        inputs, outputs = [], []
        for L in self.layers:
            cls, c, name = L["class_name"], L["config"], L["config"]["name"]
            ins = [i[0] for i in L["inbound_nodes"][0]] if L["inbound_nodes"] else []
            fn = getattr(self, "op_" + cls, None)
            if fn is None and cls != "InputLayer":
                sys.exit(f"keras_to_onnx: layer {name}: {cls} is not supported")
            if cls == "InputLayer":
                shp = c["batch_input_shape"]
                H, W, C = shp[1], shp[2], shp[3]
                inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT,
                                                            ["batch", C, H, W]))
                self.shape[name] = (C, H, W)
                continue
            act = c.get("activation", "linear")
            fn(name, c, ins)
            if cls in ("Conv2D", "DepthwiseConv2D") and act != "linear":
                sys.exit(f"keras_to_onnx: layer {name}: fused activation {act} not supported")
            last = name
        outputs.append(helper.make_tensor_value_info(last, TensorProto.FLOAT,
                                                     ["batch", self.shape[last][0]]))
        graph = helper.make_graph(self.nodes, self.model_name, inputs, outputs, self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", self.opset)],
                                  producer_name="clvis tools/keras_to_onnx.py",
                                  producer_version="1")
        model.ir_version = 8
        return model

    # --- layers -----------------------------------------------------------
    def _conv(self, name, c, ins, k, depthwise):
        x = ins[0]
        C, H, W = self.shape[x]
        kh, kw = c["kernel_size"]
        sh, sw = c["strides"]
        dh, dw = c["dilation_rate"]
        if c.get("data_format", "channels_last") != "channels_last":
            sys.exit(f"keras_to_onnx: layer {name}: data_format {c['data_format']}")
        if c["padding"] == "same":
            (pt, pb), (pl, pr) = tf_same_pads(H, kh, sh, dh), tf_same_pads(W, kw, sw, dw)
        elif c["padding"] == "valid":
            pt = pb = pl = pr = 0
        else:
            sys.exit(f"keras_to_onnx: layer {name}: padding {c['padding']}")
        if depthwise:
            m = c["depth_multiplier"]
            wk = k.transpose(2, 3, 0, 1).reshape(C * m, 1, kh, kw)  # [C, m, kh, kw] -> [C*m, 1, ..]
            group, cout = C, C * m
        else:
            wk = k.transpose(3, 2, 0, 1)
            group, cout = 1, wk.shape[0]
        kname = "depthwise_kernel" if depthwise else "kernel"
        ins_ = [x, self.add_init(f"{name}/{kname}", wk)]
        if c.get("use_bias", False):
            ins_.append(self.add_init(f"{name}/bias", self.weight(name, "bias")))
        self.nodes.append(helper.make_node(
            "Conv", ins_, [name], name=name, kernel_shape=[kh, kw], strides=[sh, sw],
            dilations=[dh, dw], pads=[pt, pl, pb, pr], group=group))
        Ho = (H + pt + pb - ((kh - 1) * dh + 1)) // sh + 1
        Wo = (W + pl + pr - ((kw - 1) * dw + 1)) // sw + 1
        self.shape[name] = (cout, Ho, Wo)

    def op_Conv2D(self, name, c, ins):
        if c.get("groups", 1) != 1:
            sys.exit(f"keras_to_onnx: layer {name}: groups {c['groups']}")
        self._conv(name, c, ins, self.weight(name, "kernel"), False)

    def op_DepthwiseConv2D(self, name, c, ins):
        self._conv(name, c, ins, self.weight(name, "depthwise_kernel"), True)

    def op_BatchNormalization(self, name, c, ins):
        x = ins[0]
        C = self.shape[x][0]
        ax = c.get("axis", -1)
        if (ax if isinstance(ax, int) else ax[0]) not in (-1, 3):
            sys.exit(f"keras_to_onnx: layer {name}: axis {ax}")
        g = self.weight(name, "gamma")
        b = self.weight(name, "beta")
        g = np.ones(C, np.float32) if g is None else g
        b = np.zeros(C, np.float32) if b is None else b
        ins_ = [x, self.add_init(f"{name}/gamma", g), self.add_init(f"{name}/beta", b),
                self.add_init(f"{name}/moving_mean", self.weight(name, "moving_mean")),
                self.add_init(f"{name}/moving_variance", self.weight(name, "moving_variance"))]
        self.nodes.append(helper.make_node("BatchNormalization", ins_, [name], name=name,
                                           epsilon=float(c["epsilon"])))
        self.shape[name] = self.shape[x]

    def op_ReLU(self, name, c, ins):
        x = ins[0]
        if float(c.get("negative_slope", 0.0)) != 0.0 or float(c.get("threshold", 0.0)) != 0.0:
            sys.exit(f"keras_to_onnx: layer {name}: ReLU negative_slope/threshold")
        mv = c.get("max_value")
        if mv is None:
            self.nodes.append(helper.make_node("Relu", [x], [name], name=name))
        else:
            lo = self.add_const(f"{name}/min", np.array(0.0, np.float32))
            hi = self.add_const(f"{name}/max", np.array(float(mv), np.float32))
            self.nodes.append(helper.make_node("Clip", [x, lo, hi], [name], name=name))
        self.shape[name] = self.shape[x]

    def op_ZeroPadding2D(self, name, c, ins):
        x = ins[0]
        (pt, pb), (pl, pr) = c["padding"]
        pads = self.add_const(f"{name}/pads", np.array([0, 0, pt, pl, 0, 0, pb, pr], np.int64))
        self.nodes.append(helper.make_node("Pad", [x, pads], [name], name=name, mode="constant"))
        C, H, W = self.shape[x]
        self.shape[name] = (C, H + pt + pb, W + pl + pr)

    def op_Add(self, name, c, ins):
        self.nodes.append(helper.make_node("Add", ins, [name], name=name))
        self.shape[name] = self.shape[ins[0]]

    def op_GlobalAveragePooling2D(self, name, c, ins):
        x = ins[0]
        self.nodes.append(helper.make_node("GlobalAveragePool", [x], [name + "/4d"], name=name))
        self.nodes.append(helper.make_node("Flatten", [name + "/4d"], [name], name=name + "/flatten",
                                           axis=1))
        self.shape[name] = (self.shape[x][0],)

    def op_Dense(self, name, c, ins):
        x = ins[0]
        k = self.weight(name, "kernel")  # [in, out]
        act = c.get("activation", "linear")
        ins_ = [x, self.add_init(f"{name}/kernel", k)]
        if c.get("use_bias", True):
            ins_.append(self.add_init(f"{name}/bias", self.weight(name, "bias")))
        out = name if act == "linear" else name + "/logits"
        self.nodes.append(helper.make_node("Gemm", ins_, [out], name=name, transB=0))
        if act == "softmax":
            self.nodes.append(helper.make_node("Softmax", [out], [name], name=name + "/softmax",
                                               axis=1))
        elif act != "linear":
            sys.exit(f"keras_to_onnx: layer {name}: activation {act}")
        self.shape[name] = (k.shape[1],)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("inp", nargs="?", default=os.path.join(ROOT, "models", "mobilenet_v2.h5"))
    ap.add_argument("out", nargs="?", default=os.path.join(ROOT, "models", "mobilenet_v2.onnx"))
    ap.add_argument("--float32", action="store_true", help="FLOAT initializers, no Cast nodes")
    ap.add_argument("--opset", type=int, default=13)
    a = ap.parse_args(argv)
    with h5py.File(a.inp, "r") as f:
        conv = Converter(f, a.float32, a.opset)
        model = conv.run()
        kver = f.attrs.get("keras_version", b"")
        kver = kver.decode() if isinstance(kver, bytes) else str(kver)
    model.doc_string = (
        "MobileNetV2 alpha 1.0, 224x224, ImageNet: the weights of models/mobilenet_v2.h5 "
        "(google-coral/test_data mobilenet_v2_1.0_224_quant.tflite, dequantised; Apache-2.0; "
        "see models/NOTICE.md), converted to ONNX NCHW by tools/keras_to_onnx.py.")
    props = {
        "clvis.preprocess": "tf",
        "clvis.preprocess_doc": "x = p/127.5 - 1 on RGB pixels p in 0..255 (Keras mobilenet_v2.preprocess_input, 'tf' mode); resize to 224x224",
        "clvis.input_layout": "NCHW",
        "clvis.color": "RGB",
        "clvis.classes": "imagenet1000",
        "clvis.class_index": "output i = ImageNet class i in Keras decode_predictions order (the 1000 ILSVRC-2012 classes sorted by WordNet id; no background class)",
        "clvis.source": "models/mobilenet_v2.h5 (Keras %s legacy HDF5, float16 weights)" % kver,
        "clvis.converter": "tools/keras_to_onnx.py (h5py + onnx.helper; node and tensor names = Keras layer names)",
    }
    helper.set_model_props(model, props)
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, a.out)
    n_params = sum(int(np.prod(t.dims)) for t in model.graph.initializer)
    print(f"wrote {a.out}: {len(model.graph.node)} nodes, {len(model.graph.initializer)} "
          f"initializers, {n_params} values, {os.path.getsize(a.out)} bytes")


if __name__ == "__main__":
    main(sys.argv[1:])
