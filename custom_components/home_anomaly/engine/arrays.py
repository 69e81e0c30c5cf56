"""Array type aliases shared by the engine, the simulator and the trainer."""

from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
Float32Array = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.signedinteger[Any]]
Int8Array = npt.NDArray[np.int8]
BoolArray = npt.NDArray[np.bool_]
