"""Administrative entry points used by the CLI and setup: open the store, generate demo data,
ingest exports, build everything on embedded defaults. Keeps channels away from tools.data."""

from __future__ import annotations

from pathlib import Path

from tools.data.store import Store


def open_store(home: str | Path, read_only: bool = False) -> Store:
    return Store(home, read_only=read_only)
