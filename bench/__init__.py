"""Benchmarks of the read side on a demo-sized history; see bench/README.md."""
