"""Benchmarks that seed synthetic data on a site of their own and print their figures."""
