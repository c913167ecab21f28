"""Stage 1 of the bill engine: :func:`resolve_inputs` looks up every reference value for an
installation and a cycle and returns :class:`~tools.domain.billing.model.BillInputs` with the
trail steps and issues of the look-ups."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal

from tools.domain.billing.model import (
    KWH_PER_MWH,
    ONE,
    REF_BANDEIRA,
    REF_CD,
    REF_CIP,
    REF_CYCLE,
    REF_METER,
    REF_SCEE,
    REF_SOCIAL,
    SOCIAL_SUBCLASSES,
    ZERO,
    BillInputs,
    GroupAInputs,
    InstallationFacts,
    Rate,
    Tranche,
    Usage,
)
from tools.domain.billing.pricing import rate_of, sum_refs, trail_step
from tools.domain.billing_reference import Lookup, ReferenceData, TariffSegment, weakest
from tools.domain.calendar import MAX_CYCLE_DAYS, MIN_CYCLE_DAYS
from tools.domain.contracted_demand import prorated_rate
from tools.domain.gd import CreditLot
from tools.errors import TariffNotFound
from tools.types import Issue, Step, TrailRef

# ============================================================================ resolve


def cd_kwh_for(facts: InstallationFacts, consumption_kwh: Decimal, reference: ReferenceData) -> Lookup:
    """Custo de disponibilidade in kWh (REN 1.000 art. 291)."""
    rules = reference.rules
    if facts.phases >= 3:
        if facts.subclass == "baixa_renda" and consumption_kwh <= 80:
            lk = rules.get("cd_kwh_trifasico_baixa_renda_le_80")
        else:
            lk = rules.get("cd_kwh_trifasico")
    elif facts.phases == 2:
        lk = rules.get("cd_kwh_bifasico_3_condutores")
        lk = replace(lk, refs=lk.refs + rules.get("cd_two_phase_is_three_wire").refs)
    else:
        lk = rules.get("cd_kwh_monofasico")
    if facts.has_gd and facts.subclass in SOCIAL_SUBCLASSES:
        factor = rules.get("cd_scee_cadunico_factor")
        lk = Lookup(lk.value * factor.value, lk.refs + factor.refs, lk.fallback, lk.label)
    return lk


def _effective(
    segments: Sequence[TariffSegment], days: int, posto: str, scale: Decimal = ONE
) -> tuple[Rate, list[Step], tuple[TrailRef, ...]]:
    steps: list[Step] = []
    tusd = ZERO
    te = ZERO
    refs: list[TrailRef] = []
    for seg in segments:
        rec = seg.records[posto]
        r = rate_of(rec.tusd, rec.te)
        tusd += r.tusd * seg.days
        te += r.te * seg.days
        refs.append(rec.ref.trail())
        steps.append(
            trail_step(
                "billing.step.tariff",
                {
                    "posto": posto,
                    "reh": rec.reh,
                    "days": seg.days,
                    "tusd_rs_mwh": rec.tusd,
                    "te_rs_mwh": rec.te,
                },
                "(tusd_rs_mwh + te_rs_mwh) / 1000",
                r.total,
                "R$/kWh",
                (rec.ref.trail(),),
            )
        )
    eff = Rate(tusd / days * scale, te / days * scale)
    if len(segments) > 1:
        steps.append(
            trail_step(
                "billing.step.tariff_prorata",
                {"posto": posto, "days": days, "segments": len(segments)},
                "sum(days_i * rate_i) / days",
                eff.total,
                "R$/kWh",
                (
                    TrailRef(
                        "Tariff change inside a cycle pro rata by days (distributor practice)", "unconfirmed"
                    ),
                ),
            )
        )
    return eff, steps, tuple(refs)


def resolve_inputs(
    facts: InstallationFacts,
    start: dt.date,
    end: dt.date,
    usage: Usage,
    reference: ReferenceData,
    *,
    reading_date: dt.date | None = None,
    credits: Sequence[CreditLot] = (),
    modality: str | None = None,
    tariff_on: dt.date | None = None,
    apply_cd: bool = True,
    include_cip: bool = True,
    tranche_scale: Decimal = ONE,
    icms_kwh_basis: Decimal | None = None,
    allow_compensation: bool = True,
) -> tuple[BillInputs, tuple[Issue, ...]]:
    """Look up every reference value for a bill of ``[start, end]``.

    ``modality`` overrides the installation's (what-if), ``tariff_on`` prices the whole cycle
    with the tariffs in force on that date (forward-looking comparisons), ``tranche_scale``
    scales the social tranches (80/120 kWh) for periods that are not a billing cycle, and
    ``icms_kwh_basis`` sets the kWh that choose the ICMS band.
    """
    reading = reading_date or (end + dt.timedelta(days=1))
    days = (end - start).days + 1
    mod = modality or facts.modality
    issues: list[Issue] = []
    steps: list[Step] = []
    bill_month = f"{reading.year:04d}-{reading.month:02d}"

    steps.append(
        trail_step(
            "billing.step.cycle",
            {"start": start, "end": end, "days": days, "reading_date": reading},
            "end - start + 1",
            days,
            "d",
            (REF_CYCLE,),
        )
    )
    if days > MAX_CYCLE_DAYS:
        issues.append(Issue("issue.billing.cycle_long", "warning", {"days": days}))
    if days < MIN_CYCLE_DAYS and apply_cd:
        issues.append(Issue("issue.billing.cycle_short", "warning", {"days": days}))

    # ---- energy per posto
    raw = {k: Decimal(v) for k, v in usage.kwh.items()}
    inj_raw = {k: Decimal(v) for k, v in usage.injected.items()}
    if facts.group == "A":
        postos = ["ponta", "fora_ponta"]
        kwh = {
            "ponta": raw.get("ponta", ZERO),
            "fora_ponta": raw.get("fora_ponta", ZERO) + raw.get("intermediario", ZERO),
        }
        kwh["fora_ponta"] += raw.get("total", ZERO)
        inj = {
            "ponta": inj_raw.get("ponta", ZERO),
            "fora_ponta": sum(inj_raw.values(), ZERO) - inj_raw.get("ponta", ZERO),
        }
    elif mod == "branca":
        postos = ["ponta", "intermediario", "fora_ponta"]
        if "total" in raw and len(raw) == 1:
            raise TariffNotFound("branca needs energy per posto", installation_id=facts.installation_id)
        kwh = {p: raw.get(p, ZERO) for p in postos}
        inj = {p: inj_raw.get(p, ZERO) for p in postos}
        inj["fora_ponta"] += inj_raw.get("total", ZERO)
    else:
        postos = ["total"]
        kwh = {"total": sum(raw.values(), ZERO)}
        inj = {"total": sum(inj_raw.values(), ZERO)}
    if days > MAX_CYCLE_DAYS:  # art. 285: proportionalise to 33 days
        f = Decimal(MAX_CYCLE_DAYS) / Decimal(days)
        kwh = {p: v * f for p, v in kwh.items()}
        inj = {p: v * f for p, v in inj.items()}
    total_kwh = sum(kwh.values(), ZERO)
    steps.append(
        trail_step(
            "billing.step.consumption",
            {**{f"kwh_{p}": v for p, v in kwh.items()}, **{f"injected_{p}": v for p, v in inj.items() if v}},
            "sum(kwh_posto)",
            total_kwh,
            "kWh",
            (REF_METER,),
        )
    )

    # ---- tariffs (pro rata by days)
    seg_start, seg_end = (tariff_on, tariff_on) if tariff_on else (start, end)
    subclass = facts.subclass
    if mod == "branca" and subclass in SOCIAL_SUBCLASSES:
        issues.append(Issue("issue.billing.branca_not_allowed", "warning", {"subclass": subclass}))
        subclass = "residencial"
    norm_subclass = "residencial" if subclass in SOCIAL_SUBCLASSES else subclass
    if facts.customer_class != "residencial" and norm_subclass == "residencial":
        norm_subclass = facts.customer_class

    def segs(mod_: str, sc: str, component: str = "energy") -> list[TariffSegment]:
        out = reference.tariff_segments(
            facts.distributor, facts.subgroup, mod_, sc, seg_start, seg_end, component
        )
        if tariff_on:  # one segment standing for the whole cycle
            out = [replace(out[0], days=days, start=start, end=end)]
        return out

    seg_days = days
    rates: dict[str, Rate] = {}
    tariff_refs: list[TrailRef] = []
    main_segs = segs(mod, norm_subclass)
    for p in postos:
        r, st, rf = _effective(main_segs, seg_days, p)
        rates[p] = r
        steps += st
        tariff_refs += rf
    stand_ins = [s for s in main_segs if s.stand_in]
    for s in stand_ins:
        issues.append(
            Issue(
                "issue.billing.stand_in_tariff",
                "warning",
                {"reh": next(iter(s.records.values())).reh, "start": s.start, "end": s.end},
            )
        )

    # convencional rate for the custo de disponibilidade (art. 290 par. 4)
    if facts.group == "B":
        conv_segs = main_segs if mod == "convencional" else segs("convencional", norm_subclass)
        cd_rate, cd_steps, cd_trefs = _effective(conv_segs, seg_days, "total")
        if mod != "convencional":
            steps += [replace(s, key="billing.step.tariff_cd") for s in cd_steps]
            tariff_refs += cd_trefs
    else:
        cd_rate = Rate(ZERO, ZERO)

    # social tranches (convencional only)
    tranches: tuple[Tranche, ...] = (Tranche(None, rates.get("total", Rate(ZERO, ZERO))),)
    bandeira_free = ZERO
    compensation_free: Decimal | None = None
    if facts.group == "B" and mod == "convencional" and subclass in SOCIAL_SUBCLASSES:
        social_segs = segs("convencional", subclass)
        social_rate, st, rf = _effective(social_segs, seg_days, "total")
        steps += [replace(s, key="billing.step.tariff_social") for s in st]
        tariff_refs += rf
        if subclass == "baixa_renda":
            if start < dt.date(2025, 7, 5):
                issues.append(Issue("issue.billing.social_legacy_rule", "warning", {"start": start}))
            free = reference.rules.get("baixa_renda_free_kwh").value * tranche_scale
            tranches = (
                Tranche(free, social_rate, "baixa_renda", True),
                Tranche(None, social_rate, "baixa_renda"),
            )
            bandeira_free = free
            if facts.has_gd:
                compensation_free = reference.rules.get("baixa_renda_scee_free_kwh").value * tranche_scale
        else:
            ds = reference.rules.get("desconto_social_kwh").value * tranche_scale
            tranches = (Tranche(ds, social_rate, "desconto_social"), Tranche(None, rates["total"]))
        steps.append(
            trail_step(
                "billing.step.social_tranches",
                {"subclass": subclass, "tranche_kwh": tranches[0].upto_kwh or ZERO},
                "tranche_kwh at the social tariff, the rest at the normal tariff",
                tranches[0].upto_kwh or ZERO,
                "kWh",
                (REF_SOCIAL, *reference.rules.get("baixa_renda_free_kwh").refs),
            )
        )

    # ---- bandeira (pro rata by days of each month's flag)
    bandeira_rs = ZERO
    band_refs: list[TrailRef] = [REF_BANDEIRA]
    d = start
    while d <= end:
        month = f"{d.year:04d}-{d.month:02d}"
        nxt = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
        seg_last = min(end, nxt - dt.timedelta(days=1))
        n = (seg_last - d).days + 1
        flag, fref, fallback = reference.bandeira_flag(month)
        value = reference.bandeira_value(flag, d)
        if fallback:
            issues.append(Issue("issue.billing.bandeira_assumed", "warning", {"month": month}))
        bandeira_rs += value.value / KWH_PER_MWH * n
        band_refs += [fref.trail(), *value.refs]
        steps.append(
            trail_step(
                "billing.step.bandeira",
                {"month": month, "flag": flag, "days": n, "rs_mwh": value.value},
                "rs_mwh / 1000",
                value.value / KWH_PER_MWH,
                "R$/kWh",
                (fref.trail(), *value.refs),
            )
        )
        d = seg_last + dt.timedelta(days=1)
    bandeira_rs = bandeira_rs / days

    # ---- taxes
    basis = icms_kwh_basis if icms_kwh_basis is not None else total_kwh
    icms = reference.icms_rate(facts.state, facts.customer_class, basis, reading)
    steps.append(
        trail_step(
            "billing.step.icms_band",
            {"kwh": basis, "state": facts.state, "customer_class": facts.customer_class},
            "band(kwh) applies to the whole bill",
            icms.value,
            "fraction",
            icms.refs,
        )
    )
    pis, cofins = reference.pis_cofins_rates(facts.distributor, bill_month)
    if pis.fallback:
        issues.append(Issue("issue.billing.pis_cofins_default", "warning", {"month": bill_month}))
    steps.append(
        trail_step(
            "billing.step.pis_cofins",
            {"month": bill_month, "pis": pis.value, "cofins": cofins.value},
            "monthly effective rates",
            pis.value + cofins.value,
            "fraction",
            pis.refs,
        )
    )

    # ---- CIP
    cip_value = ZERO
    cip_refs: tuple[TrailRef, ...] = ()
    if include_cip:
        cip = reference.cip_amount(facts.municipality)
        cip_value = cip.value
        cip_refs = cip.refs if cip.fallback else (REF_CIP, *cip.refs)
        if cip.fallback:
            issues.append(
                Issue("issue.billing.cip_not_included", "warning", {"municipality": facts.municipality or ""})
            )
        steps.append(
            trail_step(
                "billing.step.cip",
                {"municipality": facts.municipality or ""},
                "municipal law",
                cip.value,
                "R$",
                cip_refs,
            )
        )

    # ---- custo de disponibilidade
    cd_value = ZERO
    cd_refs: tuple[TrailRef, ...] = ()
    if facts.group == "B" and apply_cd and days >= MIN_CYCLE_DAYS:
        lk = cd_kwh_for(facts, total_kwh, reference)
        cd_value = lk.value
        cd_refs = (REF_CD, *lk.refs)
        steps.append(
            trail_step(
                "billing.step.availability_kwh",
                {"phases": facts.phases, "subclass": facts.subclass},
                "REN 1.000 art. 291",
                cd_value,
                "kWh",
                cd_refs,
            )
        )

    # ---- SCEE
    scee_rate: dict[str, Decimal] = dict.fromkeys(postos, ZERO)
    gd_class = facts.gd_class if (facts.has_gd and allow_compensation) else "none"
    scee_refs: list[TrailRef] = [REF_SCEE]
    if gd_class in ("GD2", "GD3"):
        share = reference.fio_b_share_for(reading.year)
        if gd_class == "GD3":
            issues.append(Issue("issue.billing.gd3_approximated", "warning", {}))
        fio_mod = "branca" if mod == "branca" else "convencional"
        fio_b_warned = False
        for p in postos:
            fb = reference.fio_b_rate(facts.distributor, fio_mod, p, reading)
            if fb.fallback and not fio_b_warned:
                issues.append(Issue("issue.billing.fio_b_reference", "warning", {"rs_mwh": fb.value}))
                fio_b_warned = True
            scee_rate[p] = share.value * fb.value / KWH_PER_MWH
            scee_refs += [*share.refs, *fb.refs]
            steps.append(
                trail_step(
                    "billing.step.fio_b",
                    {"posto": p, "year": reading.year, "share": share.value, "fio_b_rs_mwh": fb.value},
                    "share * fio_b_rs_mwh / 1000",
                    scee_rate[p],
                    "R$/kWh",
                    (*share.refs, *fb.refs),
                )
            )
        if share.fallback:
            issues.append(Issue("issue.billing.fio_b_share_after_2028", "warning", {"year": reading.year}))
    floor_applies = not (facts.subclass == "baixa_renda" and facts.has_gd)

    # ---- Group A
    ga: GroupAInputs | None = None
    if facts.group == "A":
        dem_mod = mod
        demand_segs = segs(dem_mod, norm_subclass, "demand")
        demand_postos = list(demand_segs[0].records)
        demand_rate: dict[str, Decimal] = {}
        for p in demand_postos:
            tot = prorated_rate(demand_segs, p, days)
            demand_rate[p] = tot
            tariff_refs += [s.records[p].ref.trail() for s in demand_segs]
            steps.append(
                trail_step(
                    "billing.step.demand_tariff",
                    {"posto": p, "reh": demand_segs[0].records[p].reh},
                    "R$/kW",
                    tot,
                    "R$/kW",
                    tuple(s.records[p].ref.trail() for s in demand_segs),
                )
            )
        contracted = facts.contracted_demand_kw or ZERO
        measured: dict[str, Decimal] = {}
        for p in demand_postos:
            if p == "total":
                measured[p] = max([Decimal(v) for v in usage.demand_kw.values()] or [ZERO])
            else:
                measured[p] = Decimal(usage.demand_kw.get(p, ZERO))
        # VR_ERE = TE of B1 residencial convencional (bandeira verde), pro rata
        b1 = reference.tariff_segments(
            facts.distributor, "B1", "convencional", "residencial", seg_start, seg_end
        )
        vr_ere = (
            sum((s.records["total"].te * s.days for s in b1), ZERO)
            / sum((s.days for s in b1), 0)
            / KWH_PER_MWH
        )
        tariff_refs += [s.records["total"].ref.trail() for s in b1]
        ga = GroupAInputs(
            demand_kw=measured,
            contracted_kw=dict.fromkeys(demand_postos, contracted),
            demand_rate=demand_rate,
            tolerance=reference.rules.get("ultrapassagem_tolerance").value,
            overrun_factor=reference.rules.get("ultrapassagem_factor").value,
            ufer_kwh=Decimal(usage.ufer_kwh),
            vr_ere=vr_ere,
        )
        if facts.has_gd:
            issues.append(Issue("issue.billing.group_a_gd_not_modelled", "warning", {}))
            gd_class = "none"

    inputs = BillInputs(
        facts=facts,
        modality=mod,
        start=start,
        end=end,
        reading_date=reading,
        kwh=kwh,
        injected=inj if gd_class != "none" else dict.fromkeys(kwh, ZERO),
        rates=rates,
        tranches=tranches,
        cd_kwh=cd_value,
        cd_rate=cd_rate,
        bandeira_rs_kwh=bandeira_rs,
        bandeira_free_kwh=bandeira_free,
        icms=icms.value,
        pis=pis.value,
        cofins=cofins.value,
        cip=cip_value,
        gd_class=gd_class,
        scee_rate=scee_rate,
        compensation_free_kwh=compensation_free,
        floor_applies=floor_applies,
        credits=tuple(credits) if gd_class != "none" else (),
        group_a=ga,
        refs={
            "tariff": sum_refs(tariff_refs),
            "bandeira": sum_refs(band_refs),
            "icms": icms.refs,
            "pis_cofins": sum_refs(pis.refs, cofins.refs),
            "cip": cip_refs,
            "cd": cd_refs,
            "scee": sum_refs(scee_refs),
        },
        pre_steps=tuple(steps),
    )
    statuses = [r.status for g in inputs.refs.values() for r in g]
    if weakest(*statuses) != "confirmed":
        weak = sorted(k for k, g in inputs.refs.items() if any(r.status != "confirmed" for r in g))
        issues.append(Issue("issue.billing.reference_values", "warning", {"items": ", ".join(weak)}))
    return inputs, tuple(issues)
