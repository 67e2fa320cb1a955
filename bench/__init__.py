"""Benchmarks: each bench_*.py runs on its own (see README "Measured"); pipeline/ holds the
whole-system bench's parts."""
