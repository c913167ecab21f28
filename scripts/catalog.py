"""The README's tool catalogue, generated from the registry (``python -m scripts.catalog --write``).

A test fails when the README section is not what this module generates (sqlite-utils' cog habit).
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from tools import registry

START, END = "<!-- catalog:start -->", "<!-- catalog:end -->"


def markdown() -> str:
    lines = ["| tool | audience | arguments | what it answers |", "|---|---|---|---|"]
    for name, spec in sorted(registry.all_specs().items()):
        args = ", ".join(f"`{a}`" for a in list(spec.args_model.model_fields)[:8])
        if len(spec.args_model.model_fields) > 8:
            args += ", …"
        summary = spec.summary.replace("|", "/")
        lines.append(f"| `{name}` | {', '.join(spec.audience)} | {args} | {summary} |")
    lines.append("| `search_knowledge` | customer, operator | `query` | Cited passages from the pt-BR knowledge base (assistant layer). |")
    lines.append("| `handoff_to_agent` | customer | — | Queue the conversation for a human with a summary (assistant policy). |")
    return "\n".join(lines)


def render_readme(text: str) -> str:
    block = f"{START}\n{markdown()}\n{END}"
    return re.sub(re.escape(START) + r".*?" + re.escape(END), lambda _: block, text, flags=re.S)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--write", action="store_true", help="update README.md in place")
    args = ap.parse_args()
    readme = Path(__file__).resolve().parents[1] / "README.md"
    new = render_readme(readme.read_text(encoding="utf-8"))
    if args.write:
        readme.write_text(new, encoding="utf-8")
    else:
        print(markdown())  # noqa: T201


if __name__ == "__main__":
    main()
