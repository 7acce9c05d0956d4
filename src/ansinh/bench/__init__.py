"""Benchmarks run by `ansinh bench`: each measures one heavy path against a floor measured in the same run."""
