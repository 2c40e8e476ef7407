#!/usr/bin/python3
"""Writes a tiny ONNX "pose model" with known outputs, for tests/pose/onnx_detector_test.cc.

Usage: make_tiny_onnx.py SPEC.json OUT.onnx

SPEC.json:
  {"input_name": "input", "input_height": 64, "input_width": 48,
   "outputs": [{"name": "heatmaps", "shape": [1, 17, 16, 12], "values": [...flattened...]}, ...]}

Each output ignores the image except through a zero-weight 1x1 convolution, so it equals its
constant exactly whatever the frame:

  input [1,3,H,W] -> GlobalAveragePool -> Conv 1x1 (weights 0, bias 0, prod(shape) channels)
        -> Reshape(shape) -> Add(constant values) -> output

Outputs appear in the graph (nodes and graph outputs) in the order of the spec. Opset 11, plain
operators only, every shape declared, so OpenCV 4.6's importer loads it.
"""
import json
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def build(spec):
    input_name = spec.get("input_name", "input")
    height, width = int(spec["input_height"]), int(spec["input_width"])
    nodes, initializers, outputs = [], [], []
    nodes.append(helper.make_node("GlobalAveragePool", [input_name], ["pooled"], name="pool"))
    for i, out in enumerate(spec["outputs"]):
        name = out["name"]
        shape = [int(d) for d in out["shape"]]
        values = np.asarray(out["values"], dtype=np.float32)
        count = int(np.prod(shape))
        if values.size != count:
            raise ValueError(f"output {name}: {values.size} values for shape {shape}")
        weight = numpy_helper.from_array(np.zeros((count, 3, 1, 1), np.float32), f"w{i}")
        bias = numpy_helper.from_array(np.zeros((count,), np.float32), f"b{i}")
        target = numpy_helper.from_array(np.asarray(shape, np.int64), f"shape{i}")
        constant = numpy_helper.from_array(values.reshape(shape), f"const{i}")
        initializers += [weight, bias, target, constant]
        nodes.append(helper.make_node("Conv", ["pooled", f"w{i}", f"b{i}"], [f"conv{i}"],
                                      name=f"conv{i}", kernel_shape=[1, 1]))
        nodes.append(helper.make_node("Reshape", [f"conv{i}", f"shape{i}"], [f"reshaped{i}"],
                                      name=f"reshape{i}"))
        nodes.append(helper.make_node("Add", [f"reshaped{i}", f"const{i}"], [name], name=f"add{i}"))
        outputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, shape))
    graph = helper.make_graph(
        nodes, "tiny_pose", [helper.make_tensor_value_info(input_name, TensorProto.FLOAT,
                                                           [1, 3, height, width])],
        outputs, initializer=initializers)
    model = helper.make_model(graph, producer_name="gaitlens-tests",
                              opset_imports=[helper.make_opsetid("", 11)])
    model.ir_version = 6
    onnx.checker.check_model(model)
    return model


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    onnx.save(build(spec), argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
