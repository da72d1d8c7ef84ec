"""Rasid benchmarks: ``python -m bench`` (``make bench``). See bench/README.md and docs/bench.md."""
