"""Labels and values for people: field and code labels from the ``ui.*`` catalogue, plain values,
the tables and value cards a result is made of (no Streamlit calls)."""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import pandas as pd

from assistant.i18n import has, t
from assistant.render import flat_fields, fmt_value
from tools.api.fleet.common import place_name
from tools.types import ToolResult

_MAX_METRICS = 8
#: Columns whose values are catalogue codes, shown translated (downloads keep the codes).
CODE_LABELS: dict[str, str] = {
    "request_type": "deadlines.request_type",
    "family": "deadlines.family",
    "state": "deadlines.state",
    "meter_flag": "deadlines.meter_flag",
    "done_source": "deadlines.done_source",
    "deadline_unit": "deadlines.unit",
    "level": "ui.levels",
    "key": "ui.event",
    "top_code": "ui.event",
    "category": "ui.event_category",
    "kind": "ui.kinds",
    "day_type": "ui.day_type",
    "posto": "billing.posto",
    "parameter": "cost.param",
    "segment": "cost.segment",
    "infrastructure": "cost.infra",
    "type": "ui.order_type",
    "priority": "ui.priority",
    "basis": "ui.basis",
    "reason": "ui.interruption_reason",
    "period.label": "ui.periods",
}
#: Value fields that are not data for people (the reply's phrase keys): never shown as a table.
HIDDEN_RECORDS = frozenset({"answer"})


#: Municipality columns shown as officially written (the register stores ASCII names).
PLACE_COLUMNS = frozenset({"region", "municipality"})
#: Identifier columns shown as text (no thousands separator).
ID_COLUMNS = frozenset({"installation_id", "request_id", "order_id", "entity_id", "group_id", "code", "id"})
#: Fraction columns (0..1) shown as percentages.
FRACTION_COLUMNS = frozenset({"completeness", "drop_share", "swing_pct", "pct", "share", "coverage"})
#: Units worth a header suffix.
HEADER_UNITS = frozenset({"%", "h", "R$", "kWh", "kW", "min", "V", "kWh/d", "W"})


def money_words(text: str) -> str:
    """ "-R$ 13,90" → "R$ 13,90 a menos" (a sign before money is easy to miss)."""
    m = re.fullmatch(r"-\s?(R\$\s?[\d.,]+)", text.strip())
    return t("ui.money_less", amount=m.group(1)) if m else text


def md(text: str) -> str:
    """Text for Streamlit Markdown: "$" kept literal (two R$ amounts would otherwise render as LaTeX)."""
    return str(text).replace("$", "\\$")


def label(name: str) -> str:
    """pt-BR label of a value field or column (``ui.field.<name>``), else the name spaced out."""
    leaf = name.rsplit(".", 1)[-1]
    for key in (name.replace(".", "_"), leaf):
        if has(f"ui.field.{key}"):
            return t(f"ui.field.{key}")
    return leaf.replace("_", " ")


