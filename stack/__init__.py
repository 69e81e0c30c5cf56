"""A real local stack — Mosquitto, Home Assistant and the live simulator — for end-to-end tests and the demo.

Every process is started as a child with its own pid and stopped by whoever started it.
"""
