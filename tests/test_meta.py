"""Project-wide checks: pt-BR text only in the catalogue, keys exist, formats, docs cover the CLI and tools."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from assistant.i18n import catalogue, format_brl, format_date, format_kwh, format_month, format_pct

ROOT = Path(__file__).resolve().parents[1]


def _py_files(pkg: str) -> list[Path]:
    return [p for p in (ROOT / pkg).rglob("*.py") if ".venv" not in p.parts]


def test_no_user_facing_text_in_tools():
    """Tools emit keys, never sentences: no string literal with non-ASCII letters (docstrings excluded)."""
    offenders = []
    for path in _py_files("tools"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef)
            and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                if any(ord(c) > 127 and c.isalpha() for c in node.value):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_every_literal_catalogue_key_exists():
    cat = catalogue()
    missing = []
    pattern = re.compile(r"""\bt\(\s*["']([a-z][a-z0-9_]*(?:\.[A-Za-z0-9_]+)+)["']""")
    for pkg in ("assistant", "channels", "operator_ui"):
        for path in _py_files(pkg):
            for key in pattern.findall(path.read_text(encoding="utf-8")):
                if not (key in cat or f"{key}.text" in cat or f"{key}.other" in cat):
                    missing.append(f"{path.relative_to(ROOT)}: {key}")
    assert missing == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (format_brl(1234.5), "R$ 1.234,50"),
        (format_brl(0.735), "R$ 0,74"),
        (format_kwh(8.44), "8,4 kWh"),
        (format_pct(0.052), "5,2%"),
        (format_date("2026-10-12"), "12/10/2026"),
        (format_month("2026-03"), "março/2026"),
    ],
)
def test_brazilian_formats(value, expected):
    assert value == expected


def test_catalogue_has_no_english_leftovers():
    stop = re.compile(r"\b(the|your|please|error|failed|invalid|not found|click|download)\b", re.I)
    bad = [k for k, v in catalogue().items() if stop.search(v) and not k.startswith(("ui.download", "field."))]
    assert bad == []


def test_readme_documents_every_cli_command():
    from channels.cli import main

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in main.commands if f"smartmeter {name}" not in readme]
    assert missing == []


def test_readme_lists_every_tool():
    from tools import registry

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in registry.names() if f"`{name}`" not in readme]
    assert missing == []


def test_readme_catalogue_is_generated_from_the_registry():
    from scripts.catalog import render_readme

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert render_readme(text) == text, "run: python -m scripts.catalog --write"
