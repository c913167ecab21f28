"""Fleet register for the demo generator: installations, customers, topology and scenario roles.

Ids are ``4001xxxx`` sequential (``40010001`` is the demo customer). Roles of the first 30
installations are fixed (see ``ROLES`` and docs/scenarios.md); the rest are ordinary homes,
small commerce and, every 100th id, Group A customers, drawn from a per-installation random
stream so that an installation keeps its attributes whatever the fleet size. Titular and
municipality names are ASCII (accents dropped, as in many distributor registers).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tools.demo import names as demo_names

ID_BASE = 40010000

#: Fixed roles of the first installations (1-based index → role).
# fmt: off
ROLES: dict[int, str] = {
    1: "demo", 2: "shower_heavy", 3: "flat_profile", 4: "solar_gd1", 5: "solar_gd2", 6: "solar_exporter",
    7: "branca", 8: "branca", 9: "baixa_renda", 10: "baixa_renda", 11: "commerce_padaria", 12: "commerce_loja",
    13: "group_a_verde", 14: "group_a_azul", 15: "tamper", 16: "tamper", 17: "tamper", 18: "phase_sag",
    19: "phase_loss", 20: "silent", 21: "silent", 22: "comm_gaps", 23: "comm_gaps", 24: "comm_gaps",
    25: "suspension", 26: "suspension", 27: "suspension", 28: "zero_consumption", 29: "ac_heavy", 30: "ordinary",
}
# fmt: on
#: The home that takes the shower challenge (docs/scenarios.md, ``shower_challenge``): from the
#: Monday of the week before the last one, its evening showers move out of the ponta.
SHOWER_CHALLENGE_IDX = 48
#: Scenario meters preferably placed under the weak transformers.
WEAK_PREFERRED = (2, 8, 10, 23, 26, 29)
N_FIXED = len(ROLES)
KVA_SIZES = (15.0, 30.0, 45.0, 75.0, 112.5, 150.0)


def installation_id(idx: int) -> str:
    return f"{ID_BASE + idx:08d}"


def role_of(idx: int) -> str:
    """Role of the 1-based installation ``idx``."""
    if idx in ROLES:
        return ROLES[idx]
    if idx > 100 and idx % 100 == 50:
        return "group_a_extra"
    return "ordinary"


@dataclass
class Fleet:
    inst: pd.DataFrame  # installation register (schema.INSTALLATION_COLUMNS) + model parameters
    customers: pd.DataFrame
    transformers: pd.DataFrame  # transformer_id, feeder_id, weak, nominal_v, kva, rural, members
    feeders: pd.DataFrame  # feeder_id, distributor, municipality, conjunto_id, area
    scenarios: dict[str, list[str]] = field(default_factory=dict)


def _date_between(rng: np.random.Generator, a: dt.date, b: dt.date) -> dt.date:
    span = max((b - a).days, 1)
    return a + dt.timedelta(days=int(rng.integers(0, span)))


def _meter_params(idx: int, role: str, seed: int) -> dict[str, Any]:
    """Static attributes and model parameters of one installation (own random stream)."""
    rng = np.random.default_rng([seed, idx, 0])
    p: dict[str, Any] = {
        "idx": idx,
        "role": role,
        "kind": "home",
        "phases": 1,
        "interval_min": 15,
        "modality": "convencional",
        "subclass": "residencial",
        "gd_kwp": 0.0,
        "gd_class": "none",
    }
    p.update(
        people=int(rng.choice([1, 2, 3, 4, 5], p=[0.15, 0.25, 0.3, 0.2, 0.1])),
        base_w=float(rng.uniform(45, 140)),
        fridge_w=float(rng.uniform(90, 160)),
        fridge_period=float(rng.uniform(40, 75)),
        fridge_phase=float(rng.uniform(0, 75)),
        has_shower=bool(rng.random() < 0.85),
        shower_kw=float(rng.uniform(4.4, 6.8)),
        evening_share=float(rng.uniform(0.55, 0.85)),
        has_ac=bool(rng.random() < 0.3),
        ac_kw=float(rng.uniform(0.9, 1.6)),
        activity_w=float(rng.uniform(150, 450)),
        day_occ=float(rng.uniform(0.2, 0.8)),
        branca_shift=False,
        shower_challenge_day=-1,
        dc_kw=0.0,
        pf=float(rng.uniform(0.92, 0.98)),
        cap_frac=0.0,
        shop_kw=0.0,
        refrig_w=0.0,
        shop_kind="",
        cycle_day=int(rng.integers(1, 29)),
    )
    if role == "ordinary":
        u = rng.random()
        p["interval_min"] = 15 if rng.random() < 0.55 else 60
        p["phases"] = int(rng.choice([1, 2, 3], p=[0.6, 0.3, 0.1]))
        if u < 0.08:
            role = "commerce_ordinary"
        elif rng.random() < 0.08:
            p["gd_kwp"] = round(float(rng.uniform(2.0, 8.0)), 1)
            p["gd_class"] = "GD1" if rng.random() < 0.5 else "GD2"
        if role == "ordinary" and rng.random() < 0.16:
            p["modality"], p["branca_shift"] = "branca", True
        elif role == "ordinary" and p["phases"] == 1 and rng.random() < 0.07:
            p["subclass"] = "baixa_renda"
    # fmt: off
    fixed: dict[str, dict[str, Any]] = {
        "demo": {"people": 4, "has_shower": True, "shower_kw": 5.5, "has_ac": True, "ac_kw": 1.2,
                 "evening_share": 0.75},
        "shower_heavy": {"people": 5, "has_shower": True, "shower_kw": 7.5, "evening_share": 0.85,
                         "has_ac": False, "phases": 2},
        "flat_profile": {"people": 1, "has_shower": False, "has_ac": False, "activity_w": 40.0, "base_w": 160.0,
                         "interval_min": 60, "day_occ": 0.1},
        "solar_gd1": {"gd_kwp": 5.5, "gd_class": "GD1", "phases": 2},
        "solar_gd2": {"gd_kwp": 3.2, "gd_class": "GD2"},
        "solar_exporter": {"gd_kwp": 8.0, "gd_class": "GD2", "phases": 3, "people": 1, "has_ac": False,
                           "activity_w": 120.0},
        "branca": {"modality": "branca", "branca_shift": True, "has_shower": True,
                   "interval_min": 15 if idx == 7 else 60},
        "baixa_renda": {"subclass": "baixa_renda", "people": 3, "base_w": 35.0, "shower_kw": 4.4, "has_ac": False,
                        "activity_w": 120.0, "fridge_w": 90.0, "interval_min": 60 if idx == 9 else 15},
        "tamper": {"has_ac": False, "interval_min": 60 if idx == 15 else 15, "phases": 2 if idx == 17 else 1},
        "phase_sag": {"phases": 3, "has_ac": False},
        "phase_loss": {"phases": 3},
        "silent": {"interval_min": 60 if idx == 21 else 15},
        "comm_gaps": {"interval_min": 15 if idx == 22 else 60},
        "ac_heavy": {"has_ac": True, "ac_kw": 2.6, "people": 3},
    }
    # fmt: on
    p.update(fixed.get(role, {}))
    if role.startswith("commerce"):
        kind = {"commerce_padaria": "padaria", "commerce_loja": "loja"}.get(role) or str(
            rng.choice(["padaria", "loja", "escritorio"])
        )
        p.update(
            kind="commerce",
            shop_kind=kind,
            subclass="comercial",
            has_shower=False,
            phases=3 if kind == "padaria" else int(rng.choice([2, 3])),
            interval_min=60 if role == "commerce_loja" else (15 if rng.random() < 0.7 else 60),
            shop_kw=float(rng.uniform(2.0, 7.0)),
            refrig_w=float(rng.uniform(250, 1400) if kind != "escritorio" else 80),
            ac_kw=float(rng.uniform(1.5, 4.0)),
            has_ac=bool(rng.random() < 0.6),
            pf=float(rng.uniform(0.86, 0.94)),
        )
    if role.startswith("group_a"):
        p.update(
            kind="group_a",
            phases=3,
            interval_min=5,
            subclass="industrial",
            has_shower=False,
            has_ac=False,
            modality="azul"
            if role == "group_a_azul" or (role == "group_a_extra" and rng.random() < 0.3)
            else "verde",
            dc_kw=float(
                {"group_a_verde": 150.0, "group_a_azul": 400.0}.get(role, round(rng.uniform(80, 500), -1))
            ),
            pf=float(rng.uniform(0.90, 0.95)),
            cap_frac=float(rng.uniform(0.15, 0.3)),
        )
    p["role"] = role
    return p


def challenge_start(end: dt.date) -> dt.date:
    """Monday of the week before the one holding ``end`` (2026-11-16 for the default fleet)."""
    return end - dt.timedelta(days=end.weekday() + 7)


def build_fleet(meters: int, seed: int, start: dt.date, end: dt.date) -> Fleet:
    if meters < 1:
        raise ValueError("meters must be >= 1")
    rows = [_meter_params(i, role_of(i), seed) for i in range(1, meters + 1)]
    if meters >= 2 and not any(r["kind"] == "group_a" for r in rows):  # small fleet: last id is Group A
        rows[-1] = _meter_params(meters, "group_a_verde", seed)
    df = pd.DataFrame(rows)
    df.insert(0, "installation_id", [installation_id(i) for i in df["idx"]])
    challenge = challenge_start(end)
    if challenge > start:
        df.loc[df["idx"] == SHOWER_CHALLENGE_IDX, "shower_challenge_day"] = (challenge - start).days
    transformers, feeders = _topology(df, seed)
    _place(df, transformers, feeders)
    _register_columns(df, feeders, seed, start)
    customers = demo_names.customers(df, dict(zip(feeders["feeder_no"], feeders["ddd"], strict=True)), seed)
    return Fleet(inst=df, customers=customers, transformers=transformers, feeders=feeders)


def _topology(df: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Feeders → transformers (10-25 meters) → meters; Group A on the feeders directly."""
    rng = np.random.default_rng([seed, 800])
    b_idx = [int(i) for i in df.loc[df["kind"] != "group_a", "idx"]]
    n_b = len(b_idx)
    mean = min(17.0, max(10.0, n_b / 8))
    n_t = max(1, round(n_b / mean))
    sizes = np.full(n_t, n_b // n_t)
    sizes[: n_b % n_t] += 1
    for _ in range(n_t * 2):  # perturb sizes, keeping 8..25
        a, b = (int(x) for x in rng.integers(n_t, size=2))
        k = int(rng.integers(0, 4))
        if a != b and sizes[a] - k >= 8 and sizes[b] + k <= 25:
            sizes[a] -= k
            sizes[b] += k
    n_f = max(min(3, n_t), math.ceil(n_t / 5))
    counts = [len(part) for part in np.array_split(np.arange(n_t), n_f)]
    if n_f == 3 and n_t >= 4:  # small fleets: the third (Piratininga) feeder has one transformer
        counts = [(n_t - 1) - (n_t - 1) // 2, (n_t - 1) // 2, 1]
    t_feeder = np.repeat(np.arange(n_f), counts)
    local_k = np.concatenate([np.arange(1, c + 1) for c in counts])
    t_ids = [f"TR-{int(f) + 1:03d}{int(k)}" for f, k in zip(t_feeder, local_k, strict=True)]
    weak = np.arange(n_t) % 40 == 17  # large fleets: about one transformer in 40 is weak too
    if n_b >= 20 and n_t >= 3:
        for f in (0, 1):
            first = np.flatnonzero(t_feeder == f)
            if len(first):
                weak[first[0]] = True
    t_pos = np.arange(n_t)
    last_of_feeder = np.append(t_feeder[1:] != t_feeder[:-1], True)
    rural = last_of_feeder & (t_feeder % 3 == 2) & ~weak
    nominal = np.where(rural | ((t_pos % 7 == 4) & ~weak), 220, 127)
    # membership: weak transformers first take preferred scenario meters, then ordinary ones
    present = set(b_idx)
    remaining = list(b_idx)
    members: list[list[int]] = [[] for _ in range(n_t)]
    weak_pref = [i for i in WEAK_PREFERRED if i in present]
    ordinary_desc = [i for i in b_idx if i > N_FIXED]
    for t in (int(x) for x in np.flatnonzero(weak)):
        while len(members[t]) < sizes[t]:
            pool = weak_pref or ordinary_desc or [i for i in remaining if i != 1]
            if not pool:
                break
            pick = pool.pop(0)
            members[t].append(pick)
            remaining.remove(pick)
            for lst in (weak_pref, ordinary_desc):
                if pick in lst:
                    lst.remove(pick)
    normal = [int(t) for t in np.flatnonzero(~weak)]
    demo_t = next(
        (t for t in normal if t_ids[t].endswith("2") and t_feeder[t] == 0), normal[0] if normal else 0
    )
    if 1 in remaining and normal:
        members[demo_t].append(1)
        remaining.remove(1)
    nxt = 0
    for t in normal:
        take = max(0, int(sizes[t]) - len(members[t]))
        members[t] += remaining[nxt : nxt + take]
        nxt += take
    t_list = normal or list(range(n_t))
    for j, i in enumerate(remaining[nxt:]):  # leftovers (only when sizes could not be met)
        members[t_list[j % len(t_list)]].append(i)
    kva = []
    for t in range(n_t):
        need = len(members[t]) * (1.15 if weak[t] else 3.2)
        kva.append(
            max((s for s in KVA_SIZES if s <= need), default=KVA_SIZES[0])
            if weak[t]
            else min((s for s in KVA_SIZES if s >= need), default=KVA_SIZES[-1])
        )
    transformers = pd.DataFrame(
        {
            "transformer_id": t_ids,
            "feeder_no": t_feeder,
            "weak": weak,
            "nominal_v": nominal,
            "kva": kva,
            "rural": rural,
            "members": members,
        }
    )
    feeders = []
    n_paulista = 0
    n_pira = 0
    for f in range(n_f):
        fid = f + 1
        if fid % 8 == 3:
            city, ddd = demo_names.PIRATININGA_CITIES[n_pira % len(demo_names.PIRATININGA_CITIES)]
            dist, k_in_city = "CPFL_PIRATININGA", n_pira // len(demo_names.PIRATININGA_CITIES)
            n_pira += 1
        else:
            city, ddd = demo_names.PAULISTA_CITIES[n_paulista % len(demo_names.PAULISTA_CITIES)]
            dist, k_in_city = "CPFL_PAULISTA", n_paulista // len(demo_names.PAULISTA_CITIES)
            n_paulista += 1
        slug = city.upper().replace(" ", "_")
        feeders.append(
            {
                "feeder_no": f,
                "feeder_id": f"AL-{fid:03d}",
                "distributor": dist,
                "municipality": city,
                "ddd": ddd,
                "conjunto_id": f"CJ-{slug}-{k_in_city // 4 + 1}",
            }
        )
    return transformers, pd.DataFrame(feeders)


def _place(df: pd.DataFrame, transformers: pd.DataFrame, feeders: pd.DataFrame) -> None:
    """Topology columns used by the models: transformer/feeder numbers, nominal voltage, phase."""
    n = len(df)
    pos = {int(i): k for k, i in enumerate(df["idx"])}
    t_no = np.full(n, -1)
    for t, mem in enumerate(transformers["members"]):
        for i in mem:
            t_no[pos[i]] = t
    f_no = np.where(t_no >= 0, transformers["feeder_no"].to_numpy()[np.maximum(t_no, 0)], 0)
    a_rows = np.flatnonzero(t_no < 0)
    f_no[a_rows] = np.arange(len(a_rows)) % len(feeders)
    df["transformer_no"] = t_no
    df["feeder_no"] = f_no
    is_a = t_no < 0
    df["nominal_v"] = np.where(is_a, 13800, transformers["nominal_v"].to_numpy()[np.maximum(t_no, 0)])
    df["rural"] = np.where(is_a, False, transformers["rural"].to_numpy()[np.maximum(t_no, 0)])
    df["weak"] = np.where(is_a, False, transformers["weak"].to_numpy()[np.maximum(t_no, 0)])
    df["transformer_id"] = np.where(is_a, "", transformers["transformer_id"].to_numpy()[np.maximum(t_no, 0)])
    # which transformer phase a mono meter hangs on (bi: the first of its two phases)
    df["phase_conn"] = (df["idx"].to_numpy() * 7) % 3


def _register_columns(df: pd.DataFrame, feeders: pd.DataFrame, seed: int, start: dt.date) -> None:
    """Fill the installation-register columns of schema.INSTALLATION_COLUMNS."""
    gd_since: list[object] = []
    connected: list[dt.date] = []
    classes, subgroups, subclasses = [], [], []
    for r in df.itertuples():
        rng = np.random.default_rng([seed, int(r.idx), 1])
        since: dt.date | None = None
        cls = str(r.gd_class)
        if r.gd_kwp > 0:
            gd2_lo, gd2_hi = dt.date(2023, 7, 8), start - dt.timedelta(days=60)
            if cls == "GD2" and gd2_hi > gd2_lo:
                since = _date_between(rng, gd2_lo, gd2_hi)
            else:
                since = _date_between(
                    rng, dt.date(2019, 3, 1), min(dt.date(2022, 12, 31), start - dt.timedelta(days=60))
                )
                df.loc[r.Index, "gd_class"] = "GD1"
        gd_since.append(since)
        latest = min(since or start, start) - dt.timedelta(days=400)
        connected.append(_date_between(rng, dt.date(2002, 1, 1), latest))
        if r.kind == "group_a":
            cls, sub, subcl = "industrial", "A4", "industrial"
        elif r.kind == "commerce":
            cls, sub, subcl = "comercial", "B3", "comercial"
        elif r.rural and r.role == "ordinary" and r.idx % 3 == 0:
            cls, sub, subcl = "rural", "B2", "rural"
        else:
            cls, sub, subcl = "residencial", "B1", str(r.subclass)
        classes.append(cls)
        subgroups.append(sub)
        subclasses.append(subcl)
    fd = feeders.set_index("feeder_no")
    df["meter_id"] = [f"SMR{31000000 + int(i)}" for i in df["idx"]]
    df["customer_key"] = [f"CLI-{int(i):07d}" for i in df["idx"]]
    df["group_code"] = np.where(df["kind"] == "group_a", "A", "B")
    df["subgroup"] = subgroups
    df["customer_class"] = classes
    df["subclass"] = subclasses
    df["nominal_voltage_v"] = df["nominal_v"]
    df["tariff_modality"] = df["modality"]
    df["gd_kind"] = np.where(df["gd_kwp"] > 0, "local", "none")
    df["gd_since"] = gd_since
    df["distributor"] = fd.loc[df["feeder_no"], "distributor"].to_numpy()
    df["municipality"] = fd.loc[df["feeder_no"], "municipality"].to_numpy()
    df["area"] = np.where(df["rural"], "rural", "urbana")
    df["conjunto_id"] = fd.loc[df["feeder_no"], "conjunto_id"].to_numpy()
    df["feeder_id"] = fd.loc[df["feeder_no"], "feeder_id"].to_numpy()
    df["contracted_demand_kw"] = np.where(df["kind"] == "group_a", df["dc_kw"], np.nan)
    df["connected_since"] = connected
