"""Voltage quality (PRODIST Modulo 8): bands, DRP/DRC, expurgo, compensation, deadlines.

Hand-worked values:
* regulation.md 4.6: phase A 40 precaria / 3 critica, B 25 / 7, C 10 / 0 -> nlp 40, nlc 7,
  DRP = 40/1008*100 = 3,968 %, DRC = 7/1008*100 = 0,694 %; EUSD R$ 95,00 (BT):
  [(3,968-3)/100*3 + (0,694-0,5)/100*7] * 95 = (0,029048 + 0,013611) * 95 = R$ 4,05.
* integer thresholds: 30 precaria -> 2,976 % (within), 31 -> 3,075 % (violated);
  5 critica -> 0,496 % (within), 6 -> 0,595 % (violated).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

from tests.lake import insert_installations, write_lake
from tests.tools.quality_helpers import WEEK_START, crafted_week, installation_row, load_profile_frame
from tools.api.context import Scope, ToolContext, run_tool
from tools.api.quality_common import voltage_rules, voltage_sets
from tools.data.store import Store
from tools.domain import quality as q
from tools.domain.deadline_reference import load_reference

R = voltage_rules()
WEEK_END = WEEK_START + dt.timedelta(days=7)


# ----------------------------------------------------------------------------- bands


@pytest.mark.parametrize(
    ("nominal", "volts", "expected"),
    [
        # 220/127 FN 127: adequada 117-133, precaria 110-117 / 133-135
        (127, "109.9", "critica"),
        (127, "110.0", "precaria"),
        (127, "116.9", "precaria"),
        (127, "117.0", "adequada"),
        (127, "133.0", "adequada"),
        (127, "133.1", "precaria"),
        (127, "135.0", "precaria"),
        (127, "135.1", "critica"),
        # 380/220 FN 220: 202-231, 191-202 / 231-233
        (220, "190.9", "critica"),
        (220, "191.0", "precaria"),
        (220, "202.0", "adequada"),
        (220, "231.0", "adequada"),
        (220, "231.5", "precaria"),
        (220, "233.1", "critica"),
        # 254/127 FF 254: 234-267, 221-234 / 267-269 (verification.md 1a)
        (254, "233.9", "precaria"),
        (254, "220.9", "critica"),
        (254, "269.0", "precaria"),
        (254, "269.1", "critica"),
        # 440/220 FF 440: adequada lower limit 405, 383-405 / 462-466
        (440, "404.9", "precaria"),
        (440, "405.0", "adequada"),
        (440, "382.9", "critica"),
        (440, "466.1", "critica"),
        # 380 FF
        (380, "349.9", "precaria"),
        (380, "403.1", "critica"),
    ],
)
def test_band_table(nominal: int, volts: str, expected: str) -> None:
    assert q.classify_v(Decimal(volts), q.band_for(nominal, R)) == expected


def test_generic_bt_band_is_per_unit_and_unconfirmed() -> None:
    band = q.band_for(100, R)  # not a PRODIST table voltage
    assert band.kind == "generic_bt"
    assert band.ref.status == "unconfirmed"
    assert (band.adequate_lo, band.adequate_hi) == (Decimal("92.00"), Decimal("105.00"))
    assert q.classify_v(Decimal("91.9"), band) == "precaria"  # 0.87 pu = 87 V is the critica edge
    assert q.classify_v(Decimal("86.9"), band) == "critica"
    assert q.classify_v(Decimal("106.1"), band) == "critica"


def test_mt_band() -> None:
    band = q.band_for(13800, R)
    assert band.level == "MT"
    assert band.adequate_lo == Decimal("12834.00")  # 0.93 * 13800
    assert q.classify_v(Decimal("12500"), band) == "precaria"  # between 0.90 and 0.93 pu
    assert q.classify_v(Decimal("14500"), band) == "critica"  # above 1.05 pu


# ----------------------------------------------------------------------------- DRP / DRC


def test_worked_example_drp_drc_and_compensation() -> None:
    week = crafted_week(counts={"a": (40, 3), "b": (25, 7), "c": (10, 0)})
    ind = q.voltage_indicators(week, q.band_for(127, R), R, period_end=WEEK_END)
    assert len(ind.sets) == 1
    s = ind.sets[0]
    assert (s.n_valid, s.complete, s.nlp, s.nlc) == (1008, True, 40, 7)
    assert {p.phase: (p.n_precaria, p.n_critica) for p in s.phases} == {
        "a": (40, 3),
        "b": (25, 7),
        "c": (10, 0),
    }
    assert s.drp_pct == Decimal(40) * 100 / 1008
    assert round(s.drp_pct, 3) == Decimal("3.968")
    assert round(s.drc_pct, 3) == Decimal("0.694")
    assert s.drp_violated and s.drc_violated
    comp = q.voltage_compensation(s.drp_pct, s.drc_pct, Decimal("95.00"), "BT", R)
    assert (comp.k1, comp.k2) == (Decimal(3), Decimal(7))
    assert comp.amount_rs == Decimal("4.05")
    # unrounded: (40/1008 - 0.03)*3*95 + (7/1008 - 0.005)*7*95 = 2.759524 + 1.293056
    assert abs(comp.raw_rs - Decimal("4.052579")) < Decimal("0.000001")


@pytest.mark.parametrize(
    ("n_prec", "n_crit", "drp_violated", "drc_violated", "k1", "k2"),
    [
        (30, 5, False, False, 0, 0),
        (31, 5, True, False, 3, 0),
        (30, 6, False, True, 0, 7),
        (31, 6, True, True, 3, 7),
    ],
)
def test_integer_thresholds(
    n_prec: int, n_crit: int, drp_violated: bool, drc_violated: bool, k1: int, k2: int
) -> None:
    week = crafted_week(counts={"a": (n_prec, n_crit)})
    s = q.voltage_indicators(week, q.band_for(127, R), R, period_end=WEEK_END).sets[0]
    assert (s.drp_violated, s.drc_violated) == (drp_violated, drc_violated)
    comp = q.voltage_compensation(s.drp_pct, s.drc_pct, Decimal(100), "BT", R)
    assert (comp.k1, comp.k2) == (Decimal(k1), Decimal(k2))
    if not (drp_violated or drc_violated):
        assert comp.amount_rs == 0


def test_compensation_k2_by_level() -> None:
    drp, drc = q.drp_drc(0, 10)  # DRC = 0,992 %
    # (0.992063 - 0.5)/100 * k2 * 1000
    assert q.voltage_compensation(drp, drc, Decimal(1000), "MT", R).amount_rs == Decimal("24.60")  # k2 = 5
    assert q.voltage_compensation(drp, drc, Decimal(1000), "AT", R).amount_rs == Decimal("14.76")  # k2 = 3


def test_readings_during_interruption_are_excluded_and_set_completed() -> None:
    # 1.008 + 6 readings; a 25-minute interruption on Tue 10:02-10:27 touches 3 windows
    # (10:00, 10:10, 10:20) whose averages are critica; they are expurgated and the set is
    # completed with the first 3 readings after the week.
    week = crafted_week(n=1014, counts={"a": (40, 3)})
    t0 = dt.datetime(2026, 11, 17, 10, 0)
    idx = week.index[week["ts"].isin([t0, t0 + dt.timedelta(minutes=10), t0 + dt.timedelta(minutes=20)])]
    week.loc[idx, "v_a_dv"] = 600.0  # average pulled down by the outage: would be critica
    intr = [(dt.datetime(2026, 11, 17, 10, 2), dt.datetime(2026, 11, 17, 10, 27))]
    ind = q.voltage_indicators(week, q.band_for(127, R), R, interruptions=intr, period_end=WEEK_END)
    s = ind.sets[0]
    assert ind.n_discarded_interruption == 3
    assert (s.n_valid, s.complete, s.nlc, s.nlp) == (1008, True, 3, 40)
    assert s.end == WEEK_END + dt.timedelta(minutes=20)  # 3 readings after the week
    # without the expurgo the same readings would add 3 critica readings
    ind_raw = q.voltage_indicators(week, q.band_for(127, R), R, period_end=WEEK_END)
    assert ind_raw.sets[0].nlc == 6


def test_two_minute_blackout_window_is_expurgated_as_vtcd() -> None:
    # A 2-minute blackout is not a (long) interruption for DIC/FIC (see test_continuity), but
    # its 10-minute window is a VTCD window and PRODIST expurgates it from DRP/DRC.
    week = crafted_week(n=1009)
    t = dt.datetime(2026, 11, 18, 3, 0)
    week.loc[week["ts"] == t, "v_a_dv"] = 1016.0  # 8 min at 127 V + 2 min at 0 V
    intr = [(t + dt.timedelta(minutes=4), t + dt.timedelta(minutes=6))]
    s = q.voltage_indicators(week, q.band_for(127, R), R, interruptions=intr, period_end=WEEK_END).sets[0]
    assert (s.nlc, s.n_valid) == (0, 1008)


def test_phase_below_0_1_pu_is_not_critica() -> None:
    week = crafted_week(counts={"a": (0, 0), "b": (0, 0), "c": (0, 0)})
    week.loc[:9, "v_c_dv"] = 0.0  # phase C lost for 10 windows: interrupted phase, not critica
    s = q.voltage_indicators(week, q.band_for(127, R), R, period_end=WEEK_END).sets[0]
    assert s.nlc == 0
    assert {p.phase: p.n_readings for p in s.phases} == {"a": 1008, "b": 1008, "c": 998}


def test_partial_set_is_indicative_rate() -> None:
    week = crafted_week(n=504, counts={"a": (20, 0)})  # half a week, 20 precaria
    s = q.voltage_indicators(week, q.band_for(127, R), R, period_end=WEEK_END).sets[0]
    assert not s.complete
    assert s.drp_pct == Decimal(20) * 100 / 504  # 3,968 % of the time so far
    assert s.drp_violated


def test_single_phase_selection() -> None:
    week = crafted_week(counts={"a": (10, 0), "b": (40, 0), "c": (0, 0)})
    s = q.voltage_indicators(week, q.band_for(127, R), R, period_end=WEEK_END, phases=("a",)).sets[0]
    assert s.nlp == 10


def test_two_weeks_give_two_sets() -> None:
    w1 = crafted_week(counts={"a": (40, 0)})
    w2 = crafted_week(start=WEEK_END, counts={"a": (5, 6)})
    ind = q.voltage_indicators(
        pd.concat([w1, w2]), q.band_for(127, R), R, period_end=WEEK_END + dt.timedelta(days=7)
    )
    assert [(s.nlp, s.nlc) for s in ind.sets] == [(40, 0), (5, 6)]
    assert ind.worst is not None and ind.worst.nlc == 6  # DRC violation ranks first


# ----------------------------------------------------------------------------- deadlines


def test_complaint_deadlines_roll_to_business_day() -> None:
    c = q.complaint_deadlines(dt.date(2026, 11, 26), R, load_reference())  # Thursday
    assert c.inspection_by == dt.date(2026, 12, 11)  # +15 days, a Friday
    assert c.measurement_168h_by == dt.date(2026, 12, 28)  # +30 = Sat 26/12 -> Mon 28/12
    assert (c.inspection_days, c.measurement_168h_days) == (15, 30)  # art. 438 par. 1 I-II (Anexo IV)
    assert c.consumer_request_days == 5  # art. 438 par. 2
    assert [r.source for r in c.refs[:2]] == ["REN 1.000/2021, art. 438, § 1, I", "REN 1.000/2021, art. 438, § 1, II"]


def test_complaint_on_a_weekend_counts_from_the_next_business_day() -> None:
    # art. 656: a start day on a weekend moves to the next business day. Complaint on Saturday
    # 28/11/2026 -> counted from Monday 30/11: +15 = Tue 15/12, +30 = Wed 30/12 (the same figures
    # as the deadline engine gives any other request opened that Saturday)
    c = q.complaint_deadlines(dt.date(2026, 11, 28), R, load_reference(), "rural")
    assert (c.inspection_by, c.measurement_168h_by) == (dt.date(2026, 12, 15), dt.date(2026, 12, 30))


def test_credit_deadline_two_months_after_reference_month() -> None:
    assert q.credit_deadline(dt.date(2026, 11, 22), R) == dt.date(2027, 1, 31)
    assert q.credit_deadline(dt.date(2026, 12, 1), R) == dt.date(2027, 2, 28)


# ----------------------------------------------------------------------------- store: SQL == domain


@pytest.fixture()
def tiny_store(tmp_path):  # type: ignore[no-untyped-def]
    """Two installations with crafted weeks, one interruption, in a real DuckDB store."""
    home = tmp_path / "home"
    store = Store(home)
    insert_installations(
        store, [installation_row("UC-1"), installation_row("UC-2", nominal_voltage_v=220, phases=1)]
    )
    w1 = crafted_week(n=1014, counts={"a": (40, 3), "b": (25, 7), "c": (10, 0)})
    t0 = dt.datetime(2026, 11, 17, 10, 0)
    w1.loc[w1["ts"].between(t0, t0 + dt.timedelta(minutes=20)), "v_a_dv"] = 600.0
    w1["installation_id"] = "UC-1"
    w2 = crafted_week(n=1014, counts={"a": (31, 0)}, adequate_dv=2200, precaria_dv=1950, critica_dv=1800)
    w2["installation_id"] = "UC-2"
    volt = pd.concat([w1, w2])[["installation_id", "ts", "v_a_dv", "v_b_dv", "v_c_dv"]]
    for c in ("v_a_dv", "v_b_dv", "v_c_dv"):
        volt[c] = volt[c].astype("Int16")
    write_lake(home, "voltage_10min", volt)
    ev = pd.DataFrame(
        {
            "installation_id": ["UC-1", "UC-1"],
            "ts": [dt.datetime(2026, 11, 17, 10, 2), dt.datetime(2026, 11, 17, 10, 27)],
            "code": pd.array([1, 2], dtype="Int16"),
            "value": [None, None],
        }
    )
    write_lake(home, "events", ev)
    lp = load_profile_frame("UC-1", "2026-11-01", "2026-11-30 23:45", 100)
    write_lake(home, "load_profile", lp)
    store.refresh_views()
    yield store
    store.close()


def test_sql_sets_match_domain(tiny_store: Store) -> None:
    df, sql, _ = voltage_sets(tiny_store, WEEK_START, WEEK_END, WEEK_END + dt.timedelta(days=1))
    got = {r.installation_id: (r.n_valid, r.nlp, r.nlc, bool(r.complete)) for r in df.itertuples()}
    assert got == {"UC-1": (1008, 40, 7, True), "UC-2": (1008, 31, 0, True)}
    assert "ANTI JOIN" in sql
    # the same readings through the pure function
    for iid, nom in (("UC-1", 127), ("UC-2", 220)):
        rd = tiny_store.df("SELECT * FROM voltage_10min WHERE installation_id = ? ORDER BY ts", [iid])
        intr = (
            [(dt.datetime(2026, 11, 17, 10, 2), dt.datetime(2026, 11, 17, 10, 27))] if iid == "UC-1" else []
        )
        s = q.voltage_indicators(rd, q.band_for(nom, R), R, interruptions=intr, period_end=WEEK_END).sets[0]
        assert (s.n_valid, s.nlp, s.nlc, s.complete) == got[iid]


def test_voltage_quality_tool(tiny_store: Store) -> None:
    ctx = ToolContext(tiny_store, Scope.customer("UC-1"), today=dt.date(2026, 11, 26))
    res = run_tool("voltage_quality", ctx, "UC-1", {"period": "last_week"})
    v = res.value
    assert (v.period.start, v.period.end) == (dt.date(2026, 11, 16), dt.date(2026, 11, 22))
    assert v.discarded_interruption == 3
    assert (v.sets[0].nlp, v.sets[0].nlc) == (40, 7)
    assert v.violated
    # EUSD for November: 30 days x 96 x 100 Wh = 288 kWh x R$ 449,25/MWh = R$ 129,384
    assert v.eusd_rs == Decimal("129.384")
    # [(40/1008*100-3)/100*3 + (7/1008*100-0.5)/100*7] * 129.384 = 0.0426587 * 129.384 = 5.5194
    assert v.compensation_rs == Decimal("5.52")
    assert v.credit_deadline == dt.date(2027, 1, 31)
    assert v.complaint_inspection_by == dt.date(2026, 12, 11)
    codes = {i.code for i in res.issues}
    assert {"quality.issue.indicative_only", "quality.issue.eusd_reference"} <= codes
    assert any(s.sql for s in res.trail)
    assert res.value.answer[0].key == "quality.answer.voltage.shares"
    res.to_dict()  # serialises


def test_voltage_quality_scope(tiny_store: Store) -> None:
    from tools.errors import ForbiddenInstallation

    ctx = ToolContext(tiny_store, Scope.customer("UC-1"), today=dt.date(2026, 11, 26))
    with pytest.raises(ForbiddenInstallation):
        run_tool("voltage_quality", ctx, "UC-2", {})


# ----------------------------------------------------------------------------- generator's crafted weeks


def _wide(long: pd.DataFrame) -> pd.DataFrame:
    """Long (installation_id, ts, phase, voltage_v) -> wide v_a_dv/v_b_dv/v_c_dv [0.1 V]."""
    w = long.pivot_table(index="ts", columns="phase", values="voltage_v", aggfunc="first").reset_index()
    out = pd.DataFrame({"ts": w["ts"]})
    for ph in ("A", "B", "C"):
        out[f"v_{ph.lower()}_dv"] = (w[ph] * 10).round() if ph in w else float("nan")
    return out


@pytest.mark.parametrize(
    ("case", "nlp", "nlc", "drp", "drc", "discarded"),
    [
        ("all_adequate", 0, 0, "0.000", "0.000", 0),
        ("drp_at_limit", 30, 5, "2.976", "0.496", 0),
        ("drp_drc_violated", 31, 6, "3.075", "0.595", 0),
        ("regulation_example", 40, 7, "3.968", "0.694", 0),
        ("with_interruptions", 20, 5, "1.984", "0.496", 4),
    ],
)
@pytest.mark.parametrize("nominal", [127, 220])
def test_generator_crafted_weeks(
    case: str, nlp: int, nlc: int, drp: str, drc: str, discarded: int, nominal: int
) -> None:
    from tools.demo.generator import CRAFTED_CASES, crafted_voltage_week

    n_p, n_c, n_int = CRAFTED_CASES[case]
    long = crafted_voltage_week("UC-X", WEEK_START, nominal, n_p, n_c, n_int, phases=3)
    # The generator interleaves the interruption windows in the week: 1.008 + k timestamps, so
    # the last k valid readings fall after the week and complete the set.
    ind = q.voltage_indicators(_wide(long), q.band_for(nominal, R), R, period_end=WEEK_END)
    (s,) = ind.sets
    assert (s.n_valid, s.complete, s.nlp, s.nlc) == (1008, True, nlp, nlc)
    assert (round(s.drp_pct, 3), round(s.drc_pct, 3)) == (Decimal(drp), Decimal(drc))
    assert ind.n_discarded_interruption == discarded


def test_generator_crafted_week_compensation_by_hand() -> None:
    from tools.demo.generator import crafted_voltage_week

    long = crafted_voltage_week("UC-X", WEEK_START, 220, 31, 6, phases=3)
    s = q.voltage_indicators(_wide(long), q.band_for(220, R), R, period_end=WEEK_END).sets[0]
    # [(31/1008*100 - 3)/100*3 + (6/1008*100 - 0.5)/100*7] * 200
    # = [0.000754*3 + 0.000952*7] * 200 = (0.002262 + 0.006667) * 200 = 1.7857 -> R$ 1,79
    comp = q.voltage_compensation(s.drp_pct, s.drc_pct, Decimal(200), "BT", R)
    assert comp.amount_rs == Decimal("1.79")


# ----------------------------------------------------------------------------- Group A (MT)


def test_group_a_band_is_at_the_vt_secondary() -> None:
    """A 13,8 kV meter reads a 13.800/115 V VT: TR = 115/sqrt(3) = 66,395 V phase-neutral.
    Adequada 0,93-1,05 TR = 61,748-69,715 V; precaria from 0,90 TR = 59,76 V."""
    band = q.meter_band(13800, R, "A")
    assert band.level == "MT"
    assert band.adequate_lo.quantize(Decimal("0.01")) == Decimal("61.75")
    assert band.adequate_hi.quantize(Decimal("0.001")) == Decimal("69.715")
    assert band.precaria_lo.quantize(Decimal("0.01")) == Decimal("59.76")
    assert q.classify_v(Decimal("66.4"), band) == "adequada"
    assert q.classify_v(Decimal("61.0"), band) == "precaria"
    assert q.classify_v(Decimal("59.0"), band) == "critica"
    assert q.meter_band(127, R, "B") == q.band_for(127, R)


def test_group_a_voltage_quality_tool(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Audit item 5: Group A DRP/DRC from the VT-secondary voltages with the MT bands.

    Phase A: 40 readings at 61,0 V (precaria), 8 at 59,0 V (critica), the rest at 66,4 V.
    DRP = 40/1008 = 3,968 %; DRC = 8/1008 = 0,794 %.
    EUSD (A4 verde, REH 3.579/2026): 30 days x 96 x 1.000 Wh = 2.880 kWh x 164,16/1000 = 472,7808
    + 100 kW x 16,53 = 1.653 -> R$ 2.125,7808.
    MT: k1 = 3, k2 = 5: [(3,968-3)/100 x 3 + (0,794-0,5)/100 x 5] x 2.125,7808
    = (0,029048 + 0,014683) x 2.125,7808 = R$ 92,96.
    (Before: the 13,8 kV primary band made every reading critica: DRC 100 %.)
    """
    home = tmp_path / "home"
    store = Store(home)
    row = installation_row(
        "UC-A",
        group_code="A",
        subgroup="A4",
        customer_class="industrial",
        subclass="industrial",
        nominal_voltage_v=13800,
        tariff_modality="verde",
        contracted_demand_kw=100.0,
    )
    insert_installations(store, [row])
    week = crafted_week(
        counts={"a": (40, 8), "b": (0, 0), "c": (0, 0)}, adequate_dv=664, precaria_dv=610, critica_dv=590
    )
    week["installation_id"] = "UC-A"
    volt = week[["installation_id", "ts", "v_a_dv", "v_b_dv", "v_c_dv"]].copy()
    for c in ("v_a_dv", "v_b_dv", "v_c_dv"):
        volt[c] = volt[c].astype("Int16")
    write_lake(home, "voltage_10min", volt)
    write_lake(home, "load_profile", load_profile_frame("UC-A", "2026-11-01", "2026-11-30 23:45", 1000))
    store.refresh_views()
    try:
        ctx = ToolContext(store, Scope.operator(), today=dt.date(2026, 11, 26))
        v = run_tool("voltage_quality", ctx, "UC-A", {"period": "last_week"}).value
        assert v.level == "MT"
        assert (v.sets[0].nlp, v.sets[0].nlc) == (40, 8)
        assert v.drp_pct.quantize(Decimal("0.001")) == Decimal("3.968")
        assert v.drc_pct.quantize(Decimal("0.001")) == Decimal("0.794")
        assert v.eusd_rs == Decimal("2125.7808")
        assert v.compensation_rs == Decimal("92.96")
        # the fleet SQL classifies the same readings with the same band
        df, _, _ = voltage_sets(store, WEEK_START, WEEK_END, WEEK_END + dt.timedelta(days=1))
        (r,) = list(df.itertuples())
        assert (r.n_valid, r.nlp, r.nlc) == (1008, 40, 8)
    finally:
        store.close()
