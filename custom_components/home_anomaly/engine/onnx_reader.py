"""A small reader of the ONNX protobuf wire format: just what the numpy runtime needs.

The ``onnx`` package is not available where Home Assistant OS runs (and is far larger than
this), so the integration reads ``model.onnx`` itself: the graph's nodes with their
attributes, the initializer tensors, and the input and output names and shapes. Every read
is bounds-checked, so truncated, random or hostile bytes end in ``OnnxFormatError`` — never a
hang, a crash or unbounded memory.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt

MAX_MODEL_BYTES: Final = 16 * 1024 * 1024  # the shipped model is ~40 KB; refuse anything absurd
MAX_DEPTH: Final = 16
MAX_ELEMENTS: Final = 4 * 1024 * 1024

# TensorProto.DataType → numpy dtype
DTYPES: Final[dict[int, np.dtype[Any]]] = {
    1: np.dtype(np.float32),
    2: np.dtype(np.uint8),
    3: np.dtype(np.int8),
    5: np.dtype(np.int16),
    6: np.dtype(np.int32),
    7: np.dtype(np.int64),
    9: np.dtype(np.bool_),
    10: np.dtype(np.float16),
    11: np.dtype(np.float64),
}


class OnnxFormatError(ValueError):
    """The bytes are not an ONNX model this reader understands."""


@dataclass
class Attribute:
    name: str
    value: Any


@dataclass
class Node:
    op_type: str
    inputs: list[str]
    outputs: list[str]
    name: str = ""
    domain: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class ValueInfo:
    name: str
    elem_type: int = 0
    shape: list[int | str] = field(default_factory=list)


@dataclass
class Graph:
    nodes: list[Node]
    initializers: dict[str, npt.NDArray[Any]]
    inputs: list[ValueInfo]
    outputs: list[ValueInfo]


@dataclass
class Model:
    ir_version: int
    opsets: dict[str, int]
    graph: Graph


class _Reader:
    """Iterates (field number, wire type, value) over one protobuf message."""

    def __init__(self, data: bytes | memoryview, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise OnnxFormatError("model nesting is too deep")
        self.data = memoryview(data)
        self.pos = 0
        self.depth = depth

    def varint(self) -> int:
        result, shift = 0, 0
        while True:
            if self.pos >= len(self.data):
                raise OnnxFormatError("truncated varint")
            byte = self.data[self.pos]
            self.pos += 1
            result |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return result
            shift += 7
            if shift > 63:
                raise OnnxFormatError("varint longer than 64 bits")

    def take(self, length: int) -> memoryview:
        if length < 0 or self.pos + length > len(self.data):
            raise OnnxFormatError("field runs past the end of the data")
        chunk = self.data[self.pos : self.pos + length]
        self.pos += length
        return chunk

    def fields(self) -> Any:
        while self.pos < len(self.data):
            key = self.varint()
            number, wire = key >> 3, key & 7
            if number == 0:
                raise OnnxFormatError("field number 0")
            if wire == 0:
                yield number, wire, self.varint()
            elif wire == 1:
                yield number, wire, self.take(8)
            elif wire == 2:
                yield number, wire, self.take(self.varint())
            elif wire == 5:
                yield number, wire, self.take(4)
            else:
                raise OnnxFormatError(f"unsupported wire type {wire}")

    def child(self, data: Any) -> _Reader:
        if not isinstance(data, memoryview):
            raise OnnxFormatError("expected an embedded message, found a number")
        return _Reader(data, self.depth + 1)


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _text(value: Any) -> str:
    if not isinstance(value, memoryview):
        raise OnnxFormatError("expected a string field")
    try:
        return bytes(value).decode("utf-8")
    except UnicodeDecodeError as err:
        raise OnnxFormatError("a name is not UTF-8") from err


def _packed_ints(reader: _Reader, wire: int, value: Any) -> list[int]:
    if wire == 0:
        return [_signed(value)]
    inner = reader.child(value)
    out = []
    while inner.pos < len(inner.data):
        out.append(_signed(inner.varint()))
    return out


def _packed_floats(wire: int, value: Any) -> list[float]:
    if wire == 5:
        return [struct.unpack("<f", value)[0]]
    if wire != 2 or len(value) % 4:
        raise OnnxFormatError("malformed float list")
    return list(struct.unpack(f"<{len(value) // 4}f", value))


def _tensor(reader: _Reader) -> tuple[str, npt.NDArray[Any]]:
    dims: list[int] = []
    data_type = 0
    name = ""
    raw: bytes | None = None
    floats: list[float] = []
    ints: list[int] = []
    for number, wire, value in reader.fields():
        if number == 1:
            dims.extend(_packed_ints(reader, wire, value))
        elif number == 2 and wire == 0:
            data_type = value
        elif number == 4:
            floats.extend(_packed_floats(wire, value))
        elif number in (5, 7):
            ints.extend(_packed_ints(reader, wire, value))
        elif number == 8:
            name = _text(value)
        elif number == 9:
            raw = bytes(value)
        elif number == 14 and wire == 0 and value == 1:
            raise OnnxFormatError(f"tensor {name!r} keeps its data in an external file; the model must be one file")
    if data_type not in DTYPES:
        raise OnnxFormatError(f"tensor {name!r} has unsupported data type {data_type}")
    if any(d < 0 for d in dims):
        raise OnnxFormatError(f"tensor {name!r} has a negative dimension")
    count = int(np.prod(dims, dtype=np.int64)) if dims else 1
    if count > MAX_ELEMENTS:
        raise OnnxFormatError(f"tensor {name!r} is too large ({count} elements)")
    dtype = DTYPES[data_type]
    if raw is not None:
        if len(raw) != count * dtype.itemsize:
            raise OnnxFormatError(f"tensor {name!r} holds {len(raw)} bytes, its shape needs {count * dtype.itemsize}")
        array = np.frombuffer(raw, dtype=dtype.newbyteorder("<")).astype(dtype)
    else:
        values = floats if data_type in (1, 11) else ints
        if len(values) != count:
            raise OnnxFormatError(f"tensor {name!r} holds {len(values)} values, its shape needs {count}")
        array = np.array(values, dtype=dtype)
    return name, array.reshape(dims)


def _attribute(reader: _Reader) -> Attribute:
    name, value = "", None
    ints: list[int] = []
    floats: list[float] = []
    for number, wire, raw in reader.fields():
        if number == 1:
            name = _text(raw)
        elif number == 2 and wire == 5:
            value = struct.unpack("<f", raw)[0]
        elif number == 3 and wire == 0:
            value = _signed(raw)
        elif number == 4 and wire == 2:
            value = bytes(raw)
        elif number == 5 and wire == 2:
            value = _tensor(reader.child(raw))[1]
        elif number == 6:
            raise OnnxFormatError(f"attribute {name!r} holds a subgraph; control flow is not supported")
        elif number == 7:
            floats.extend(_packed_floats(wire, raw))
        elif number == 8:
            ints.extend(_packed_ints(reader, wire, raw))
    if value is None:
        value = ints if ints else floats
    return Attribute(name, value)


def _node(reader: _Reader) -> Node:
    node = Node(op_type="", inputs=[], outputs=[])
    for number, _wire, value in reader.fields():
        if number == 1:
            node.inputs.append(_text(value))
        elif number == 2:
            node.outputs.append(_text(value))
        elif number == 3:
            node.name = _text(value)
        elif number == 4:
            node.op_type = _text(value)
        elif number == 5:
            attribute = _attribute(reader.child(value))
            node.attributes[attribute.name] = attribute.value
        elif number == 7:
            node.domain = _text(value)
    if not node.op_type:
        raise OnnxFormatError("a node has no operator type")
    return node


def _value_info(reader: _Reader) -> ValueInfo:
    info = ValueInfo(name="")
    for number, _wire, value in reader.fields():
        if number == 1:
            info.name = _text(value)
        elif number == 2:  # TypeProto
            for type_number, _w, tensor in reader.child(value).fields():
                if type_number != 1:
                    continue
                tensor_reader = reader.child(tensor)
                for tensor_number, w, item in tensor_reader.fields():
                    if tensor_number == 1 and w == 0:
                        info.elem_type = item
                    elif tensor_number == 2:
                        shape_reader = tensor_reader.child(item)
                        for dim_number, _w2, dim in shape_reader.fields():
                            if dim_number != 1:
                                continue
                            entry: int | str = "?"
                            for d_number, d_wire, d_value in shape_reader.child(dim).fields():
                                if d_number == 1 and d_wire == 0:
                                    entry = _signed(d_value)
                                elif d_number == 2:
                                    entry = _text(d_value)
                            info.shape.append(entry)
    return info


def _graph(reader: _Reader) -> Graph:
    graph = Graph(nodes=[], initializers={}, inputs=[], outputs=[])
    for number, _wire, value in reader.fields():
        if number == 1:
            graph.nodes.append(_node(reader.child(value)))
        elif number == 5:
            name, array = _tensor(reader.child(value))
            graph.initializers[name] = array
        elif number == 11:
            graph.inputs.append(_value_info(reader.child(value)))
        elif number == 12:
            graph.outputs.append(_value_info(reader.child(value)))
    return graph


def parse_model(data: bytes) -> Model:
    """Parse ``model.onnx`` bytes; raises ``OnnxFormatError`` for anything malformed."""
    if len(data) > MAX_MODEL_BYTES:
        raise OnnxFormatError(f"model is {len(data)} bytes; at most {MAX_MODEL_BYTES} are accepted")
    reader = _Reader(data, 0)
    ir_version = 0
    opsets: dict[str, int] = {}
    graph: Graph | None = None
    for number, wire, value in reader.fields():
        if number == 1 and wire == 0:
            ir_version = value
        elif number == 7 and wire == 2:
            graph = _graph(reader.child(value))
        elif number == 8 and wire == 2:
            domain, version = "", 0
            for o_number, o_wire, o_value in reader.child(value).fields():
                if o_number == 1:
                    domain = _text(o_value)
                elif o_number == 2 and o_wire == 0:
                    version = o_value
            opsets[domain] = version
    if graph is None or not graph.nodes:
        raise OnnxFormatError("no graph in the model")
    return Model(ir_version=ir_version, opsets=opsets, graph=graph)
