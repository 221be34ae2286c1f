"""Benchmarks: `hall bench` (queue service) and the scanner decode benchmark."""
