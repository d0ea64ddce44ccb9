"""Benchmarks, run with ``python -m bench``.

Every module of this package that defines ``main() -> bool`` is a benchmark: it prints its
figures and returns whether its target was met.
"""
