"""Data-access layer: the only package that imports duckdb."""

from tools.data.store import Store

__all__ = ["Store"]
