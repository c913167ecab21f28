"""Synthetic CRM export of service requests for the demo fleet (``service_requests.csv``).

Reads what the fleet generator wrote in ``out_dir`` (``installations.csv``, ``events_*.csv``,
``metadata.json``) and writes a seeded, deterministic stream of requests in the
``service_requests`` export format (request_id, installation_id, request_type, opened_at,
closed_at, status, area, region):

- a religacao for every suspension (relay disconnect, code 30): opened at the payment
  (``metadata.json`` ``suspensions[].payment_ts`` when present, else between the disconnect and
  the reconnect); the CRM closes it shortly after the meter's reconnect (31 / power-up 2) or,
  when the meter reconnected after the deadline, *before the deadline* -- the late case the
  meter exposes; still-suspended meters get an open request;
- voltage complaints from meters with under/overvoltage events, closed after a few days
  (sometimes before the voltage is back in the limits);
- damage claims (ressarcimento) after some outages (power-down, code 1);
- a background stream of the other request types (reclamacoes with and without visit,
  afericao do medidor, troca de modalidade, titularidade, cadastro...), mostly on time, about
  one in nine late, the most recent ones still open;
- for the demo customer (``metadata.json`` ``demo_customer``): an open metering inspection and
  a complaint solved late.

Deadlines come from :mod:`tools.domain.deadlines` so that "late" means late by REN 1.000.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tools.data import schema
from tools.domain import deadlines as dl
from tools.domain.deadline_reference import load_reference

HEADER = next(f.header for f in schema.EXPORT_FORMATS if f.kind == "service_requests")
FILE_NAME = "service_requests.csv"
_DEFAULT_END = dt.datetime(2026, 11, 26)

#: Background requests per installation and month, by type.
BACKGROUND_RATES: dict[str, float] = {
    "reclamacao_sem_visita": 0.020,
    "reclamacao_com_visita": 0.010,
    "alteracao_cadastral": 0.008,
    "inspecao_medidor": 0.004,
    "troca_modalidade_tarifaria": 0.003,
    "alteracao_titularidade": 0.003,
    "solicitacao_geral": 0.004,
    "classificacao_tarifaria": 0.002,
    "substituicao_medidor": 0.002,
    "ouvidoria": 0.002,
    "historico_demandas": 0.0015,
    "copia_gravacao": 0.001,
    "informacao_continuidade": 0.001,
    "reclamacao_compensacao_faturamento": 0.001,
}
LATE_SHARE = 0.11
CANCEL_SHARE = 0.02


# ----------------------------------------------------------------------------- inputs


def _read_installations(out_dir: Path) -> pd.DataFrame:
    path = out_dir / "installations.csv"
    if not path.exists():
        return pd.DataFrame(columns=["installation_id", "area", "municipality"])
    df = pd.read_csv(path, dtype=str, usecols=lambda c: c in ("installation_id", "area", "municipality"))
    for col in ("area", "municipality"):
        if col not in df:
            df[col] = None
    df["area"] = df["area"].fillna("urbana").str.lower()
    df["municipality"] = df["municipality"].fillna("-")
    return df.sort_values("installation_id").reset_index(drop=True)


def _read_events(out_dir: Path, codes: set[int]) -> pd.DataFrame:
    frames = []
    for path in sorted(out_dir.glob("events*.csv")):
        df = pd.read_csv(path, dtype={"installation_id": str}, usecols=["installation_id", "ts", "code"])
        df = df[df["code"].isin(codes)]
        frames.append(df)
    if not frames:
        return pd.DataFrame(
            {
                "installation_id": pd.Series(dtype=str),
                "ts": pd.Series(dtype="datetime64[us]"),
                "code": pd.Series(dtype=int),
            }
        )
    ev = pd.concat(frames, ignore_index=True)
    ev["ts"] = pd.to_datetime(ev["ts"]).astype("datetime64[us]")
    return ev.sort_values(["installation_id", "ts", "code"]).reset_index(drop=True)


def _read_metadata(out_dir: Path) -> dict[str, Any]:
    path = out_dir / "metadata.json"
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def _find(meta: Any, key: str) -> Any:
    """First value of ``key`` anywhere in the (nested) metadata."""
    if isinstance(meta, dict):
        if key in meta:
            return meta[key]
        for v in meta.values():
            found = _find(v, key)
            if found is not None:
                return found
    return None


def _period(meta: dict[str, Any], ev: pd.DataFrame) -> tuple[dt.datetime, dt.datetime]:
    """(start, end-exclusive) of the data."""
    raw = meta.get("period")
    period: dict[str, Any] = raw if isinstance(raw, dict) else {}
    end_s, start_s = meta.get("end", period.get("end")), meta.get("start", period.get("start"))
    end = start = None
    try:
        if isinstance(end_s, str):
            end = dt.datetime.combine(dt.date.fromisoformat(end_s[:10]), dt.time()) + dt.timedelta(days=1)
        if isinstance(start_s, str):
            start = dt.datetime.combine(dt.date.fromisoformat(start_s[:10]), dt.time())
    except ValueError:
        end = start = None
    if end is None:
        end = (
            (pd.Timestamp(ev["ts"].max()).normalize() + pd.Timedelta(days=1)).to_pydatetime()
            if len(ev)
            else _DEFAULT_END
        )
    if start is None:
        start = (
            pd.Timestamp(ev["ts"].min()).normalize().to_pydatetime()
            if len(ev)
            else end - dt.timedelta(days=60)
        )
    return start, end


# ----------------------------------------------------------------------------- helpers


def _fmt(ts: Any) -> str:
    return "" if ts is None or pd.isna(ts) else pd.Timestamp(ts).strftime("%Y-%m-%d %H:%M:%S")


def _business_moment(rng: np.random.Generator, day: dt.date) -> dt.datetime:
    """A time between 08:00 and 17:59 on ``day`` moved to a business day."""
    bd = np.busday_offset(
        np.datetime64(day, "D"), 0, roll="forward", holidays=dl.holiday_array([day.year, day.year + 1])
    )
    minute = int(rng.integers(8 * 60, 18 * 60))
    return dt.datetime.combine(bd.astype(dt.date), dt.time()) + dt.timedelta(minutes=minute)


def _due(request_type: str, opened: dt.datetime, area: str) -> dt.datetime:
    return dl.deadline_for(request_type, opened, area).due_at


def _row(
    inst: pd.Series, rtype: str, opened: dt.datetime, closed: dt.datetime | None, status: str
) -> dict[str, Any]:
    return {
        "installation_id": inst["installation_id"],
        "request_type": rtype,
        "opened_at": opened,
        "closed_at": closed,
        "status": status,
        "area": inst["area"],
        "region": inst["municipality"],
    }


def _office_hours(ts: dt.datetime) -> dt.datetime:
    """The same day, moved into 08:00-17:59 (day-counted deadlines only look at the date)."""
    if ts.hour < 8:
        return ts.replace(hour=8 + ts.minute % 3)
    if ts.hour >= 18:
        return ts.replace(hour=15 + ts.minute % 3)
    return ts


def _close(row: dict[str, Any], end: dt.datetime, office: bool = True) -> dict[str, Any]:
    """Requests closed after the end of the data are still open in the export."""
    closed = row["closed_at"]
    if closed is not None:
        closed = pd.Timestamp(closed).floor("min").to_pydatetime()
        closed = _office_hours(closed) if office else closed
        row["closed_at"] = closed
    if closed is not None and closed >= end:
        row["closed_at"], row["status"] = None, "open"
    return row


# ----------------------------------------------------------------------------- religacoes


def _suspensions(meta: dict[str, Any], ev: pd.DataFrame) -> list[dict[str, Any]]:
    """Suspensions as (installation, disconnect, payment|None, reconnect|None)."""
    out: list[dict[str, Any]] = []
    listed = _find(meta, "suspensions")
    known: set[tuple[str, pd.Timestamp]] = set()
    if isinstance(listed, list):
        for s in listed:
            if not isinstance(s, dict) or "installation_id" not in s or "disconnect_ts" not in s:
                continue
            item = {
                "installation_id": str(s["installation_id"]),
                "disconnect": pd.Timestamp(s["disconnect_ts"]),
                "payment": pd.Timestamp(s["payment_ts"]) if s.get("payment_ts") else None,
                "reconnect": pd.Timestamp(s["reconnect_ts"]) if s.get("reconnect_ts") else None,
            }
            out.append(item)
            known.add((item["installation_id"], item["disconnect"]))
    ref = load_reference()
    recon_codes = set(ref.reconnection_codes)
    for inst, g in ev.groupby("installation_id", sort=True):
        ts, codes = g["ts"].to_numpy(), g["code"].to_numpy()
        for i in np.flatnonzero(codes == ref.suspension_code):
            t0 = pd.Timestamp(ts[i])
            if (str(inst), t0) in known:
                continue
            later = [j for j in range(i + 1, len(ts)) if codes[j] in recon_codes]
            out.append(
                {
                    "installation_id": str(inst),
                    "disconnect": t0,
                    "payment": None,
                    "reconnect": pd.Timestamp(ts[later[0]]) if later else None,
                }
            )
    return sorted(out, key=lambda s: (s["disconnect"], s["installation_id"]))


def _religacoes(
    inst: pd.DataFrame, sus: list[dict[str, Any]], end: dt.datetime, rng: np.random.Generator
) -> list[dict[str, Any]]:
    by_id = inst.set_index("installation_id", drop=False)
    rows: list[dict[str, Any]] = []
    hidden = 0
    for s in sus:
        if s["installation_id"] not in by_id.index:
            continue
        i = by_id.loc[s["installation_id"]]
        t0, rec = s["disconnect"], s["reconnect"]
        pay = s["payment"]
        rtype = "religacao_normal"
        if pay is None:
            hi = (rec if rec is not None else pd.Timestamp(end)) - t0
            span_h = max(hi / pd.Timedelta(hours=1) - 1.0, 0.5)
            pay = (t0 + pd.Timedelta(minutes=int(rng.integers(15, int(min(span_h, 72.0) * 60) + 16)))).floor(
                "min"
            )
            if rng.random() < 0.2:
                rtype = "religacao_urgencia"
        opened = pd.Timestamp(pay).to_pydatetime()
        if opened >= end:
            continue
        if rec is None:
            rows.append(_row(i, rtype, opened, None, "open"))
            continue
        due = _due(rtype, opened, i["area"])
        recd = pd.Timestamp(rec).to_pydatetime()
        if recd > due and (hidden == 0 or rng.random() < 0.5):
            # the CRM closes the order before the deadline; the meter reconnected later
            closed = max(
                due - dt.timedelta(minutes=int(rng.integers(5, 90))), opened + dt.timedelta(minutes=10)
            )
            hidden += 1
        else:
            closed = recd + dt.timedelta(minutes=int(rng.integers(3, 40)))
        status = "open" if (recd <= due and rng.random() < 0.1) else "closed"
        rows.append(
            _close(_row(i, rtype, opened, closed if status == "closed" else None, status), end, office=False)
        )
    return rows


def _showcase(inst: pd.DataFrame, meta: dict[str, Any], end: dt.datetime) -> list[dict[str, Any]]:
    """The demo customer's own requests: a metering inspection still open (asked 5 days before the
    end of the data) and a complaint with visit solved 3 days late about 6 weeks earlier."""
    demo = _find(meta, "demo_customer")
    inst_id = str(demo.get("installation_id")) if isinstance(demo, dict) else None
    by_id = inst.set_index("installation_id", drop=False)
    if inst_id not in by_id.index:
        return []
    i = by_id.loc[inst_id]
    rng = np.random.default_rng(1)
    opened = _business_moment(rng, (end - dt.timedelta(days=5)).date())
    complaint = _business_moment(rng, (end - dt.timedelta(days=45)).date())
    due = dl.deadline_for("reclamacao_com_visita", complaint, i["area"]).due_date
    solved = dt.datetime.combine(due + dt.timedelta(days=3), dt.time(14, 20))
    return [
        _row(i, "inspecao_medidor", opened, None, "open"),
        _close(_row(i, "reclamacao_com_visita", complaint, solved, "closed"), end),
    ]


# ----------------------------------------------------------------------------- complaints and claims


def _voltage_complaints(
    inst: pd.DataFrame,
    ev: pd.DataFrame,
    meta: dict[str, Any],
    start: dt.datetime,
    end: dt.datetime,
    rng: np.random.Generator,
) -> list[dict[str, Any]]:
    """Complaints from meters with under/overvoltage events or under the weak transformers."""
    by_id = inst.set_index("installation_id", drop=False)
    volt = ev[ev["code"].isin([10, 12]) & (ev["ts"] >= pd.Timestamp(start + dt.timedelta(days=7)))]
    when: dict[str, pd.Timestamp] = {}
    for inst_id, g in volt.groupby("installation_id", sort=True):
        when[str(inst_id)] = pd.Timestamp(g["ts"].iloc[int(rng.integers(0, len(g)))])
    weak = _find(meta, "weak_transformer_meters")
    span_days = max((end - start).days - 10, 1)
    for inst_id in weak if isinstance(weak, list) else []:
        when.setdefault(
            str(inst_id), pd.Timestamp(start) + pd.Timedelta(days=int(rng.integers(7, span_days + 7)))
        )
    n_max = max(1, len(inst) // 25)
    ids = sorted(when)
    rows: list[dict[str, Any]] = []
    for k in rng.permutation(len(ids))[:n_max]:
        inst_id = ids[int(k)]
        if inst_id not in by_id.index:
            continue
        i = by_id.loc[inst_id]
        opened = _business_moment(rng, (when[inst_id] + pd.Timedelta(days=1)).date())
        rtype = "verificacao_tensao" if rng.random() < 0.75 else "medicao_tensao_168h"
        closed = opened + dt.timedelta(days=float(rng.uniform(2, 22)))
        if opened < end:
            rows.append(_close(_row(i, rtype, opened, closed, "closed"), end))
    return rows


def _damage_claims(
    inst: pd.DataFrame, ev: pd.DataFrame, meta: dict[str, Any], end: dt.datetime, rng: np.random.Generator
) -> list[dict[str, Any]]:
    """Damage claims a few days after an outage (the long-outage feeder's meters first)."""
    by_id = inst.set_index("installation_id", drop=False)
    downs = ev[ev["code"] == schema.EVENT_POWER_DOWN].drop_duplicates("installation_id")
    long_out = _find(meta, "long_outage_meters")
    if isinstance(long_out, list) and downs["installation_id"].isin([str(x) for x in long_out]).any():
        downs = downs[downs["installation_id"].isin([str(x) for x in long_out])]
    rows: list[dict[str, Any]] = []
    n_max = max(1, len(inst) // 20)
    picked = downs.iloc[rng.permutation(len(downs))[:n_max]] if len(downs) else downs
    for inst_id, t in zip(picked["installation_id"], picked["ts"], strict=True):
        if inst_id not in by_id.index:
            continue
        i = by_id.loc[inst_id]
        opened = _business_moment(rng, (pd.Timestamp(t) + pd.Timedelta(days=int(rng.integers(1, 6)))).date())
        fridge = rng.random() < 0.3
        rtype = "ressarcimento_verificacao_refrigeracao" if fridge else "ressarcimento_danos"
        due = _due(rtype, opened, i["area"])
        frac = float(rng.uniform(1.1, 1.6)) if rng.random() < 0.25 else float(rng.uniform(0.2, 0.9))
        closed = opened + (due - opened) * frac
        if opened < end:
            rows.append(_close(_row(i, rtype, opened, closed, "closed"), end))
    return rows


def _background(
    inst: pd.DataFrame, start: dt.datetime, end: dt.datetime, rng: np.random.Generator
) -> list[dict[str, Any]]:
    if inst.empty:
        return []
    months = max((end - start).days / 30.44, 0.1)
    span_s = int((end - start).total_seconds())
    frames = []
    for rtype, rate in BACKGROUND_RATES.items():
        n = int(rng.poisson(rate * months * len(inst)))
        if n == 0:
            continue
        who = inst.iloc[rng.integers(0, len(inst), n)]
        offs = rng.integers(0, span_s, n)
        opened = pd.to_datetime([start + dt.timedelta(seconds=int(o)) for o in offs])
        office = rng.random(n) < 0.85  # most protocols in office hours
        hours = rng.integers(8 * 60, 18 * 60, n)
        opened = pd.DatetimeIndex(
            np.where(office, opened.normalize() + pd.to_timedelta(hours, unit="m"), opened)
        )
        frames.append(
            pd.DataFrame(
                {
                    "installation_id": who["installation_id"].to_numpy(),
                    "request_type": rtype,
                    "opened_at": opened.round("min"),
                    "area": who["area"].to_numpy(),
                    "region": who["municipality"].to_numpy(),
                    "status": "open",
                }
            )
        )
    if not frames:
        return []
    df = pd.concat(frames, ignore_index=True)
    timed = dl.evaluate_timing(df, end)
    span = pd.to_datetime(timed["due_at"]) - pd.to_datetime(timed["opened_at"])
    late = rng.random(len(df)) < LATE_SHARE
    frac = np.where(late, rng.uniform(1.05, 1.8, len(df)), rng.uniform(0.1, 0.95, len(df)))
    closed = pd.to_datetime(df["opened_at"]) + span * frac
    cancel = rng.random(len(df)) < CANCEL_SHARE
    df["closed_at"] = closed.dt.round("min")
    df["status"] = np.where(cancel, "cancelled", "closed")
    rows = []
    for rec in df.to_dict("records"):
        rec["opened_at"] = pd.Timestamp(rec["opened_at"]).to_pydatetime()
        rec["closed_at"] = pd.Timestamp(rec["closed_at"]).to_pydatetime()
        rows.append(_close(rec, end))
    return rows


# ----------------------------------------------------------------------------- entry point


def generate_service_requests(out_dir: Path, seed: int) -> int:
    """Write ``out_dir/service_requests.csv`` from the fleet files in ``out_dir``; return the row count."""
    out_dir = Path(out_dir)
    inst = _read_installations(out_dir)
    ev = _read_events(out_dir, {schema.EVENT_POWER_DOWN, schema.EVENT_POWER_UP, 10, 12, 30, 31})
    meta = _read_metadata(out_dir)
    start, end = _period(meta, ev)
    rng = np.random.default_rng([int(seed), 1010])
    rows = _religacoes(inst, _suspensions(meta, ev), end, rng)
    rows += _voltage_complaints(inst, ev, meta, start, end, rng)
    rows += _damage_claims(inst, ev, meta, end, rng)
    rows += _background(inst, start, end, rng)
    rows += _showcase(inst, meta, end)
    df = pd.DataFrame(
        rows,
        columns=["installation_id", "request_type", "opened_at", "closed_at", "status", "area", "region"],
    )
    df = df.sort_values(["opened_at", "installation_id", "request_type"], kind="stable").reset_index(
        drop=True
    )
    df.insert(0, "request_id", [f"SR{seed % 1000:03d}{k + 1:07d}" for k in range(len(df))])
    df["opened_at"] = df["opened_at"].map(_fmt)
    df["closed_at"] = df["closed_at"].map(_fmt)
    df = df[list(HEADER)]
    df.to_csv(out_dir / FILE_NAME, index=False)
    return int(len(df))
