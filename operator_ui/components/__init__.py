"""Render tool results: value cards, tables, charts, the trail, the SQL, issues, citations, downloads.

Presentation only: values come from typed :class:`ToolResult` objects and are formatted with
:mod:`assistant.render` / :mod:`assistant.i18n` (Brazilian formats); labels come from the
``ui.*`` catalogue. Nothing here computes a figure.

A package by responsibility, its public names re-exported here (pages use ``components as ui``); its
modules import downwards only (an import contract): :mod:`.result` (:func:`show_result`) ->
:mod:`.trail` (issues, steps, SQL, citations) | :mod:`.charts` -> :mod:`.tables` (value cards,
tables, downloads) -> :mod:`.labels` (labels and plain values).
"""

from operator_ui.components.charts import (
    DATE_FORMAT,
    PT_BR_LOCALE,
    SERIES_COLORS,
    UNIT_FORMATS,
    chart,
    unit_title,
)
from operator_ui.components.labels import (
    CODE_LABELS,
    FRACTION_COLUMNS,
    HEADER_UNITS,
    HIDDEN_RECORDS,
    ID_COLUMNS,
    PLACE_COLUMNS,
    calendar_frame,
    code_label,
    fmt,
    frame,
    headers,
    is_id_column,
    label,
    md,
    money_words,
    plain,
    record_fields,
    scalar_fields,
    translated,
)
from operator_ui.components.result import (
    CHARTS,
    show_result,
)
from operator_ui.components.tables import (
    column_config,
    downloads,
    metrics,
    result_metrics,
    table,
    to_parquet,
)
from operator_ui.components.trail import (
    citations,
    issues,
    provenance,
    source_words,
    sqls,
    trail,
    trail_frame,
)

__all__ = [
    "CHARTS",
    "CODE_LABELS",
    "DATE_FORMAT",
    "FRACTION_COLUMNS",
    "HEADER_UNITS",
    "HIDDEN_RECORDS",
    "ID_COLUMNS",
    "PLACE_COLUMNS",
    "PT_BR_LOCALE",
    "SERIES_COLORS",
    "UNIT_FORMATS",
    "calendar_frame",
    "chart",
    "citations",
    "code_label",
    "column_config",
    "downloads",
    "fmt",
    "frame",
    "headers",
    "is_id_column",
    "issues",
    "label",
    "md",
    "metrics",
    "money_words",
    "plain",
    "provenance",
    "record_fields",
    "result_metrics",
    "scalar_fields",
    "show_result",
    "source_words",
    "sqls",
    "table",
    "to_parquet",
    "trail",
    "trail_frame",
    "translated",
    "unit_title",
]
