"""Helpers shared by the pages: pickers with pt-BR labels and a guarded, cached tool call."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import streamlit as st

from assistant.i18n import has, t
from operator_ui import resources
from tools.errors import ToolError
from tools.types import ToolResult

log = logging.getLogger(__name__)

PERIODS = (
    "this_month",
    "last_month",
    "last_week",
    "last_7_days",
    "last_30_days",
    "yesterday",
    "this_quarter",
    "this_year",
)
LEVELS = ("feeder", "transformer", "meter")
ALL = "__all__"


def option_label(group: str) -> Any:
    """``format_func`` for a picker whose options are catalogue keys under ``ui.<group>``."""

    def fmt(value: Any) -> str:
        key = f"ui.{group}.{value}"
        return t(key) if has(key) else str(value)

    return fmt


def period_picker(key: str, default: str = "last_week", options: Sequence[str] = PERIODS) -> str:
    opts = list(options)
    choice: str = st.selectbox(
        t("ui.period"), opts, index=opts.index(default), key=key, format_func=option_label("periods")
    )
    return choice


def entity_picker(label_key: str, options: Sequence[str], key: str) -> str | None:
    """A selectbox with "Todos" first; returns None for all."""
    opts = [ALL, *options]
    choice = st.selectbox(
        t(label_key), opts, key=key, format_func=lambda x: t("ui.all") if x == ALL else str(x)
    )
    return None if choice == ALL else str(choice)


def call(name: str, installation_id: str | None = None, **args: Any) -> ToolResult[Any] | None:
    """Run a tool (cached); on a tool error show the catalogue message and return None."""
    try:
        with st.spinner(t("ui.loading")):
            return resources.tool(name, installation_id, **args)
    except ToolError as exc:
        log.info("tool %s failed: %s", name, exc.code)
        st.error(t(exc.code) if has(exc.code) else t("error.tool"))
    except Exception:  # a page never shows a traceback to an operator; the log keeps it
        log.exception("tool %s crashed", name)
        st.error(t("error.tool"))
    return None
