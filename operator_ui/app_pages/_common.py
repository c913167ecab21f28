"""Helpers shared by pages: period picker and a guarded tool call."""

from __future__ import annotations

from typing import Any

import streamlit as st

from assistant.i18n import has, t
from operator_ui import resources
from operator_ui.components import show_result
from tools.errors import ToolError
from tools.types import ToolResult

PERIODS = ["last_week", "yesterday", "last_7_days", "last_30_days", "this_month", "last_month", "this_quarter", "this_year"]


def period_picker(key: str, default: str = "last_week") -> str:
    return st.selectbox(t("ui.period"), PERIODS, index=PERIODS.index(default), key=key,
                        format_func=lambda p: t(f"ui.periods.{p}"))


def run_and_show(name: str, key: str, installation_id: str | None = None, **args: Any) -> ToolResult[Any] | None:
    try:
        result = resources.tool(name, installation_id, **args)
    except ToolError as exc:
        st.error(t(exc.code) if has(exc.code) else t("error.tool"))
        return None
    show_result(result, key=key)
    return result
