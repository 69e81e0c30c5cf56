"""The built-in numpy engine: runs ``model.onnx`` where onnxruntime cannot be installed.

onnxruntime has no wheels for Home Assistant OS / Container (Alpine, musl), so the integration
carries this interpreter for the operators the shipped models use — convolutions, QDQ int8
quantization, Gemm, softmax and the shape plumbing around them. Constant parts of the graph
(dequantizing int8 weights, for one) are evaluated once at load time, so scoring a window only
runs what depends on the input. An operator outside ``OPERATORS`` is refused at load time with
its name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .arrays import Float32Array
from .onnx_reader import DTYPES, MAX_ELEMENTS, Model, Node, OnnxFormatError

Array = npt.NDArray[Any]
Operator = Callable[[Node, list[Array | None]], list[Array]]


class UnsupportedOperatorError(OnnxFormatError):
    pass


def _attr(node: Node, name: str, default: Any) -> Any:
    return node.attributes.get(name, default)


def _ints(values: Any) -> list[int]:
    """An integer tensor or attribute list as plain ints."""
    return [int(v) for v in np.asarray(values).reshape(-1)]


def _bounded_shape(shape: Array) -> list[int]:
    """A shape to allocate, refused when a damaged model asks for absurd memory."""
    dims = _ints(shape)
    if any(d < 0 for d in dims) or int(np.prod(dims, dtype=np.float64)) > MAX_ELEMENTS:
        raise ValueError(f"refusing to allocate a tensor of shape {dims}")
    return dims


def _axes(node: Node, inputs: list[Array | None], position: int) -> list[int] | None:
    """Axes from the input at ``position`` (opset 13+) or the ``axes`` attribute (older)."""
    if len(inputs) > position and inputs[position] is not None:
        return _ints(inputs[position])
    attribute = _attr(node, "axes", None)
    return None if attribute is None else _ints(attribute)


def _per_axis(parameter: Array, ndim: int, axis: int) -> Array:
    """Broadcast a per-channel scale or zero point along ``axis``."""
    if parameter.ndim == 0 or parameter.size == 1:
        return parameter.reshape(())
    shape = [1] * ndim
    shape[axis % ndim] = parameter.size
    return parameter.reshape(shape)


def _quantize_linear(node: Node, inputs: list[Array | None]) -> list[Array]:
    x, scale, zero_point = inputs[0], inputs[1], inputs[2] if len(inputs) > 2 else None
    assert x is not None and scale is not None
    dtype = zero_point.dtype if zero_point is not None else np.dtype(np.uint8)
    axis = int(_attr(node, "axis", 1))
    zp = _per_axis(zero_point.astype(np.float32), x.ndim, axis) if zero_point is not None else np.float32(0)
    info = np.iinfo(dtype)
    quantized = np.rint(x.astype(np.float32) / _per_axis(scale.astype(np.float32), x.ndim, axis)) + zp
    return [np.clip(quantized, info.min, info.max).astype(dtype)]


def _dequantize_linear(node: Node, inputs: list[Array | None]) -> list[Array]:
    x, scale, zero_point = inputs[0], inputs[1], inputs[2] if len(inputs) > 2 else None
    assert x is not None and scale is not None
    axis = int(_attr(node, "axis", 1))
    shifted = x.astype(np.int32) - (
        _per_axis(zero_point, x.ndim, axis).astype(np.int32) if zero_point is not None else 0
    )
    return [(shifted.astype(np.float32) * _per_axis(scale.astype(np.float32), x.ndim, axis)).astype(np.float32)]


def _conv(node: Node, inputs: list[Array | None]) -> list[Array]:
    x, weight, bias = inputs[0], inputs[1], inputs[2] if len(inputs) > 2 else None
    assert x is not None and weight is not None
    if (
        x.ndim != 3
        or int(_attr(node, "group", 1)) != 1
        or _attr(node, "auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET")
    ):
        raise UnsupportedOperatorError("Conv: only 1-D, group 1, explicit padding is supported")
    dilation = _ints(_attr(node, "dilations", [1]))[0]
    stride = _ints(_attr(node, "strides", [1]))[0]
    pad_begin, pad_end = [*_ints(_attr(node, "pads", [0, 0])), 0, 0][:2]
    if dilation < 1 or stride < 1 or min(pad_begin, pad_end) < 0:
        raise ValueError(f"invalid Conv geometry: dilation {dilation}, stride {stride}, pads {pad_begin}/{pad_end}")
    out_channels, in_channels, kernel = weight.shape
    padded = np.pad(x, ((0, 0), (0, 0), (pad_begin, pad_end)))
    length = (padded.shape[2] - dilation * (kernel - 1) - 1) // stride + 1
    starts = np.arange(length) * stride
    taps = starts[None, :] + np.arange(kernel)[:, None] * dilation  # (kernel, length)
    columns = padded[:, :, taps].reshape(x.shape[0], in_channels * kernel, length)  # im2col
    result = np.matmul(weight.reshape(out_channels, in_channels * kernel), columns)
    if bias is not None:
        result = result + bias[None, :, None]
    return [result.astype(np.float32)]


def _gemm(node: Node, inputs: list[Array | None]) -> list[Array]:
    a, b, c = inputs[0], inputs[1], inputs[2] if len(inputs) > 2 else None
    assert a is not None and b is not None
    a = a.T if _attr(node, "transA", 0) else a
    b = b.T if _attr(node, "transB", 0) else b
    result = float(_attr(node, "alpha", 1.0)) * (a @ b)
    if c is not None:
        result = result + float(_attr(node, "beta", 1.0)) * c
    return [result.astype(np.float32)]


def _softmax(node: Node, inputs: list[Array | None]) -> list[Array]:
    x = inputs[0]
    assert x is not None
    axis = int(_attr(node, "axis", -1))
    shifted = np.exp(x - x.max(axis=axis, keepdims=True))
    return [(shifted / shifted.sum(axis=axis, keepdims=True)).astype(np.float32)]


def _reduce_mean(node: Node, inputs: list[Array | None]) -> list[Array]:
    x = inputs[0]
    assert x is not None
    axes = _axes(node, inputs, 1)
    keepdims = bool(_attr(node, "keepdims", 1))
    if not axes:
        if _attr(node, "noop_with_empty_axes", 0):
            return [x]
        axes = list(range(x.ndim))
    return [x.mean(axis=tuple(axes), keepdims=keepdims).astype(x.dtype)]


def _slice(node: Node, inputs: list[Array | None]) -> list[Array]:
    x, starts, ends = inputs[0], inputs[1], inputs[2]
    assert x is not None and starts is not None and ends is not None
    axes = _axes(node, inputs, 3) or list(range(len(starts)))
    steps = _ints(inputs[4]) if len(inputs) > 4 and inputs[4] is not None else [1] * len(starts)
    index: list[slice] = [slice(None)] * x.ndim
    for start, end, axis, step in zip(_ints(starts), _ints(ends), axes, steps, strict=True):
        index[axis] = slice(start, end, step)
    return [x[tuple(index)]]


def _unsqueeze(node: Node, inputs: list[Array | None]) -> list[Array]:
    x = inputs[0]
    assert x is not None
    axes = _axes(node, inputs, 1) or []
    rank = x.ndim + len(axes)
    result = x
    for axis in sorted(a % rank for a in axes):
        result = np.expand_dims(result, axis)
    return [result]


def _squeeze(node: Node, inputs: list[Array | None]) -> list[Array]:
    x = inputs[0]
    assert x is not None
    axes = _axes(node, inputs, 1)
    return [np.squeeze(x, axis=tuple(axes) if axes else None)]


def _reshape(node: Node, inputs: list[Array | None]) -> list[Array]:
    x, shape = inputs[0], inputs[1]
    assert x is not None and shape is not None
    target = [x.shape[i] if d == 0 and not _attr(node, "allowzero", 0) else d for i, d in enumerate(_ints(shape))]
    return [x.reshape(target)]


def _layer_norm(node: Node, inputs: list[Array | None]) -> list[Array]:
    x, scale, bias = inputs[0], inputs[1], inputs[2] if len(inputs) > 2 else None
    assert x is not None and scale is not None
    axis = int(_attr(node, "axis", -1)) % x.ndim
    axes = tuple(range(axis, x.ndim))
    mean = x.mean(axis=axes, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    normalised = (x - mean) / np.sqrt(variance + float(_attr(node, "epsilon", 1e-5)))
    return [(normalised * scale + (bias if bias is not None else 0.0)).astype(np.float32)]


def _unary(function: Callable[[Array], Array]) -> Operator:
    return lambda node, inputs: [function(inputs[0])]  # type: ignore[arg-type]


def _binary(function: Callable[[Array, Array], Array]) -> Operator:
    return lambda node, inputs: [function(inputs[0], inputs[1])]  # type: ignore[arg-type]


OPERATORS: dict[str, Operator] = {
    "QuantizeLinear": _quantize_linear,
    "DequantizeLinear": _dequantize_linear,
    "Conv": _conv,
    "Gemm": _gemm,
    "MatMul": _binary(lambda a, b: (a @ b).astype(np.float32)),
    "Softmax": _softmax,
    "ReduceMean": _reduce_mean,
    "Relu": _unary(lambda x: np.maximum(x, 0).astype(x.dtype)),
    "Sigmoid": _unary(lambda x: (1.0 / (1.0 + np.exp(-x))).astype(np.float32)),
    "Tanh": _unary(lambda x: np.tanh(x).astype(np.float32)),
    "Add": _binary(np.add),
    "Sub": _binary(np.subtract),
    "Mul": _binary(np.multiply),
    "Div": _binary(np.divide),
    "Identity": _unary(lambda x: x),
    "Transpose": lambda node, inputs: [np.transpose(inputs[0], _attr(node, "perm", None))],  # type: ignore[arg-type]
    "Concat": lambda node, inputs: [
        np.concatenate([i for i in inputs if i is not None], axis=int(_attr(node, "axis", 0)))
    ],
    "Gather": lambda node, inputs: [np.take(inputs[0], inputs[1], axis=int(_attr(node, "axis", 0)))],  # type: ignore[arg-type]
    "Shape": _unary(lambda x: np.array(x.shape, dtype=np.int64)),
    "Slice": _slice,
    "Unsqueeze": _unsqueeze,
    "Squeeze": _squeeze,
    "Reshape": _reshape,
    "Expand": _binary(lambda x, shape: x * np.ones(_bounded_shape(shape), dtype=x.dtype)),
    "Cast": lambda node, inputs: [inputs[0].astype(DTYPES[int(_attr(node, "to", 1))])],  # type: ignore[union-attr]
    "Constant": lambda node, inputs: [np.asarray(_attr(node, "value", None))],
    "LayerNormalization": _layer_norm,
}
STANDARD_DOMAINS = frozenset({"", "ai.onnx"})


@dataclass
class NumpyModel:
    """A parsed graph, constant-folded, ready to run on (batch, window, features) float32 input."""

    input_name: str
    output_name: str
    window_size: int
    n_features: int
    constants: dict[str, Array]
    plan: list[Node]
    runtime: str = "numpy"

    @classmethod
    def from_model(cls, model: Model) -> NumpyModel:
        graph = model.graph
        for node in graph.nodes:
            if node.domain not in STANDARD_DOMAINS or node.op_type not in OPERATORS:
                where = f"{node.domain}::" if node.domain not in STANDARD_DOMAINS else ""
                raise UnsupportedOperatorError(
                    f"operator {where}{node.op_type} is not supported by the numpy engine: "
                    "ship a model built from standard ONNX operators, or install onnxruntime"
                )
        inputs = [info for info in graph.inputs if info.name not in graph.initializers]
        if len(inputs) != 1 or len(inputs[0].shape) != 3 or len(graph.outputs) != 1:
            raise OnnxFormatError("the model must take one (batch, window, features) input and give one output")
        _, window, features = inputs[0].shape
        if not isinstance(window, int) or not isinstance(features, int):
            raise OnnxFormatError("the model's window and feature sizes must be fixed")
        known = {*graph.initializers, inputs[0].name}
        for node in graph.nodes:
            missing = [name for name in node.inputs if name and name not in known]
            if missing:
                raise OnnxFormatError(f"operator {node.op_type} reads {missing[0]!r}, which nothing before it produces")
            known.update(node.outputs)
        if graph.outputs[0].name not in known:
            raise OnnxFormatError(f"nothing produces the model output {graph.outputs[0].name!r}")
        constants: dict[str, Array] = dict(graph.initializers)
        plan: list[Node] = []
        with np.errstate(all="ignore"):
            for node in graph.nodes:
                if all(name == "" or name in constants for name in node.inputs):
                    outputs = _run(node, [constants.get(name) if name else None for name in node.inputs])
                    constants.update(zip(node.outputs, outputs, strict=False))
                else:
                    plan.append(node)
        return cls(inputs[0].name, graph.outputs[0].name, window, features, constants, plan)

    def predict_proba(self, windows: Float32Array) -> Float32Array:
        if windows.ndim != 3 or windows.shape[1:] != (self.window_size, self.n_features):
            expected = f"(batch, {self.window_size}, {self.n_features})"
            raise ValueError(f"model input must be {expected} float32, got {tuple(windows.shape)}")
        values = dict(self.constants)
        values[self.input_name] = np.asarray(windows, dtype=np.float32)
        with np.errstate(all="ignore"):  # a damaged model's overflow is caught below, not warned
            for node in self.plan:
                arguments = [values[name] if name else None for name in node.inputs]
                values.update(zip(node.outputs, _run(node, arguments), strict=False))
        probabilities: Float32Array = np.asarray(values[self.output_name], dtype=np.float32)
        if probabilities.shape[:1] != windows.shape[:1] or not np.all(np.isfinite(probabilities)):
            raise OnnxFormatError("the model produced no valid probabilities for this input")
        return probabilities


def _run(node: Node, inputs: list[Array | None]) -> list[Array]:
    try:
        return OPERATORS[node.op_type](node, inputs)
    except (ValueError, TypeError, IndexError, KeyError, AssertionError, ArithmeticError, MemoryError) as err:
        raise OnnxFormatError(f"operator {node.op_type} ({node.name or 'unnamed'}) failed: {err}") from err
