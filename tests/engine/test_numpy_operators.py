"""The numpy engine's operators beyond those of the shipped model (other models, future models)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from custom_components.home_anomaly.engine.numpy_runtime import OPERATORS, NumpyModel, UnsupportedOperatorError
from custom_components.home_anomaly.engine.onnx_reader import Graph, Model, Node, OnnxFormatError, ValueInfo


def run(op: str, *inputs: Any, **attributes: Any) -> np.ndarray:
    node = Node(op, [f"in{i}" for i in range(len(inputs))], ["out"], attributes=attributes)
    return OPERATORS[op](node, [None if x is None else np.asarray(x) for x in inputs])[0]


def test_shape_operators() -> None:
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    assert run("Shape", x).tolist() == [2, 3, 4]
    np.testing.assert_array_equal(run("Slice", x, np.array([1]), np.array([3]), np.array([2])), x[:, :, 1:3])
    np.testing.assert_array_equal(
        run("Slice", x, np.array([0]), np.array([2]), np.array([1]), np.array([2])), x[:, 0:2:2]
    )
    assert run("Unsqueeze", x, np.array([0, -1])).shape == (1, 2, 3, 4, 1)
    assert run("Unsqueeze", x, axes=[1]).shape == (2, 1, 3, 4)
    assert run("Squeeze", x[:, :1], np.array([1])).shape == (2, 4)
    assert run("Squeeze", x[:1, :1, :1]).shape == ()
    assert run("Reshape", x, np.array([0, -1])).shape == (2, 12)
    assert run("Transpose", x, perm=[2, 0, 1]).shape == (4, 2, 3)
    assert run("Expand", np.ones((1, 4), np.float32), np.array([3, 4])).shape == (3, 4)
    assert run("Concat", x, x, axis=1).shape == (2, 6, 4)
    np.testing.assert_array_equal(run("Gather", x, np.array(-1), axis=2), x[:, :, -1])
    assert run("Cast", x, to=7).dtype == np.int64
    np.testing.assert_array_equal(run("Constant", value=np.array([1.5])), [1.5])
    np.testing.assert_array_equal(run("Identity", x), x)


def test_arithmetic_and_activation_operators() -> None:
    a = np.array([[1.0, -2.0], [3.0, 4.0]], np.float32)
    b = np.array([[0.5, 1.0], [1.0, -1.0]], np.float32)
    np.testing.assert_allclose(run("Add", a, b), a + b)
    np.testing.assert_allclose(run("Sub", a, b), a - b)
    np.testing.assert_allclose(run("Mul", a, b), a * b)
    np.testing.assert_allclose(run("Div", a, b), a / b)
    np.testing.assert_allclose(run("MatMul", a, b), a @ b)
    np.testing.assert_allclose(
        run("Gemm", a, b, np.ones(2, np.float32), transA=1, transB=1, alpha=2.0, beta=0.5), 2 * a.T @ b.T + 0.5
    )
    np.testing.assert_allclose(run("Relu", a), np.maximum(a, 0))
    np.testing.assert_allclose(run("Sigmoid", a), 1 / (1 + np.exp(-a)), rtol=1e-6)
    np.testing.assert_allclose(run("Tanh", a), np.tanh(a), rtol=1e-6)
    softmax = run("Softmax", a)
    np.testing.assert_allclose(softmax.sum(axis=-1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(run("ReduceMean", a, np.array([1]), keepdims=0), a.mean(axis=1))
    np.testing.assert_allclose(run("ReduceMean", a), a.mean(keepdims=True))
    np.testing.assert_array_equal(run("ReduceMean", a, noop_with_empty_axes=1), a)
    normalised = run("LayerNormalization", a, np.ones(2, np.float32), np.zeros(2, np.float32))
    np.testing.assert_allclose(normalised.mean(axis=-1), 0.0, atol=1e-6)


def test_quantize_and_dequantize_per_tensor_and_per_channel() -> None:
    x = np.array([[-1.0, 0.26, 0.5, 20.0]], np.float32)
    q = run("QuantizeLinear", x, np.float32(0.1), np.int8(0))
    assert q.dtype == np.int8
    assert q.tolist() == [[-10, 3, 5, 127]]  # rounded half to even, saturated
    assert run("QuantizeLinear", x, np.float32(0.1)).dtype == np.uint8
    np.testing.assert_allclose(
        run("DequantizeLinear", q, np.float32(0.1), np.int8(0)), [[-1.0, 0.3, 0.5, 12.7]], rtol=1e-6
    )
    weights = np.array([[[10]], [[-10]]], np.int8)
    per_channel = run("DequantizeLinear", weights, np.array([0.5, 0.25], np.float32), np.zeros(2, np.int8), axis=0)
    np.testing.assert_allclose(per_channel.ravel(), [5.0, -2.5])


def test_conv_matches_a_direct_computation() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 10)).astype(np.float32)
    w = rng.normal(size=(4, 3, 3)).astype(np.float32)
    bias = rng.normal(size=4).astype(np.float32)
    out = run("Conv", x, w, bias, dilations=[2], pads=[4, 0], strides=[1])
    padded = np.pad(x, ((0, 0), (0, 0), (4, 0)))
    expected = np.stack(
        [
            sum(padded[:, :, t + 2 * k][:, None, :] * w[None, :, :, k] for k in range(3)).sum(axis=2) + bias
            for t in range(10)
        ],
        axis=2,
    )
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
    with pytest.raises(UnsupportedOperatorError, match="only 1-D, group 1"):
        run("Conv", x, w, group=3)


def _model(nodes: list[Node], output: str = "y") -> Model:
    graph = Graph(
        nodes=nodes,
        initializers={"w": np.ones((15, 6), np.float32)},
        inputs=[ValueInfo("features", 1, ["batch", 32, 15])],
        outputs=[ValueInfo(output, 1, ["batch", 6])],
    )
    return Model(ir_version=8, opsets={"": 18}, graph=graph)


def test_a_tiny_graph_runs_and_bad_graphs_are_refused() -> None:
    mean = Node("ReduceMean", ["features"], ["pooled"], attributes={"axes": [1], "keepdims": 0})
    model = NumpyModel.from_model(_model([mean, Node("MatMul", ["pooled", "w"], ["y"])]))
    assert model.predict_proba(np.ones((2, 32, 15), np.float32)).shape == (2, 6)
    with pytest.raises(OnnxFormatError, match="nothing before it produces"):
        NumpyModel.from_model(_model([Node("MatMul", ["ghost", "w"], ["y"])]))
    with pytest.raises(OnnxFormatError, match="nothing produces the model output"):
        NumpyModel.from_model(_model([mean], output="y"))
    with pytest.raises(UnsupportedOperatorError, match="com.microsoft::QGemm"):
        NumpyModel.from_model(_model([Node("QGemm", ["features"], ["y"], domain="com.microsoft")]))
    broken = _model([Node("Reshape", ["features", "shape"], ["y"])])
    broken.graph.initializers["shape"] = np.array([7, -1])  # 480 values do not split into 7 rows
    with pytest.raises(OnnxFormatError, match="operator Reshape .* failed"):
        NumpyModel.from_model(broken).predict_proba(np.ones((1, 32, 15), np.float32))
