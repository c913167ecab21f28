"""H4: ingest while serving; issue 15 #8: a relocatable home (copied, used from another directory)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx

from channels.apikeys import ApiKeyStore
from tests.security.serve_proc import serve_process
from tools.data.ingest import ingest_paths
from tools.data.store import Store

INSTALLATIONS = (
    "installation_id,meter_id,customer_key,group_code,subgroup,customer_class,subclass,phases,nominal_voltage_v,"
    "tariff_modality,gd_kind,distributor,cycle_day,interval_min\n"
    "40010001,M1,C1,B,B1,residencial,residencial,1,127,convencional,none,CPFL_PAULISTA,10,15\n"
)
CUSTOMERS = "customer_key,installation_id,titular_name,cpf,phone\nC1,40010001,Maria Souza,52998224725,+5519990010001\n"
HEADER = "installation_id,ts,interval_min,channel,value,quality\n"


def _day(day: str, wh: int = 100) -> str:
    return "".join(f"40010001,{day} {h:02d}:{m:02d}:00,15,AE_FWD,{wh},0\n" for h in range(24) for m in (0, 15, 30, 45))


def _home(tmp: Path) -> Path:
    exports = tmp / "x1"
    exports.mkdir(parents=True)
    (exports / "installations.csv").write_text(INSTALLATIONS)
    (exports / "customers.csv").write_text(CUSTOMERS)
    (exports / "load_profile_1.csv").write_text(HEADER + _day("2026-10-01") + _day("2026-10-02"))
    home = tmp / "home"
    with Store(home) as store:
        assert ingest_paths(store, [exports]).ok
    return home


def _cli(home: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.run([sys.executable, "-c", "from channels.cli import main; main()", "--home", str(home), *args],
                          env=env, cwd=cwd, capture_output=True, text=True, timeout=300)


def test_ingest_while_serving_and_the_server_sees_the_new_data(tmp_path: Path) -> None:
    home = _home(tmp_path)
    key = ApiKeyStore(home).create("ops", "operator")
    more = tmp_path / "x2"
    more.mkdir()
    (more / "load_profile_2.csv").write_text(HEADER + _day("2026-10-03", 200))
    with serve_process(home) as base:
        h = {"X-API-Key": key}
        assert httpx.get(base + "/readyz", timeout=30).json()["data_today"] == "2026-10-03"
        out = _cli(home, "ingest", str(more), cwd=tmp_path)  # a second process writes while serve runs
        assert out.returncode == 0, out.stderr[-2000:]
        ready = httpx.get(base + "/readyz", timeout=30)
        assert ready.status_code == 200 and ready.json()["data_today"] == "2026-10-04"
        r = httpx.get(base + "/v1/installations/40010001/consumption", params={"period": "2026-10-03"}, headers=h,
                      timeout=60)
        assert r.status_code == 200, r.text[:500]
        assert "19.2" in r.text or "19,2" in r.text  # 96 intervals x 200 Wh = 19,2 kWh: the new day


def test_a_server_starts_during_an_ingest(tmp_path: Path) -> None:
    home = _home(tmp_path)
    with Store(home):  # a writer holds the database (as an ingest does)
        with serve_process(home) as base:
            assert httpx.get(base + "/readyz", timeout=30).status_code == 200


def test_a_copied_home_works_from_another_directory(tmp_path: Path) -> None:
    home = _home(tmp_path / "a")
    moved = tmp_path / "b" / "elsewhere"
    shutil.copytree(home, moved)
    shutil.rmtree(home)  # the original paths no longer exist
    other = tmp_path / "c"
    other.mkdir()
    for args in (["tool", "consumption_summary", "--installation", "40010001", "--args", '{"period": "2026-10-01"}'],
                 ["ask", "--installation", "40010001", "quanto consumi em 01/10/2026?"], ["installations"]):
        out = _cli(moved, *args, cwd=other)
        assert out.returncode == 0, (args, out.stderr[-1500:])
        assert "IOException" not in out.stderr and "Traceback" not in out.stderr
    out = _cli(moved, "tool", "consumption_summary", "--installation", "40010001", "--args",
               '{"period": "2026-10-01"}', cwd=other)
    assert "9.6" in out.stdout or "9,6" in out.stdout  # 96 x 100 Wh
    with serve_process(moved, cwd=other) as base:
        assert httpx.get(base + "/readyz", timeout=30).status_code == 200


def test_a_relative_home_is_resolved(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _home(tmp_path)
    monkeypatch.chdir(tmp_path)
    with Store("home", read_only=True) as store:
        assert store.home.is_absolute()
        monkeypatch.chdir("/")
        assert store.data_today() == dt.date(2026, 10, 3)
