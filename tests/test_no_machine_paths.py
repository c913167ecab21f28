"""No machine paths in the repository: files are found relative to the repository root (the shared
eval sets and domain notes as ``../shared/`` beside it, as in CI), never by an absolute path of one
machine (issue 15: a test read ``/work/shared/eval/...``)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: an absolute path into a home, a workspace or a mount (POSIX or Windows)
MACHINE_PATH = re.compile(
    r"(?<![\w.~/$:-])/(?:work|home|root|Users|mnt|opt|srv)/[\w.-]+|\b[A-Z]:\\\\(?:Users|work)\\\\",
    re.IGNORECASE,
)
TEXT_SUFFIXES = {
    ".py",
    ".md",
    ".toml",
    ".json",
    ".jsonl",
    ".yaml",
    ".yml",
    ".cfg",
    ".ini",
    ".txt",
    ".sh",
    ".sql",
    ".html",
    ".js",
    ".css",
}


def _tracked_files() -> list[Path]:
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [ROOT / line for line in out.splitlines() if line]


def test_the_pattern_catches_machine_paths() -> None:
    for bad in (
        'EVAL = Path("/work/shared/eval/operator_dev.jsonl")',
        "open('/home/ana/x.csv')",
        "/root/.cache/x",
        "C:\\\\Users\\\\ana\\\\x",
    ):
        assert MACHINE_PATH.search(bad), bad
    for ok in (
        "../shared/eval/x.jsonl",
        "https://example.org/home/page",
        "lake/month=2026-10/part-0000.parquet",
        "~/.cache/x",
    ):
        assert not MACHINE_PATH.search(ok), ok


def test_no_machine_paths_in_tracked_files() -> None:
    offenders = []
    for path in _tracked_files():
        if not path.is_file() or (path.suffix not in TEXT_SUFFIXES and path.name not in ("Makefile", "run")):
            continue
        if path == Path(__file__).resolve():
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if MACHINE_PATH.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()[:120]}")
    assert offenders == []
