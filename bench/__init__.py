"""The load benchmark (not part of the test suite): see bench/run_benchmark.py."""
