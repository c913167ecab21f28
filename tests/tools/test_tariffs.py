"""compare_tariffs (pure): decision, what-if shift, exclusions and the Opower sufficiency rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tools.domain import calendar as cal
from tools.domain.billing import InstallationFacts, Usage
from tools.domain.tariffs import check_sufficiency, compare_tariffs, shift_usage
from tools.reference import load_reference

D = Decimal
REF = load_reference()
TODAY = dt.date(2026, 11, 26)
CYCLES = cal.cycles_read_between(18, dt.date(2025, 11, 26), dt.date(2026, 11, 25))


def full_days(n: int, per_day: int = 96) -> dict[dt.date, int]:
    return {dt.date(2025, 11, 19) + dt.timedelta(days=k): per_day for k in range(n)}


SUFF_OK = check_sufficiency(full_days(365), 96, CYCLES[0].start, CYCLES[-1].end)


def run(kwh: dict[str, Decimal], facts: InstallationFacts | None = None, shift: Decimal | None = None):  # type: ignore[no-untyped-def]
    f = facts or InstallationFacts("t", phases=1)
    cycles = [(c, Usage(kwh=kwh)) for c in CYCLES]
    return compare_tariffs(f, cycles, SUFF_OK, REF, TODAY, shift_pct=shift)


def test_sufficiency_threshold_270_days_with_75_pct() -> None:
    s = check_sufficiency(full_days(269), 96, dt.date(2025, 11, 19), dt.date(2026, 11, 18))
    assert not s.ok and s.missing_days == 1 and s.required_days == 270
    s = check_sufficiency(full_days(270), 96, dt.date(2025, 11, 19), dt.date(2026, 11, 18))
    assert s.ok
    # days with fewer than 75 % of the readings do not count (72 of 96 is exactly 75 %)
    days = dict.fromkeys(full_days(300), 71)
    assert check_sufficiency(days, 96, dt.date(2025, 11, 19), dt.date(2026, 11, 18)).days_with_data == 0
    days = dict.fromkeys(full_days(300), 72)
    assert check_sufficiency(days, 96, dt.date(2025, 11, 19), dt.date(2026, 11, 18)).days_with_data == 300
    assert (
        check_sufficiency({}, 96, dt.date(2026, 5, 1), dt.date(2026, 10, 31), months=6).required_days == 135
    )


def test_insufficient_data_gives_a_disqualifying_issue_not_a_number() -> None:
    s = check_sufficiency(full_days(200), 96, CYCLES[0].start, CYCLES[-1].end)
    value, _, issues = compare_tariffs(
        InstallationFacts("t"), [(c, Usage(kwh={"fora_ponta": D(200)})) for c in CYCLES], s, REF, TODAY
    )
    assert value.recommendation is None and value.convencional is None and value.savings_branca_rs is None
    issue = [i for i in issues if i.severity == "disqualifying"][0]
    assert issue.code == "issue.tariffs.insufficient_data"
    assert issue.data["days_with_data"] == 200 and issue.data["missing_days"] == 70


def test_flat_profile_prefers_branca() -> None:
    # 8 % ponta, 6 % intermediario: below the break-even ponta share
    value, steps, issues = run({"ponta": D(16), "intermediario": D(12), "fora_ponta": D(172)})
    assert value.recommendation == "branca"
    assert value.savings_branca_rs is not None and value.savings_branca_rs > 0
    assert value.branca is not None and value.convencional is not None
    assert value.convencional.total_rs - value.branca.total_rs == value.savings_branca_rs
    assert len(value.convencional.per_cycle) == 12
    assert "tariffs.step.breakeven" in [s.key for s in steps]
    assert "issue.tariffs.switch_rules" in [i.code for i in issues]


def test_peak_heavy_prefers_convencional_and_shift_helps() -> None:
    value, _, _ = run({"ponta": D(70), "intermediario": D(20), "fora_ponta": D(160)}, shift=D("0.5"))
    assert value.recommendation == "convencional"
    assert value.savings_branca_shifted_rs is not None and value.savings_branca_rs is not None
    assert value.savings_branca_shifted_rs > value.savings_branca_rs
    # the shift keeps the total energy
    u = shift_usage(Usage(kwh={"ponta": D(70), "intermediario": D(20), "fora_ponta": D(160)}), D("0.5"))
    assert u.kwh == {"ponta": D(35), "intermediario": D(10), "fora_ponta": D(205)}


def test_below_availability_is_indifferent() -> None:
    # 20 kWh a month, monofasico: both modalities bill the 30 kWh minimum at the convencional tariff
    value, _, issues = run({"ponta": D(10), "intermediario": D(2), "fora_ponta": D(8)})
    assert value.convencional is not None and value.branca is not None
    assert value.convencional.total_rs == value.branca.total_rs
    assert value.recommendation == "indifferent"
    assert "issue.tariffs.below_availability" in [i.code for i in issues]


def test_excluded_subclasses_and_group_a() -> None:
    for facts, code in (
        (InstallationFacts("t", subclass="baixa_renda"), "issue.tariffs.branca_not_allowed"),
        (InstallationFacts("t", subclass="desconto_social"), "issue.tariffs.branca_not_allowed"),
        (InstallationFacts("t", group="A", subgroup="A4", modality="verde"), "issue.tariffs.not_group_b"),
        (InstallationFacts("t", distributor="CPFL_SANTA_CRUZ"), "issue.tariffs.postos_unknown"),
    ):
        value, _, issues = run({"fora_ponta": D(200)}, facts)
        assert value.recommendation is None
        assert code in [i.code for i in issues if i.severity == "disqualifying"]
