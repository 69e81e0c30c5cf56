"""Trainer: simulated homes → evaluated, quantized ONNX model shipped into the integration."""
