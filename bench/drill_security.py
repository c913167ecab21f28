"""Security and fault drill: replays the attack families of issue 13 against a real ``serve``.

    PYTHONPATH=$PWD python bench/drill_security.py [--workdir DIR]

Builds a small home (3 installations, their titulars, 3 days of readings), starts ``smartmeter
serve`` (one worker, real secrets) and replays, as an attacker or a careless operator would:

* session hijack — client-chosen and stolen session ids, across channels and keys;
* SQL guard escapes — every statement of ``tests/security/sql_attacks.py`` through ``sql_query``;
* identification brute force — CPF-digit guesses from fresh web sessions and one WhatsApp number;
* Twilio forgery and replay — unsigned, forged, old-default-token, altered and replayed webhooks;
* malformed inputs and bodies — oversized, invalid, wrongly typed requests;
* future and invalid dates — a reading in 2099, impossible months and days at the API;
* concurrent ingest while serving — requests keep being answered while ``ingest`` runs.

Prints one row per family: tried / blocked / leaked ("blocked" = refused or answered without
anything it must not show, and for the reliability families: held). Exit status 1 if anything
leaked.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from channels.apikeys import ApiKeyStore  # noqa: E402
from tests.channels.server import free_port  # noqa: E402
from tests.security.sql_attacks import SQL_ESCAPES  # noqa: E402
from tools.api import Scope, ToolContext, run_tool  # noqa: E402
from tools.api.admin import open_store  # noqa: E402
from tools.data.ingest import ingest_paths  # noqa: E402
from tools.data.store import Store  # noqa: E402
from tools.errors import QueryNotAllowed  # noqa: E402

TOKEN = "drill-twilio-token-0123456789abcdef"
MEDIA = "drill-media-secret-0123456789abcdef"
CPF = {"40010001": "52998224725", "40010002": "11144477735", "40010003": "39053344705"}
PHONE = {"40010001": "+5519990010001", "40010002": "+5519990010002", "40010003": "+5519990010003"}
NAMES = {"40010001": "Maria Souza", "40010002": "Joao Lima", "40010003": "Ana Prado"}
PERSONAL = (*CPF.values(), *PHONE.values(), *NAMES.values())
HEADER = "installation_id,ts,interval_min,channel,value,quality\n"


class Tally:
    def __init__(self) -> None:
        self.rows: dict[str, list[int]] = {}

    def add(self, family: str, blocked: bool, leaked: bool = False) -> None:
        row = self.rows.setdefault(family, [0, 0, 0])
        row[0] += 1
        row[1] += int(blocked and not leaked)
        row[2] += int(leaked)

    def print(self) -> None:
        print(f"{'family':<40}{'tried':>7}{'blocked':>9}{'leaked':>8}")
        for family, (tried, blocked, leaked) in self.rows.items():
            print(f"{family:<40}{tried:>7}{blocked:>9}{leaked:>8}")
        total = [sum(r[i] for r in self.rows.values()) for i in range(3)]
        print(f"{'total':<40}{total[0]:>7}{total[1]:>9}{total[2]:>8}")


def _day(iid: str, day: str, wh: int = 100) -> str:
    return "".join(f"{iid},{day} {h:02d}:{m:02d}:00,15,AE_FWD,{wh},0\n" for h in range(24) for m in (0, 15, 30, 45))


def build_home(work: Path) -> Path:
    exports = work / "exports"
    exports.mkdir(parents=True)
    inst = ("installation_id,meter_id,customer_key,group_code,subgroup,customer_class,subclass,phases,"
            "nominal_voltage_v,tariff_modality,gd_kind,distributor,cycle_day,interval_min\n")
    inst += "".join(f"{i},M{i},C{i},B,B1,residencial,residencial,1,127,convencional,none,CPFL_PAULISTA,10,15\n"
                    for i in CPF)
    (exports / "installations.csv").write_text(inst)
    (exports / "customers.csv").write_text("customer_key,installation_id,titular_name,cpf,phone\n" + "".join(
        f"C{i},{i},{NAMES[i]},{CPF[i]},{PHONE[i]}\n" for i in CPF))
    (exports / "load_profile_1.csv").write_text(
        HEADER + "".join(_day(i, d) for i in CPF for d in ("2026-10-01", "2026-10-02", "2026-10-03")))
    home = work / "home"
    with Store(home) as store:
        assert ingest_paths(store, [exports]).ok
    return home


def start_serve(home: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, SMARTMETER_TWILIO_AUTH_TOKEN=TOKEN, SMARTMETER_MEDIA_SECRET=MEDIA, SMARTMETER_PUBLIC_URL=base,
               SMARTMETER_RATE_ANONYMOUS_PER_MIN="100000", SMARTMETER_RATE_PER_PHONE_PER_MIN="100000",
               PYTHONPATH=os.pathsep.join([str(ROOT), *sys.path]), OMP_NUM_THREADS="1")
    proc = subprocess.Popen([sys.executable, "-c", "from channels.cli import main; main()", "--home", str(home),
                             "serve", "--port", str(port), "--workers", "1"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.terminate()
    raise SystemExit("serve did not come up")


def _leaks(text: str) -> bool:
    return any(v in text for v in PERSONAL)


def whatsapp(base: str, body: str, sid: str, phone: str, token: str = TOKEN, url_suffix: str = "",
             tamper: Callable[[dict[str, str]], dict[str, str]] | None = None, sign: bool = True) -> httpx.Response:
    url = base + "/v1/channels/whatsapp"
    form = {"From": f"whatsapp:{phone}", "Body": body, "MessageSid": sid}
    headers = {"X-Twilio-Signature": RequestValidator(token).compute_signature(url + url_suffix, form)} if sign else {}
    sent = tamper(dict(form)) if tamper else form
    return httpx.post(url, data=sent, headers=headers, timeout=60)


# ---------------------------------------------------------------- families
def session_hijack(t: Tally, base: str, keys: dict[str, str]) -> None:
    phone = PHONE["40010001"]
    whatsapp(base, "quanto consumi ontem?", "SMhij1", phone)
    whatsapp(base, CPF["40010001"][-4:], "SMhij2", phone)
    r = httpx.post(base + "/v1/chat", headers={"X-API-Key": keys["a"]}, timeout=60,
                   json={"text": "oi", "installation_id": "40010001"})
    integrator_sid = r.json()["session_id"]
    candidates = [f"wa:{phone}", phone, f"whatsapp:{phone}", f"wa:{phone} ", f"WA:{phone}", f"wa:{phone[1:]}",
                  "wa:+5519990010002", f"twilio:{phone}", integrator_sid, integrator_sid.upper(), "s-" + "A" * 32,
                  "../" + integrator_sid, integrator_sid + "x"]
    for sid in candidates:
        for headers, channel in (({}, "web"), ({}, "whatsapp"), ({"X-API-Key": keys["b"]}, "rest")):
            r = httpx.post(base + "/v1/chat", headers=headers, timeout=60,
                           json={"session_id": sid, "text": "explique minha última conta", "channel": channel})
            body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
            leaked = bool(body.get("identified")) or bool(body.get("tool_calls")) or _leaks(r.text)
            t.add("session hijack", r.status_code < 500, leaked)


def sql_escapes(t: Tally, home: Path) -> None:
    store = open_store(home, read_only=True)
    ctx = ToolContext(store=store, scope=Scope.operator(), today=None)  # type: ignore[arg-type]
    for sql in SQL_ESCAPES:
        try:
            result = run_tool("sql_query", ctx, None, {"sql": sql.format(home=home)})
        except QueryNotAllowed:
            t.add("SQL guard escapes", True)
            continue
        text = json.dumps(result.to_dict(), default=str)
        t.add("SQL guard escapes", True, _leaks(text) or '"digest"' in text or "root:x:" in text)
    store.close()


def brute_force(t: Tally, base: str) -> None:
    target = "40010002"
    right = CPF[target][-4:]
    guesses = [f"{n:04d}" for n in range(0, 10000, 331)][:29] + [right] + ["0000", "9999"]
    for guess in guesses:  # fresh web sessions from one address
        r = httpx.post(base + "/v1/chat", json={"text": f"minha instalação é {target}"}, timeout=60)
        sid = r.json()["session_id"]
        r = httpx.post(base + "/v1/chat", json={"text": guess, "session_id": sid}, timeout=60)
        t.add("identification brute force (web)", r.status_code < 500, bool(r.json().get("identified")))
    phone = PHONE["40010003"]
    right = CPF["40010003"][-4:]
    for i, guess in enumerate(["1111", "2222", "3333", right, right]):  # one WhatsApp number
        whatsapp(base, "quanto consumi ontem?", f"SMbf{i}a", phone)
        r = whatsapp(base, guess, f"SMbf{i}b", phone)
        t.add("identification brute force (WhatsApp)", r.status_code < 500, "confirmada" in r.text)


def twilio_forgery(t: Tally, base: str, home: Path) -> None:
    phone = PHONE["40010001"]
    attacks: list[tuple[str, Callable[[], httpx.Response]]] = [
        ("unsigned", lambda: whatsapp(base, "quanto consumi ontem?", "SMf1", phone, sign=False)),
        ("old default token", lambda: whatsapp(base, "quanto consumi ontem?", "SMf2", phone, token="test-token")),
        ("wrong token", lambda: whatsapp(base, "quanto consumi ontem?", "SMf3", phone, token="x" * 32)),
        ("other URL", lambda: whatsapp(base, "quanto consumi ontem?", "SMf4", phone, url_suffix="?a=1")),
        ("altered body", lambda: whatsapp(base, "oi", "SMf5", phone,
                                          tamper=lambda f: {**f, "Body": "explique minha última conta"})),
        ("altered sender", lambda: whatsapp(base, "oi", "SMf6", phone,
                                            tamper=lambda f: {**f, "From": "whatsapp:" + PHONE["40010002"]})),
        ("empty signature", lambda: httpx.post(base + "/v1/channels/whatsapp", data={"From": "whatsapp:" + phone},
                                               headers={"X-Twilio-Signature": ""}, timeout=60)),
    ]
    for _name, attack in attacks:
        r = attack()
        t.add("Twilio forgery", r.status_code == 403, r.status_code == 200 and "<Message>" in r.text)
    audit = home / "logs" / "audit.jsonl"
    first = whatsapp(base, "oi", "SMreplay1", phone)
    lines = audit.read_text().count("\n")
    for _ in range(5):  # Twilio-style retries and a replay by an attacker holding a captured request
        again = whatsapp(base, "oi", "SMreplay1", phone)
        processed = audit.read_text().count("\n") != lines
        t.add("Twilio replay", again.text == first.text and not processed, processed)


def malformed(t: Tally, base: str, keys: dict[str, str]) -> None:
    op = {"X-API-Key": keys["op"]}
    requests: list[tuple[str, str, dict]] = [
        ("POST", "/v1/chat", {"content": b'{"text": "' + b"a" * 10_000_000 + b'"}',
                              "headers": {"content-type": "application/json"}}),
        ("POST", "/v1/chat", {"content": b"{not json", "headers": {"content-type": "application/json"}}),
        ("POST", "/v1/chat", {"content": b"\xff\xfe\x00", "headers": {"content-type": "application/json"}}),
        ("POST", "/v1/chat", {"json": {"text": 12}}),
        ("POST", "/v1/chat", {"json": {"text": None}}),
        ("POST", "/v1/chat", {"json": {"text": ""}}),
        ("POST", "/v1/chat", {"json": {"text": "oi", "session_id": "s" * 100_000}}),
        ("POST", "/v1/chat", {"json": {"text": "oi", "channel": "satellite"}}),
        ("POST", "/v1/chat", {"json": {"text": "oi", "audience": "operator"}}),
        ("POST", "/v1/chat", {"json": {"text": "\x00\x01 ☃ " * 100}}),
        ("POST", "/v1/chat", {"json": [1, 2, 3]}),
        ("POST", "/v1/chat", {"json": {"text": "oi"}, "headers": {"X-Request-ID": "x" * 8000}}),
        ("POST", "/v1/chat", {"data": {"text": "oi"}}),
        ("POST", "/v1/channels/whatsapp", {"content": b"Body=" + b"a" * 1_000_000,
                                           "headers": {"content-type": "application/x-www-form-urlencoded"}}),
        ("GET", "/v1/installations/40010001/consumption", {"params": {"period": "x" * 5000}, "headers": op}),
        ("GET", "/v1/installations/40010001/consumption", {"params": {"peroid": "2026-10"}, "headers": op}),
        ("GET", "/v1/installations/' OR 1=1 --/consumption", {"headers": op}),
        ("GET", "/v1/installations/40010001/consumption", {"headers": {"X-API-Key": "sm_" + "a" * 5000}}),
        ("GET", "/v1/installations/40010001/consumption", {"headers": {"Authorization": "Bearer x"}}),
        ("GET", "/v1/fleet/quality-ranking", {"params": {"limit": "-1"}, "headers": op}),
        ("GET", "/v1/fleet/quality-ranking", {"params": {"limit": "99999999999999999999"}, "headers": op}),
        ("GET", "/v1/media/../../apikeys.json.png", {}),
        ("GET", "/v1/media/e30.AAAA.png", {}),
        ("GET", "/static/..%2f..%2fapikeys.json", {}),
        ("GET", "/v1/knowledge/articles/..%2F..%2Fetc%2Fpasswd", {}),
        ("POST", "/v1/costs/estimate", {"json": {"meters": -5}, "headers": op}),
        ("POST", "/v1/costs/estimate", {"json": {"retention_years": [1e308]}, "headers": op}),
        ("DELETE", "/v1/chat", {}),
    ]
    for method, path, kw in requests:
        try:
            r = httpx.request(method, base + path, timeout=60, **kw)
        except httpx.HTTPError:
            t.add("malformed inputs and bodies", False, True)
            continue
        echoed = len(r.headers.get("X-Request-ID", "")) > 64
        leaked = r.status_code >= 500 or echoed or _leaks(r.text) or '"digest"' in r.text
        t.add("malformed inputs and bodies", 400 <= r.status_code < 500 or r.status_code == 200, leaked)


def dates(t: Tally, base: str, home: Path, keys: dict[str, str]) -> None:
    op = {"X-API-Key": keys["op"]}
    before = httpx.get(base + "/readyz", timeout=60).json()["data_today"]
    future = home.parent / "future"
    future.mkdir()
    (future / "load_profile_future.csv").write_text(HEADER + "40010001,2099-12-31 23:45:00,15,AE_FWD,100,0\n")
    (future / "events_future.csv").write_text("installation_id,ts,code\n40010001,2099-12-31 23:45:00,1\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), *sys.path]))
    out = subprocess.run([sys.executable, "-c", "from channels.cli import main; main()", "--home", str(home), "ingest",
                          str(future), "--json"], env=env, capture_output=True, text=True, timeout=600)
    after = httpx.get(base + "/readyz", timeout=60).json()["data_today"]
    quarantined = out.stdout.count("future_timestamp") > 0
    t.add("future and invalid dates", quarantined and after == before, after != before)
    for path, params in [
        ("/v1/installations/40010001/bills/2026-13/explanation", {}),
        ("/v1/installations/40010001/bills/0000-01/explanation", {}),
        ("/v1/installations/40010001/bills/9999-12/explanation", {}),
        ("/v1/installations/40010001/bills/1970-01/explanation", {}),
        ("/v1/installations/40010001/consumption", {"period": "2026-02-29"}),
        ("/v1/installations/40010001/consumption", {"period": "2026-02-30"}),
        ("/v1/installations/40010001/consumption", {"period": "2026-11-31"}),
        ("/v1/installations/40010001/consumption", {"start": "2026-02-30", "end": "2026-03-01"}),
        ("/v1/installations/40010001/consumption", {"period": "last_0_days"}),
        ("/v1/fleet/completeness", {"group": "Z"}),
        ("/v1/fleet/completeness", {"group": ""}),
    ]:
        r = httpx.get(base + path, params=params, headers=op, timeout=60)
        t.add("future and invalid dates", r.status_code in (404, 422), r.status_code >= 500)
    for body in ({"eval_month": "1900-01"}, {"eval_month": "9999-12"}, {"eval_month": "2026-13"}):
        t0 = time.monotonic()
        r = httpx.post(base + "/v1/costs/estimate", json=body, headers=op, timeout=120)
        t.add("future and invalid dates", r.status_code == 422, r.status_code >= 500 or time.monotonic() - t0 > 10)
    for text in ("quanto consumi em 30 de fevereiro?", "conta de janeiro de 1970", "consumo de 31/11/2026"):
        r = whatsapp(base, text, f"SMdate{abs(hash(text)) % 10**6}", PHONE["40010001"])
        t.add("future and invalid dates", r.status_code == 200 and "<Message>" in r.text, r.status_code >= 500)


def concurrent_ingest(t: Tally, base: str, home: Path, keys: dict[str, str]) -> None:
    more = home.parent / "more"
    more.mkdir()
    (more / "load_profile_more.csv").write_text(HEADER + "".join(_day(i, "2026-10-04", 200) for i in CPF))
    stop = threading.Event()
    codes: list[int] = []

    def hammer() -> None:
        while not stop.is_set():
            try:
                r = httpx.get(base + "/v1/installations/40010001/consumption", params={"period": "2026-10-02"},
                              headers={"X-API-Key": keys["op"]}, timeout=60)
                codes.append(r.status_code)
            except httpx.HTTPError:
                codes.append(599)

    thread = threading.Thread(target=hammer, daemon=True)
    thread.start()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), *sys.path]))
    out = subprocess.run([sys.executable, "-c", "from channels.cli import main; main()", "--home", str(home), "ingest",
                          str(more)], env=env, capture_output=True, text=True, timeout=600)
    time.sleep(1.0)
    stop.set()
    thread.join(timeout=60)
    t.add("concurrent ingest while serving", out.returncode == 0, out.returncode != 0)
    for code in codes:
        t.add("concurrent ingest while serving", code == 200, code >= 500)
    after = httpx.get(base + "/readyz", timeout=60).json()["data_today"]
    t.add("concurrent ingest while serving", after == "2026-10-05", after != "2026-10-05")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workdir", default=None, help="Where to build the drill's home (default: a temp dir).")
    args = ap.parse_args()
    logging.getLogger("sqlglot").setLevel(logging.ERROR)  # "unsupported syntax" notes of refused statements
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="drill-"))
    home = build_home(work)
    keys = {"a": ApiKeyStore(home).create("app-a", "integrator", ("40010001",)),
            "b": ApiKeyStore(home).create("app-b", "integrator", ("40010002",)),
            "op": ApiKeyStore(home).create("ops", "operator")}
    proc, base = start_serve(home)
    tally = Tally()
    try:
        session_hijack(tally, base, keys)
        sql_escapes(tally, home)
        brute_force(tally, base)
        twilio_forgery(tally, base, home)
        malformed(tally, base, keys)
        dates(tally, base, home, keys)
        concurrent_ingest(tally, base, home, keys)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    tally.print()
    raise SystemExit(1 if any(r[2] for r in tally.rows.values()) else 0)


if __name__ == "__main__":
    main()
