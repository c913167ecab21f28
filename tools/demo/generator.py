"""Seeded, deterministic synthetic fleet generator (what ``smartmeter demo-data`` writes).

``generate(out_dir, meters, months, seed, end)`` writes MDM-shaped exports in the formats of
``schema.EXPORT_FORMATS`` plus ``metadata.json`` (returned too) naming every scenario. The
same arguments give byte-identical files. Work is streamed month by month and in batches of
whole transformers, so memory stays bounded for large fleets. See docs/scenarios.md.

Module map: ``demo_fleet`` (register, topology, roles), ``demo_events`` (outages and other
schedules, events), ``demo_load`` (load/PV models), ``demo_grid`` (net metering, voltages),
``demo_output`` (aggregation, registers, writers), ``demo_crafted`` (crafted voltage weeks).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from tqdm import tqdm

from tools.data import schema
from tools.demo.calendar import fmt_s, make_grid, make_weather, month_chunks, to_s
from tools.demo.crafted import CRAFTED_CASES, crafted_voltage_week
from tools.demo.events import Schedule, build_schedule
from tools.demo.fleet import Fleet, build_fleet, challenge_start
from tools.demo.grid import simulate
from tools.demo.output import (
    Registers,
    Sink,
    events_table,
    in_windows,
    intervals,
    lp_table,
    register_rows,
    registers_table,
    stream_lines,
    voltage_events,
    voltage_table,
)
from tools.demo.service_requests import FILE_NAME as REQUESTS_FILE
from tools.demo.service_requests import generate_service_requests
from tools.domain.calendar import cycle_containing
from tools.domain.periods import add_months

__all__ = ["CRAFTED_CASES", "crafted_voltage_week", "generate", "scenario_ids"]

BATCH_METERS = 96
STREAM_DAYS = 2
DEMO_END = dt.date(2026, 11, 25)


#: customers who opted in to outage notices in the demo (docs/scenarios.md, ``outage_notice_opt_in``)
OUTAGE_OPT_IN = 12


def _outage_opt_in(inst: pd.DataFrame) -> list[str]:
    """The first 12 installations of the demo customer's transformer (all of them when fewer)."""
    demo_tr = inst["transformer_id"].iloc[0]
    ids = sorted(str(i) for i in inst.loc[inst["transformer_id"] == demo_tr, "installation_id"])
    return ids[:OUTAGE_OPT_IN]


def scenario_ids(metadata: dict[str, Any], name: str) -> list[str]:
    """Installation (or transformer/feeder) ids of a named scenario in ``metadata``."""
    scen = metadata["scenarios"]
    if name not in scen:
        raise KeyError(f"unknown scenario {name!r}; valid: {', '.join(sorted(scen))}")
    value = scen[name]
    if isinstance(value, str):
        return [value]
    out = []
    for v in value:
        if isinstance(v, dict):
            out.append(str(v.get("installation_id") or v.get("feeder_id")))
        else:
            out.append(str(v))
    return list(dict.fromkeys(out))


