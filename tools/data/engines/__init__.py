"""Engines for the fleet jobs: DuckDB (embedded default) and Spark, over the same Parquet lake.

An engine exposes ``store`` (an object with the :class:`~tools.data.store.Store` query methods
``df``/``rows``/``scalar``/``usage_ready``: the DuckDB store itself, or a
:class:`~tools.data.engines.spark.SparkStore`), ``register`` (a small pandas frame as a view) and
``write`` (a query's result as Parquet). The queries are the project's DuckDB SQL on both
(``tools/data/sql``); Spark gets them through :mod:`tools.data.engines.dialect`.
"""

from __future__ import annotations

from tools.data.engines.duck import DuckEngine, publish_registers

__all__ = ["DuckEngine", "publish_registers"]
