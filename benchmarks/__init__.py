"""Performance harnesses. Each writes ``benchmarks/results/<name>.json`` and ``<name>.md``."""