def generate(
    out_dir: Path,
    meters: int = 60,
    months: int = 13,
    seed: int = 7,
    end: dt.date = DEMO_END,
    voltage_months: int = 3,
    progress: bool = False,
) -> dict[str, Any]:
    """Write the synthetic fleet to ``out_dir`` and return its metadata (also ``metadata.json``)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _clear_previous(out_dir)
    start = add_months(end, -months) + dt.timedelta(days=1)
    v_start = max(start, add_months(end, -voltage_months) + dt.timedelta(days=1))
    fleet = build_fleet(meters, seed, start, end)
    sched = build_schedule(fleet, seed, start, end)
    weather = make_weather(seed, start, (end - start).days + 1)
    inst = fleet.inst
    recs = inst.to_dict("records")
    ids = inst["installation_id"].tolist()
    id_dict = pa.array(ids)
    ch_dict = pa.array(list(schema.CHANNELS))
    stream_start = to_s(end - dt.timedelta(days=STREAM_DAYS - 1))
    stream_rows = {
        int(r)
        for r, idx, kind in zip(range(len(inst)), inst["idx"], inst["kind"], strict=True)
        if int(idx) % 4 == 2 and kind != "group_a" and r not in sched.silent
    }
    silent = sched.silent

    _write_register_files(out_dir, fleet)
    switches = _write_register_changes(out_dir, fleet, start, end)
    batches = _batches(fleet)
    chunks = month_chunks(start, end)
    regs = Registers()
    for row in range(len(inst)):
        regs.init_meter(row, recs[row], seed)
    sink = Sink(out_dir)
    stream_parts: list[pd.DataFrame] = []
    v_start_s = to_s(v_start)

    def keep_voltage(row: int, t10: np.ndarray) -> np.ndarray:
        return np.asarray(
            (t10 >= v_start_s) & (t10 < silent.get(row, 2**62)) & ~in_windows(sched.gaps, row, t10)
        )

    bar = tqdm(total=len(chunks) * len(batches), disable=not progress, desc="demo-data", unit="batch")
    for c_no, (label, first, last) in enumerate(chunks):
        grid = make_grid(label, first, last, start)
        final = c_no == len(chunks) - 1
        derived: list[tuple[int, int, int, float]] = []
        for rows in batches:
            state = simulate(fleet, rows, grid, weather, sched, seed)
            mis = intervals(state, recs, grid)
            lp_parts, st_parts, reg_frames = [], [], []
            for mi in mis:
                alive = mi.ts_s < silent.get(mi.row, 2**62)
                comm = ~in_windows(sched.gaps, mi.row, mi.ts_s)
                in_stream = (
                    (mi.ts_s >= stream_start) if mi.row in stream_rows else np.zeros(len(mi.ts_s), bool)
                )
                lp_parts.append((mi, alive & comm & ~in_stream))
                if in_stream.any():
                    st_parts.append((mi, alive & comm & in_stream))
                reg = register_rows(mi, recs[mi.row], regs, grid, final)
                ok = (reg["ts_s"] < silent.get(mi.row, 2**62)) & ~in_windows(sched.gaps, mi.row, reg["ts_s"])
                reg_frames.append({k: v[ok] for k, v in reg.items()})
            sink.write("load_profile", label, lp_table(lp_parts, id_dict, ch_dict))
            if last >= v_start:
                sink.write("voltage_10min", label, voltage_table(state, recs, grid, keep_voltage, id_dict))
            regs_cols = {k: np.concatenate([f[k] for f in reg_frames]) for k in reg_frames[0]}
            sink.write("billing_registers", label, registers_table(regs_cols, id_dict))
            if st_parts:
                stream_parts.append(stream_lines(st_parts, ids))
            derived += voltage_events(state, recs, grid)
            bar.update(1)
        _write_events(sink, label, grid.t0, to_s(last + dt.timedelta(days=1)), sched, derived, id_dict)
        sink.close_month(label)
    bar.close()
    sink.close()
    stream_files = _write_stream(out_dir, stream_parts)
    meta = _metadata(
        fleet,
        sched,
        {"meters": meters, "months": months, "seed": seed, "end": str(end), "voltage_months": voltage_months},
        start,
        end,
        v_start,
    )
    if switches:
        meta["scenarios"]["modality_switch"] = switches
    meta["stream"] = {
        "files": stream_files,
        "start": fmt_s(stream_start),
        "end": fmt_s(to_s(end + dt.timedelta(days=1))),
        "installations": sorted(ids[r] for r in stream_rows),
        "note": "these load-profile intervals are only in the stream files, not in load_profile_*.csv",
    }
    meta["files"] = {
        **{"installations.csv": len(inst), "customers.csv": len(inst)},
        **({CHANGES_FILE: len(switches)} if switches else {}),
        **sink.files,
        **stream_files,
    }
    (out_dir / "metadata.json").write_text(json.dumps(meta, indent=1, ensure_ascii=True) + "\n")
    # service requests (religacao, reclamacao...) follow from the fleet's events: part of every
    # demo export, so demo-data + ingest gives deadline_status what setup gives it
    n_requests = generate_service_requests(out_dir, seed)
    meta["files"][REQUESTS_FILE] = n_requests
    (out_dir / "metadata.json").write_text(json.dumps(meta, indent=1, ensure_ascii=True) + "\n")
    return meta


def _batches(fleet: Fleet) -> list[np.ndarray]:
    """Batches of whole transformers (voltages need every meter of a transformer), then Group A."""
    pos = {int(i): k for k, i in enumerate(fleet.inst["idx"])}
    out: list[np.ndarray] = []
    cur: list[int] = []
    for members in fleet.transformers["members"]:
        cur += [pos[i] for i in members]
        if len(cur) >= BATCH_METERS:
            out.append(np.array(sorted(cur)))
            cur = []
    if cur:
        out.append(np.array(sorted(cur)))
    a_rows = np.flatnonzero(fleet.inst["kind"].to_numpy() == "group_a")
    for k in range(0, len(a_rows), 12):
        out.append(a_rows[k : k + 12])
    return out


def _clear_previous(out_dir: Path) -> None:
    """Remove the exports of an earlier run in ``out_dir`` (only files this generator writes)."""
    prefixes = tuple(f.prefix for f in schema.EXPORT_FORMATS) + (schema.STREAM_PREFIX,)
    for path in sorted(out_dir.iterdir()):
        if path.is_file() and (path.name == "metadata.json" or path.name.startswith(prefixes)):
            path.unlink()


#: register changes (the versioned installation register): rows with the day they take effect
CHANGES_FILE = "installations_changes.csv"
#: the modality switch goes to the first ordinary convencional CPFL Paulista home from this index
SWITCH_IDX = 30


def _write_register_changes(
    out_dir: Path, fleet: Fleet, start: dt.date, end: dt.date
) -> list[dict[str, str]]:
    """A modality switch (convencional -> branca) of an ordinary residential home, effective at the
    start of the billing cycle containing the middle of the period: the cycles before it are
    billed convencional, those after it branca. Written as a register change (``valid_from``)."""
    inst = fleet.inst
    rows = inst[
        (inst["role"] == "ordinary")
        & (inst["idx"] >= SWITCH_IDX)
        & (inst["tariff_modality"] == "convencional")
        & (inst["subclass"] == "residencial")
        & (inst["distributor"] == "CPFL_PAULISTA")
        & (inst["gd_kwp"] <= 0)
    ].sort_values("idx")
    if rows.empty or (end - start).days < 120:
        return []
    row = rows.iloc[0]
    middle = start + (end - start) / 2
    valid_from = cycle_containing(int(row["cycle_day"]), middle).start
    cols = list(schema.INSTALLATION_COLUMNS)
    out = inst.loc[[rows.index[0]], cols].copy()
    out["gd_kwp"] = out["gd_kwp"].round(1)
    out["tariff_modality"] = "branca"
    out["valid_from"] = valid_from.isoformat()
    out.to_csv(out_dir / CHANGES_FILE, index=False, lineterminator="\n")
    return [
        {
            "installation_id": str(row["installation_id"]),
            "valid_from": valid_from.isoformat(),
            "from": "convencional",
            "to": "branca",
        }
    ]


def _write_register_files(out_dir: Path, fleet: Fleet) -> None:
    cols = list(schema.INSTALLATION_COLUMNS)
    inst = fleet.inst[cols].copy()
    inst["gd_kwp"] = inst["gd_kwp"].round(1)
    inst.to_csv(out_dir / "installations.csv", index=False, lineterminator="\n")
    fleet.customers.to_csv(out_dir / "customers.csv", index=False, lineterminator="\n")


def _write_events(
    sink: Sink,
    label: str,
    t0: int,
    t1: int,
    sched: Schedule,
    derived: list[tuple[int, int, int, float]],
    id_dict: pa.Array,
) -> None:
    ev = sched.events[(sched.events["ts_s"] >= t0) & (sched.events["ts_s"] < t1)]
    if derived:
        d = pd.DataFrame(derived, columns=["row", "ts_s", "code", "value"])
        since = d["row"].map(lambda r: sched.silent.get(int(r), 2**62))
        ev = pd.concat([ev, d[(d["ts_s"] < since) & (d["ts_s"] < t1)]], ignore_index=True)
    ev = ev.drop_duplicates(["row", "ts_s", "code"]).sort_values(["row", "ts_s", "code"], kind="stable")
    sink.write("events", label, events_table(ev, id_dict))


def _write_stream(out_dir: Path, parts: list[pd.DataFrame]) -> dict[str, int]:
    if not parts:
        return {}
    df = pd.concat(parts, ignore_index=True).sort_values(["ts_s", "id"], kind="stable")
    day = pd.to_datetime(df["ts_s"], unit="s").dt.strftime("%Y-%m-%d")
    files = {}
    for d, grp in df.groupby(day, sort=True):
        name = f"{schema.STREAM_PREFIX}_{d}.jsonl"
        (out_dir / name).write_text("\n".join(grp["line"]) + "\n")
        files[name] = len(grp)
    return files


def _ids_where(inst: pd.DataFrame, mask: Any) -> list[str]:
    return [str(x) for x in inst.loc[mask, "installation_id"]]


def _metadata(
    fleet: Fleet, sched: Schedule, args: dict[str, Any], start: dt.date, end: dt.date, v_start: dt.date
) -> dict[str, Any]:
    inst, tr = fleet.inst, fleet.transformers
    role = inst["role"]
    weak_tr = tr[tr["weak"]]
    id_of = dict(zip(inst["idx"], inst["installation_id"], strict=True))
    long_f = sched.meta["long_outage_feeder"]
    demo = fleet.customers.iloc[0]
    scen: dict[str, Any] = {
        "demo": _ids_where(inst, role == "demo"),
        "shower_heavy": _ids_where(inst, role == "shower_heavy"),
        "flat_profile": _ids_where(inst, role == "flat_profile"),
        "solar": _ids_where(inst, role.isin(["solar_gd1", "solar_gd2", "solar_exporter"])),
        "solar_gd1": _ids_where(inst, (role.str.startswith("solar")) & (inst["gd_class"] == "GD1")),
        "solar_gd2": _ids_where(inst, (role.str.startswith("solar")) & (inst["gd_class"] == "GD2")),
        "net_exporter": _ids_where(inst, role == "solar_exporter"),
        "gd_all": _ids_where(inst, inst["gd_kwp"] > 0),
        "branca": _ids_where(inst, (role == "branca")),
        "branca_all": _ids_where(inst, inst["tariff_modality"] == "branca"),
        "baixa_renda": _ids_where(inst, role == "baixa_renda"),
        "commerce": _ids_where(inst, role.isin(["commerce_padaria", "commerce_loja"])),
        "commerce_all": _ids_where(inst, inst["kind"] == "commerce"),
        "group_a": _ids_where(inst, inst["kind"] == "group_a"),
        "group_a_verde": _ids_where(inst, (inst["kind"] == "group_a") & (inst["tariff_modality"] == "verde")),
        "group_a_azul": _ids_where(inst, (inst["kind"] == "group_a") & (inst["tariff_modality"] == "azul")),
        "weak_transformers": weak_tr["transformer_id"].tolist(),
        "weak_transformer_meters": sorted(id_of[i] for m in weak_tr["members"] for i in m),
        "voltage_reference": _ids_where(inst, role == "demo"),
        "phase_problem": _ids_where(inst, role.isin(["phase_sag", "phase_loss"])),
        "phase_sag": _ids_where(inst, role == "phase_sag"),
        "phase_loss": _ids_where(inst, role == "phase_loss"),
        "tamper": [t["installation_id"] for t in sched.meta["tamper"]],
        "silent": sorted(sched.meta["silent_since"]),
        "comm_gaps": sorted(sched.meta["comm_gap_windows"]),
        "zero_consumption": sorted(sched.meta["zero_consumption_since"]),
        "ac_heavy": _ids_where(inst, role == "ac_heavy"),
        "long_outage_feeder": long_f,
        "long_outage_meters": _ids_where(inst, inst["feeder_id"] == long_f),
        "short_outages": sched.meta["short_outages"],
        "suspensions": sched.meta["suspensions"],
        "demand_exceeded": sched.meta["demand_exceeded"],
        "rural": _ids_where(inst, inst["area"] == "rural"),
        "piratininga": _ids_where(inst, inst["distributor"] == "CPFL_PIRATININGA"),
        "nominal_220": _ids_where(inst, inst["nominal_voltage_v"] == 220),
        "shower_challenge": _ids_where(inst, inst["shower_challenge_day"] >= 0),
        "outage_notice_opt_in": _outage_opt_in(inst),
    }
    scen = {k: v for k, v in scen.items() if v not in ([], None, "")}
    details = {k: v for k, v in sched.meta.items() if k not in ("outages",)}
    if scen.get("shower_challenge"):
        details["shower_challenge"] = {"start": str(challenge_start(end)), "moved_to": "22:00-23:30"}
    return {
        "generator": "tools.demo.generator",
        "format_version": 1,
        "args": args,
        "period": {"start": str(start), "end": str(end)},
        "today": str(end + dt.timedelta(days=1)),
        "timezone": "America/Sao_Paulo, naive local wall-clock, ts = interval start",
        "voltage_window": {"start": str(v_start), "end": str(end)},
        "demo_customer": {
            "installation_id": str(demo["installation_id"]),
            "phone": str(demo["phone"]),
            "cpf_last4": str(demo["cpf"])[-4:],
        },
        "scenarios": scen,
        "details": details,
        "outages": sched.meta["outages"],
        "topology": {
            "feeders": fleet.feeders[["feeder_id", "distributor", "municipality", "conjunto_id"]].to_dict(
                "records"
            ),
            "transformers": [
                {
                    "transformer_id": t.transformer_id,
                    "feeder_id": f"AL-{int(t.feeder_no) + 1:03d}",
                    "weak": bool(t.weak),
                    "nominal_v": int(t.nominal_v),
                    "kva": float(t.kva),
                    "area": "rural" if t.rural else "urbana",
                    "installations": sorted(id_of[i] for i in t.members),
                }
                for t in tr.itertuples()
            ],
        },
        "counts": {
            "installations": len(inst),
            "group_a": int((inst["kind"] == "group_a").sum()),
            "group_b": int((inst["kind"] != "group_a").sum()),
            "gd": int((inst["gd_kwp"] > 0).sum()),
            "events_scheduled": len(sched.events),
        },
    }
