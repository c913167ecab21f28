"""Choose which reply template a result needs (``reply.<tool>.<variant>``), from its value fields.

Only selection lives here; the sentences are in the catalogue and the figures in the result.
"""

from __future__ import annotations

from typing import Any

from assistant.render import jsonable_value, variant
from tools.types import ToolResult


def _v(result: ToolResult[Any]) -> dict[str, Any]:
    raw = jsonable_value(result)
    return raw if isinstance(raw, dict) else {}


@variant("voltage_quality")
def _voltage(result: ToolResult[Any], slots: dict[str, Any]) -> str:
    v = _v(result)
    return "above_limits" if v.get("violated") and v.get("compensation_rs") is not None else "within_limits"


@variant("tariff_flag")
def _flag(result: ToolResult[Any], slots: dict[str, Any]) -> str:
    return "unknown" if _v(result).get("flag") is None else ""


@variant("deadline_status")
def _deadline(result: ToolResult[Any], slots: dict[str, Any]) -> str:
    v = _v(result)
    main = v.get("main")
    if isinstance(main, dict) and main:
        return "late_meter" if main.get("hidden_late") else str(main.get("state") or "")
    rule = v.get("main_rule") or {}
    return f"rules_{rule.get('deadline_unit')}" if rule else ""


@variant("compare_tariffs")
def _tariffs(result: ToolResult[Any], slots: dict[str, Any]) -> str:
    v = _v(result)
    shifted = v.get("branca_shifted") is not None and v.get("savings_branca_shifted_rs") is not None
    key = "savings_branca_shifted_rs" if shifted else "savings_branca_rs"
    try:
        savings = float(v.get(key) or 0)
    except (TypeError, ValueError):
        return ""
    prefix = "shift_" if shifted else ""
    return f"{prefix}branca_better" if savings > 0 else f"{prefix}convencional_better"


@variant("consumption_summary")
def _consumption(result: ToolResult[Any], slots: dict[str, Any]) -> str:
    period = _v(result).get("period") or {}
    return (
        "reply.consumption_summary_day"
        if period.get("start") and period.get("start") == period.get("end")
        else ""
    )


@variant("contracted_demand")
def _demand(result: ToolResult[Any], slots: dict[str, Any]) -> str:
    return str(_v(result).get("verdict") or "")
