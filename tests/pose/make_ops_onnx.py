#!/usr/bin/python3
"""Writes small ONNX graphs that exercise every operator of the XNNPACK path (src/pose/xnn_network.cc),
for tests/pose/xnn_network_test.cc, which runs each on XNNPACK and on OpenCV DNN and compares.

Usage: make_ops_onnx.py KIND OUT.onnx     KIND: ops | unsupported

"ops": input [1,3,20,24] ->
  Sub/Mul scalar constants (input normalisation), Conv 3x3 stride 2 with asymmetric pads + Clip
  (fused Relu6), depthwise Conv 3x3 + Relu, grouped Conv (2 groups), Conv 1x1 without bias,
  Mul/Add per-channel constants, bilinear 2x as nearest Resize + reflect Pad + depthwise
  [1/4 1/2 1/4] smoothing, plain nearest 2x Resize, constant Pad, tensor Add, LeakyRelu, Sigmoid.
  Two outputs, "heads" and "skip". Random weights from a fixed seed. Opset 10, as OpenCV 4.6 wants.
"unsupported": the same input through a MaxPool (not on the XNNPACK path).
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(7)


def const(inits, name, array):
    inits.append(numpy_helper.from_array(np.asarray(array, np.float32), name))
    return name


def conv(nodes, inits, name, x, cin, cout, k, stride=1, pads=(0, 0, 0, 0), group=1, bias=True):
    w = const(inits, name + "_w", rng.normal(0, 0.4, (cout, cin // group, k, k)))
    ins = [x, w]
    if bias:
        ins.append(const(inits, name + "_b", rng.normal(0, 0.2, cout)))
    nodes.append(helper.make_node("Conv", ins, [name], name=name, kernel_shape=[k, k],
                                  strides=[stride, stride], pads=list(pads), group=group))
    return name


def ops_graph():
    n, i = [], []
    x = "input"
    n.append(helper.make_node("Sub", [x, const(i, "mean", [[[[127.5]]]])], ["centred"], name="sub"))
    n.append(helper.make_node("Mul", ["centred", const(i, "scale", [1 / 127.5])], ["norm"], name="mul"))
    c1 = conv(n, i, "conv1", "norm", 3, 8, 3, stride=2, pads=(0, 0, 1, 1))          # 10x12
    n.append(helper.make_node("Clip", [c1], ["relu6"], name="relu6", min=0.0, max=6.0))
    dw = conv(n, i, "dw", "relu6", 8, 8, 3, pads=(1, 1, 1, 1), group=8)
    n.append(helper.make_node("Relu", [dw], ["dw_relu"], name="dw_relu"))
    g = conv(n, i, "grouped", "dw_relu", 8, 6, 3, pads=(1, 1, 1, 1), group=2)
    p = conv(n, i, "project", g, 6, 4, 1, bias=False)
    n.append(helper.make_node("Mul", [p, const(i, "gain", rng.uniform(0.5, 1.5, (1, 4, 1, 1)))],
                              ["gained"], name="gain"))
    n.append(helper.make_node("Add", ["gained", const(i, "shift", rng.normal(0, 0.1, (4, 1, 1)))],
                              ["shifted"], name="shift"))
    # bilinear 2x: 10x12 -> 20x24
    n.append(helper.make_node("Resize", ["shifted", const(i, "s2", [1, 1, 2, 2])], ["near"],
                              name="up_bilinear", mode="nearest"))
    n.append(helper.make_node("Pad", ["near"], ["near_pad"], name="reflect", mode="reflect",
                              pads=[0, 0, 1, 1, 0, 0, 1, 1]))
    k1 = np.array([0.25, 0.5, 0.25])
    smooth = const(i, "smooth", np.broadcast_to(np.outer(k1, k1), (4, 1, 3, 3)))
    n.append(helper.make_node("Conv", ["near_pad", smooth], ["bilinear"], name="smooth",
                              kernel_shape=[3, 3], pads=[0, 0, 0, 0], group=4))
    # plain nearest 2x of the same tensor, then tensor Add
    n.append(helper.make_node("Resize", ["shifted", const(i, "s2b", [1, 1, 2, 2])], ["nearest"],
                              name="up_nearest", mode="nearest"))
    n.append(helper.make_node("Add", ["bilinear", "nearest"], ["sum"], name="add"))
    n.append(helper.make_node("LeakyRelu", ["sum"], ["leaky"], name="leaky", alpha=0.1))
    n.append(helper.make_node("Pad", ["leaky"], ["padded"], name="zero_pad", mode="constant",
                              pads=[0, 0, 1, 0, 0, 0, 0, 2]))                      # 21x26
    h = conv(n, i, "head", "padded", 4, 5, 3, stride=1, pads=(0, 0, 0, 0))          # 19x24
    n.append(helper.make_node("Sigmoid", [h], ["heads"], name="sigmoid"))
    outputs = [helper.make_tensor_value_info("heads", TensorProto.FLOAT, [1, 5, 19, 24]),
               helper.make_tensor_value_info("skip", TensorProto.FLOAT, [1, 8, 10, 12])]
    n.append(helper.make_node("Clip", ["dw_relu"], ["skip"], name="skip_clip", min=0.0, max=2.0))
    return n, i, outputs


def unsupported_graph():
    n = [helper.make_node("MaxPool", ["input"], ["pooled"], name="pool", kernel_shape=[2, 2],
                          strides=[2, 2])]
    return n, [], [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, [1, 3, 10, 12])]


def main(argv):
    if len(argv) != 3 or argv[1] not in ("ops", "unsupported"):
        sys.stderr.write(__doc__)
        return 2
    nodes, inits, outputs = ops_graph() if argv[1] == "ops" else unsupported_graph()
    graph = helper.make_graph(nodes, argv[1], [helper.make_tensor_value_info(
        "input", TensorProto.FLOAT, [1, 3, 20, 24])], outputs, initializer=inits)
    model = helper.make_model(graph, producer_name="gaitlens-tests",
                              opset_imports=[helper.make_opsetid("", 10)])
    model.ir_version = 5
    onnx.checker.check_model(model)
    onnx.save(model, argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
