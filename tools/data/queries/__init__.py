"""Typed query functions over the store: each reads a named ``.sql`` file of ``tools/data/sql``
(through :func:`tools.data.sqlfiles.sql_file`), binds its parameters and returns rows with the SQL
text for the trail. The tools of :mod:`tools.api` call these instead of writing SQL.

A query that can read either the lake views or the per-installation aggregates of
:mod:`tools.data.usage` takes its :data:`~tools.data.queries.common.UsageSource` as a parameter.
"""
