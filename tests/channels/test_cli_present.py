"""CLI as a person meets it: a wrong --home, errors in pt-BR with the valid values, --json, and a
copilot that stops its Streamlit child (and frees the port) on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from channels.cli import main
from tests.channels.server import free_port


def _run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args))


def test_missing_home_says_run_setup_and_creates_nothing(tmp_path: Path) -> None:
    home = tmp_path / "mistyped"
    for cmd in (["installations"], ["tool", "consumption_summary", "--installation", "40010001"],
                ["ask", "oi", "--installation", "40010001"]):
        res = _run("--home", str(home), *cmd)
        assert res.exit_code == 1, res.output
        assert "smartmeter setup" in res.output
    assert not home.exists()  # no empty store silently created


def test_tool_errors_in_pt_br_with_allowed_values(demo_home: Path) -> None:
    res = _run("--home", str(demo_home), "tool", "consumption_summary", "--installation", "40010001",
               "--args", '{"granularity": "hour"}', "--json")
    assert res.exit_code == 2
    out = json.loads(res.stdout)
    assert out["errors"][0]["field"] == "granularity"
    assert out["errors"][0]["allowed"] == ["compare", "period"]
    assert "Extra inputs" not in res.output and "error.invalid" not in out["message"]
    res = _run("--home", str(demo_home), "tool", "quality_ranking", "--args", '{"indicator": "XYZ"}')
    out = json.loads(res.stdout)
    assert out["errors"][0]["allowed"] == ["DRP", "DRC", "DIC", "FIC", "DMIC"]
    res = _run("--home", str(demo_home), "tool", "consumption_summary", "--installation", "40010001",
               "--args", '{"period": "2026-13"}')
    assert res.exit_code == 2 and "Traceback" not in res.output and "AAAA-MM" in res.output


def test_json_flags_and_group_case(demo_home: Path) -> None:
    res = _run("--home", str(demo_home), "tool", "consumption_summary", "--installation", "40010001",
               "--args", '{"period": "yesterday"}', "--json")
    assert res.exit_code == 0 and json.loads(res.stdout)["tool"] == "consumption_summary"
    upper = _run("--home", str(demo_home), "installations", "--group", "A", "--json")
    lower = _run("--home", str(demo_home), "installations", "--group", "a", "--json")
    assert json.loads(upper.stdout) == json.loads(lower.stdout) and json.loads(upper.stdout)
    assert all(r["group_code"] == "A" for r in json.loads(upper.stdout))
    help_text = _run("cost", "--help").output
    assert "[A|B]" in help_text.replace("a|b", "A|B")


@pytest.mark.parametrize(("args", "error"), [
    # a missing option, a mistyped option, a missing argument, a value outside the choices or the range
    (["apikey", "create"], "Erro: Falta a opção '--name'."),
    (["cost", "--meter", "10"], "Erro: A opção '--meter' não existe. Você quis dizer '--meters'?"),
    (["tool"], "Erro: Falta o argumento 'NAME'."),
    (["cost", "--group", "C"], "Erro: Valor inválido em '--group': 'C' não é um destes: 'a', 'b'."),
    (["cost", "--phases", "4"], "Erro: Valor inválido em '--phases': 4 está fora do intervalo 1<=x<=3."),
    (["cost", "--meters", "muitos"], "Erro: Valor inválido em '--meters': 'muitos' não é um número válido."),
    (["cost", "--interval", "7"],
     "Erro: Valor inválido em --interval-minutes: Valor não aceito. Use um destes: 1, 5, 10, 15, 30, 60."),
    (["cost", "--retention", "99"], "Erro: Valor inválido em --retention-years: Deve estar entre 0,25 e 50."),
    (["outage-notices", "--now"], "Erro: A opção '--now' precisa de um valor."),
    (["engage", "--now", "2026-11-26T08:05:00"],
     "Erro: Valor inválido em --now: informe o fuso horário em relação ao UTC, por exemplo -03:00."),
    (["identification", "unlock"], "Erro: Informe --installation ou --phone."),
    (["exportar"], "Erro: O comando 'exportar' não existe. Você quis dizer 'export'?"),
])
def test_usage_errors_in_pt_br(args: list[str], error: str) -> None:
    """Operators read Click's usage errors: plain pt-BR, the option named, no English left."""
    res = _run(*args)
    assert res.exit_code == 2, res.output
    lines = res.output.strip().splitlines()
    assert lines[-1] == error
    if len(lines) > 1:  # the usage line and where to find the options come first
        assert lines[0].startswith("Uso: main ") and "para ver as opções" in res.output.lower()
    assert not any(w in res.output for w in ("Error", "Usage", "Missing", "Invalid", "Try ", "is not"))


def test_help_headings_in_pt_br_and_click_restored_afterwards() -> None:
    help_text = _run("--help").output
    assert help_text.startswith("Uso: main [OPTIONS] COMMAND [ARGS]...")
    assert "Opções:" in help_text and "Comandos:" in help_text and "Mostra esta ajuda e sai." in help_text

    @click.command()
    @click.option("--n", type=int, required=True)
    def other(n: int) -> None:
        """Another program in the same process keeps Click's own texts."""

    assert "Missing option '--n'." in CliRunner().invoke(other, []).output


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.integration
def test_copilot_sigterm_stops_streamlit_and_frees_the_port(demo_home: Path) -> None:
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    proc = subprocess.Popen([sys.executable, "-m", "channels.cli", "--home", str(demo_home), "copilot",
                             "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not _listening(port):
            assert proc.poll() is None, "copilot exited before listening"
            assert time.monotonic() < deadline, "Streamlit never listened"
            time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        assert not _listening(port)  # the Streamlit child is gone with its port
    finally:
        if proc.poll() is None:
            proc.kill()