def plain(value: Any) -> Any:
    """A table cell: Decimal → float, enums → value, lists of scalars → text; dates kept."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(str(plain(v)) for v in value)
    return value


def _flatten(prefix: str, obj: Any, out: dict[str, Any]) -> None:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        obj = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    if isinstance(obj, Mapping):
        for k, v in obj.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, out)
        return
    if (
        isinstance(obj, list | tuple)
        and obj
        and (isinstance(obj[0], Mapping) or dataclasses.is_dataclass(obj[0]))
    ):
        out[prefix] = len(obj)  # nested records: count only
        return
    out[prefix] = plain(obj)


def code_label(prefix: str, value: Any) -> Any:
    """The catalogue label of a code (``ui.event.power_down`` → "queda de energia"), else the code."""
    if not isinstance(value, str):
        return value
    key = f"{prefix}.{value}" if prefix else value
    if has(key):
        try:
            return t(key)
        except (KeyError, IndexError):
            return value
    vendor = re.fullmatch(r"vendor_(?:event|alarm)_(\d+)", value)
    if vendor:  # a manufacturer code outside the standard table
        return t("ui.vendor_event", code=vendor.group(1))
    return value


def _cell_text(v: Any) -> Any:
    """A cell of a mixed column: numbers and months in pt-BR ("1,5", "11/2026"), empty for None."""
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    if isinstance(v, bool):
        return t("ui.yes") if v else t("ui.no")
    if isinstance(v, int | float | Decimal):
        return fmt_value(v)
    if isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}", v):
        return f"{v[5:]}/{v[:4]}"
    return v


def is_id_column(name: str) -> bool:
    """Identifiers (installation, transformer, request...) are text: never "40.010.023"."""
    leaf = name.rsplit(".", 1)[-1]
    return leaf in ID_COLUMNS or leaf.endswith("_id") or leaf == "id"


def translated(df: pd.DataFrame, names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """A display copy: coded columns translated, ids as text, empty cells blank, pt-BR headers."""
    out = df.copy()
    for col, prefix in CODE_LABELS.items():
        if col in out.columns:
            out[col] = out[col].map(lambda v, p=prefix: code_label(p, v))
    for col in out.columns:
        if str(col) in PLACE_COLUMNS:
            out[col] = out[col].map(lambda v: place_name(v) if isinstance(v, str) else v)
        if is_id_column(str(col)):
            out[col] = out[col].map(
                lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)
            )
        elif out[col].dtype == object:
            out[col] = out[col].map(_cell_text)
        elif pd.api.types.is_float_dtype(out[col]) and str(col) not in FRACTION_COLUMNS:
            out[col] = out[col].round(2)  # no "30,278" nor R$ with three decimals
    return out.rename(columns=dict(names) if names else headers(list(out.columns)))


def headers(columns: Sequence[str]) -> dict[str, str]:
    """pt-BR headers, unique (a repeated label gets the field name appended)."""
    names: dict[str, str] = {}
    used: set[str] = set()
    for col in columns:
        lab = label(col)
        names[col] = lab if lab not in used else f"{lab} ({col})"
        used.add(names[col])
    return names


def calendar_frame(df: pd.DataFrame, date_column: str) -> pd.DataFrame:
    """Rows per date (what falls due on each day), for a calendar chart."""
    counts = df.groupby(date_column).size().rename("n_requests").reset_index()
    counts[date_column] = counts[date_column].astype(str)
    return counts


def frame(items: Iterable[Any]) -> pd.DataFrame:
    """Records (dataclasses or mappings) as a DataFrame with one flat column per leaf field."""
    rows = []
    for item in items:
        row: dict[str, Any] = {}
        _flatten("", item, row)
        rows.append(row)
    df = pd.DataFrame(rows)
    # a nested record missing in some rows (``period=None``) leaves an empty stub beside its leaves
    stubs = [c for c in df.columns if any(str(o).startswith(f"{c}.") for o in df.columns) and df[c].isna().all()]
    return df.drop(columns=stubs)


def record_fields(result: ToolResult[Any]) -> dict[str, pd.DataFrame]:
    """Every list-of-records field of the result's value, as a DataFrame (in field order)."""
    value = result.value
    fields = (
        {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        if dataclasses.is_dataclass(value)
        else dict(value)
        if isinstance(value, Mapping)
        else {}
    )
    out: dict[str, pd.DataFrame] = {}
    for name, v in fields.items():
        if name in HIDDEN_RECORDS:
            continue
        if (
            isinstance(v, list | tuple)
            and v
            and (isinstance(v[0], Mapping) or dataclasses.is_dataclass(v[0]))
        ):
            out[name] = frame(v)
    return out


def scalar_fields(result: ToolResult[Any], limit: int = _MAX_METRICS) -> list[tuple[str, str]]:
    """(field, formatted value) for the value's headline scalars: numbers first, then short texts."""
    value = result.value
    if not dataclasses.is_dataclass(value):
        return []
    formatted = flat_fields(result)
    numbers, nested, texts = [], [], []
    for f in dataclasses.fields(value):
        v = getattr(value, f.name)
        if dataclasses.is_dataclass(v) and f.name != "period":
            for sub in dataclasses.fields(v):
                sv, name = getattr(v, sub.name), f"{f.name}_{sub.name}"
                if isinstance(sv, int | float | Decimal) and not isinstance(sv, bool) and name in formatted:
                    nested.append((name, formatted[name]))
            continue
        if isinstance(v, bool) or f.name not in formatted:
            continue
        if isinstance(v, int | float | Decimal):
            numbers.append((f.name, formatted[f.name]))
        elif isinstance(v, str) and 0 < len(v) <= 40 and f.name not in ("unit", "label"):
            shown = code_label(CODE_LABELS[f.name], v) if f.name in CODE_LABELS else formatted[f.name]
            texts.append((f.name, str(shown)))
    return (numbers + nested + texts)[:limit]


def fmt(result: ToolResult[Any], name: str) -> str:
    """One value field of ``result`` formatted for people (unit from the result); a negative amount
    of money reads "R$ 13,90 a menos"."""
    formatted = flat_fields(result)
    if name in formatted:
        return money_words(formatted[name])
    return fmt_value(getattr(result.value, name, None), result.units.get(name, ""))

