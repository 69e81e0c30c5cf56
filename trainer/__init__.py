"""Trainer: simulated homes → evaluated, quantized ONNX model shipped into the integration."""

from simulator.engine_access import ensure_engine_importable

# The trainer's environment has no Home Assistant; load the shared engine without it.
ensure_engine_importable()
