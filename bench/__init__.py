"""Benchmarks at scale: the tracker measured against hand-written SQL as data grows.

``python -m bench --scale small|medium|large``; see the README's "Benchmarks" section.
"""
