"""Operator-copilot answers: the first line says what was asked (topic, period, filters), then the
answer to it, then at most one caveat.

Size (over 600 lines): one composer per copilot tool, independent of the others, plus the
shared heading (topic, period, filters).

Figures come from the tool results of the turn (formatted, never computed here); sentences come
from ``op.*`` in ``assistant/messages/pt_BR/operator.toml``. When a question with no period of its
own finds nothing in the tool's default period, the same question is asked over a wider period
and both figures are given ("nenhuma suspeita em 19/11 a 25/11; 3 suspeitas nos últimos 90 dias").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from assistant.i18n import format_brl, format_date, format_month, has, t, upper_first
from assistant.render import charts_of, fmt_value, issue_text, render_one, trail_text
from tools.api.calendar import month_bounds
from tools.api.fleet.common import place_name
from tools.types import ToolResult

Run = Callable[[dict[str, Any]], "ToolResult[Any] | None"]
#: the period a question is widened to when the default one is empty
WIDER_PERIOD = "last_90_days"
WIDER_DAYS = 90
MAX_ITEMS = 5
_COMPOSED = frozenset(
    {
        "quality_ranking",
        "compensation_exposure",
        "events_summary",
        "data_completeness",
        "fleet_consumption",
        "deadline_exposure",
        "storage_cost",
        "deadline_status",
        "continuity_indicators",
        "voltage_quality",
        "consumption_summary",
        "explain_bill",
    }
)


def handles(intent: str, slots: dict[str, Any]) -> bool:
    return intent in _COMPOSED and not isinstance(slots.get("period"), list)


# ------------------------------------------------------------------ formatting helpers


def _v(x: Any, unit: str = "") -> str:
    return fmt_value(x, unit)


def _label(prefix: str, key: Any) -> str:
    k = f"{prefix}.{key}"
    return t(k) if has(k) else str(key)


def _join(items: Sequence[str]) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " e " + items[-1]


def period_text(period: Any) -> str:
    """ "25/11/2026", "outubro/2026" or "de 01/11/2026 a 25/11/2026"."""
    start, end = period.start, period.end
    if start == end:
        return format_date(start)
    if start.day == 1 and end == month_bounds(start.year, start.month)[1]:
        return format_month(start)
    return t("op.period_range", start=format_date(start), end=format_date(end))


def _unit_value(value: Any, unit: str) -> str:
    if unit == "count":
        return _v(value)
    return _v(value, unit)


def filters_text(slots: dict[str, Any]) -> list[str]:
    """The filters of the question, in words (echoed on the first line)."""
    out: list[str] = []
    if slots.get("installation_id"):
        out.append(t("op.installation", id=slots["installation_id"]))
    if slots.get("request_type"):
        rt = slots["request_type"]
        out.append(
            _label("deadlines.family", rt)
            if has(f"deadlines.family.{rt}")
            else _label("deadlines.request_type", rt)
        )
    if slots.get("region"):
        out.append(place_name(str(slots["region"])))
    if slots.get("feeder"):
        out.append(t("op.feeder", id=slots["feeder"]))
    if slots.get("transformer"):
        out.append(t("op.transformer", id=slots["transformer"]))
    if slots.get("group"):
        out.append(t("op.group", group=slots["group"]))
    if slots.get("group_by") and has(f"op.by.{slots['group_by']}"):
        out.append(t(f"op.by.{slots['group_by']}"))
    return out


def _head(topic: str, period: str, slots: dict[str, Any], extra: Sequence[str] = ()) -> str:
    filters = [*filters_text(slots), *extra]
    if filters:
        return t("op.head_filters", topic=topic, period=period, filters="; ".join(filters))
    return t("op.head", topic=topic, period=period)


def scenario_words(name: str) -> str:
    """A storage-cost scenario in words ("interval=5 retention=3.0" → "memória de massa de 5 min, retenção de 3 anos")."""
    if not name or name == "base":
        return t("op.cost.base")
    parts = []
    for token in name.split():
        key, _, val = token.partition("=")
        if key == "infrastructure":
            parts.append(provider_words(val))
        elif key == "interval":
            parts.append(t("op.cost.interval", n=_v(Decimal(val))))
        elif key == "retention":
            parts.append(t("op.cost.retention", n=_v(Decimal(val))))
        elif key == "hot":
            parts.append(t("op.cost.hot", n=_v(Decimal(val))))
        elif key == "fiscal":
            parts.append(t("op.cost.fiscal", n=_v(Decimal(val))))
    return ", ".join(parts) or t("op.cost.base")


def provider_words(book_id: str) -> str:
    """A price book id ("aws:sa-east-1", "onprem:commodity") in words."""
    return _label("op.provider", str(book_id).split(":")[0])


def operator_issue_text(code: str, data: dict[str, Any]) -> str:
    """An issue in operator words: scenario and price-book keys replaced by what they mean."""
    clean = dict(data)
    if "scenario" in clean:
        clean["scenario"] = scenario_words(str(clean["scenario"]))
    if "provider" in clean:
        clean["provider"] = provider_words(str(clean["provider"]))
    own = "op.issue." + code.rsplit(".", 1)[-1]
    if has(own):  # operator wording where the shared text gives a customer or developer instruction
        return issue_text(own, clean)
    return issue_text(code, clean)


def _caveat(results: Sequence[ToolResult[Any]]) -> str:
    for r in results:
        for issue in r.issues:
            if issue.severity == "warning" and has(issue.code):
                return operator_issue_text(issue.code, dict(issue.data))
    refs = [ref for r in results for step in r.trail for ref in step.refs]
    if any(ref.status in ("unconfirmed", "reference") for ref in refs):
        return t("op.caveat_reference")
    return ""


# ------------------------------------------------------------------ per tool


def _ranking(r: ToolResult[Any], slots: dict[str, Any], at_risk: bool) -> tuple[str, str, bool]:
    v = r.value
    ind, unit = v.indicator, v.unit
    limit = _unit_value(v.limit, unit)
    if at_risk:
        topic = t("op.topic.quality_ranking_at_risk", indicator=ind)
        risky = sorted((e for e in v.entities if e.at_risk), key=lambda e: -e.projected)
        end = format_date(v.nominal_end)
        if risky:
            items = [
                t(
                    "op.ranking.at_risk_item",
                    id=e.entity_id,
                    value=_unit_value(e.value, unit),
                    projected=_unit_value(e.projected, unit),
                )
                for e in risky[:MAX_ITEMS]
            ]
            body = t(
                "op.ranking.at_risk", n=len(risky), indicator=ind, limit=limit, end=end, items=_join(items)
            )
        else:
            body = t("op.ranking.no_at_risk", indicator=ind, limit=limit, end=end)
            below = [e for e in v.entities if not e.violated][:3]
            if below:
                items = [
                    t(
                        "op.ranking.at_risk_item",
                        id=e.entity_id,
                        value=_unit_value(e.value, unit),
                        projected=_unit_value(e.projected, unit),
                    )
                    for e in below
                ]
                body += " " + t("op.ranking.closest", items=_join(items))
        body += " " + t("op.ranking.violated_too", n=_v(v.n_violating_meters))
        return topic, body, bool(v.entities)
    level = v.level
    topic = t("op.topic.quality_ranking", indicator=ind, level=t(f"op.level.{level}"))
    named = (
        slots.get("transformer")
        if level == "transformer"
        else slots.get("feeder")
        if level == "feeder"
        else None
    )
    if named:
        hit = next((e for e in v.entities if e.entity_id == named), None)
        if hit is None:
            return topic, t("op.ranking.not_found", id=named, indicator=ind), bool(v.entities)
        body = t(
            "op.ranking.position",
            id=named,
            rank=hit.rank,
            total=_v(v.n_entities),
            indicator=ind,
            value=_unit_value(hit.value, unit),
            limit=limit,
        )
        return topic, body, True
    if not v.entities:
        return topic, upper_first(t("op.ranking.empty", indicator=ind)) + ".", False
    shown = v.entities[: min(len(v.entities), int(slots.get("limit") or MAX_ITEMS), 10)]
    items = [t("op.ranking.item", id=e.entity_id, value=_unit_value(e.value, unit)) for e in shown]
    body = t(
        "op.ranking.top",
        n_shown=len(shown),
        level_plural=t(f"op.ranking.level_{'one' if len(shown) == 1 else 'plural'}.{level}"),
        indicator=ind,
        items=_join(items),
    )
    if len(shown) < len(v.entities) or v.n_entities > len(v.entities):
        body += " " + t("op.more_in_table")
    body += " " + t(
        "op.ranking.limit",
        limit=limit,
        violating=_v(v.n_violating_meters),
        at_risk=_v(v.n_at_risk_meters),
    )
    return topic, body, True


def _exposure(r: ToolResult[Any], slots: dict[str, Any]) -> tuple[str, str, bool]:
    v = r.value
    topic = t("op.topic.compensation_exposure", indicators=", ".join(v.indicators))
    if v.total_rs == 0:
        return topic, "", False
    parts = [
        t(
            "op.exposure.total",
            total=_v(v.total_rs, "R$"),
            n=_v(v.n_installations),
            voltage=_v(v.voltage_rs, "R$"),
            continuity=_v(v.continuity_rs, "R$"),
        )
    ]
    if len(v.groups) > 1:
        items = [
            t("op.exposure.group_item", id=g.group_id, amount=_v(g.amount_rs, "R$"))
            for g in v.groups[:MAX_ITEMS]
        ]
        parts.append(t("op.exposure.groups", by=t(f"op.by.{v.group_by}"), items=_join(items)))
    days = slots.get("due_within_days", 30)
    if v.n_due:
        parts.append(t("op.exposure.due", days=days, n=_v(v.n_due), amount=_v(v.due_rs, "R$")))
    else:
        parts.append(t("op.exposure.due_none", days=days))
    return topic, " ".join(parts), True


def _events(r: ToolResult[Any], slots: dict[str, Any]) -> tuple[str, str, bool]:
    v = r.value
    code = str(slots.get("code") or "")
    topic = t(f"op.topic.events_{code}") if has(f"op.topic.events_{code}") else t("op.topic.events_summary")
    if code == "tamper":
        ntl = [x for x in v.tamper if x.possible_ntl]
        parts = [t("op.events.tamper", n=_v(len(v.tamper)), ntl=_v(len(ntl)))]
        if ntl:
            items = [
                t("op.events.tamper_item", id=x.installation_id, drop=_v(x.drop_share, "fraction"))
                for x in ntl[:MAX_ITEMS]
            ]
            parts.append(t("op.events.tamper_list", items=_join(items)))
        return topic, " ".join(parts), bool(v.tamper)
    if v.total_events == 0:
        return topic, "", False
    codes = [
        t("op.events.code_item", label=_label("ui.event", c.key), n=_v(c.n_events)) for c in v.by_code[:3]
    ]
    parts = [
        t(
            "op.events.total",
            events=_plural(v.total_events, "evento", "eventos"),
            meters=_plural(v.total_meters, "medidor", "medidores"),
            codes=_join(codes),
        )
    ]
    if v.by_group and (slots.get("group_by") or code):
        items = [
            t("op.events.group_item", id=g.group_id, n=_v(g.n_events))
            for g in v.by_group[: int(slots.get("limit") or MAX_ITEMS)][:10]
        ]
        parts.append(t("op.events.by_group", by=t(f"op.by.{v.group_by}"), items=_join(items)))
    if v.outages:
        items = [_outage(o) for o in v.outages[:3]]
        parts.append(t("op.events.outages", n=_v(v.n_outages), items="; ".join(items) + "."))
    elif code == "power_down":
        parts.append(t("op.events.outages_none"))
    return topic, " ".join(parts), True


def _outage(o: Any) -> str:
    level = _label("op.events.outage_level", o.level)
    if o.end is None:
        return t(
            "op.events.outage_open",
            level=level,
            id=o.entity_id,
            date=format_date(o.start),
            start=_hm(o.start),
        )
    if o.end.date() != o.start.date():
        return t(
            "op.events.outage_item_long",
            level=level,
            id=o.entity_id,
            date=format_date(o.start),
            start=_hm(o.start),
            duration=_duration(o.duration_min),
            last=_v(o.end),
        )
    return t(
        "op.events.outage_item",
        level=level,
        id=o.entity_id,
        date=format_date(o.start),
        start=_hm(o.start),
        end=_hm(o.end),
        duration=_duration(o.duration_min),
    )


def _hm(x: dt.datetime) -> str:
    return x.strftime("%Hh%M")


def _duration(minutes: Decimal | None) -> str:
    """Whole minutes, as the tool measured them ("48 min", "94 min")."""
    if minutes is None:
        return "—"
    return f"{_v(int(round(float(minutes))))} min"


def _plural(n: int, one: str, many: str) -> str:
    return f"{_v(n)} {one if n == 1 else many}"


def _completeness(r: ToolResult[Any], slots: dict[str, Any]) -> tuple[str, str, bool]:
    v = r.value
    parts = [
        t(
            "op.completeness.total",
            pct=_v(v.completeness, "fraction"),
            n=_v(v.n_meters),
            without=_v(v.n_without_readings),
            silent=_v(v.n_silent),
            days=v.silent_days,
            zero=_v(v.n_zero_while_communicating),
        )
    ]
    if v.by_group and (slots.get("group_by") or len(v.by_group) > 1):
        by = upper_first(t(f"op.by.{slots.get('group_by', 'group')}"))
        named = slots.get("group_by") == "municipality"
        items = [
            t(
                "op.completeness.group_item",
                id=place_name(g.group_code) if named else g.group_code,
                pct=_v(g.completeness, "fraction"),
            )
            for g in v.by_group[:8]
        ]
        parts.append(t("op.completeness.groups", by=by, items=_join(items)))
    if v.silent and "silent_days" in slots:
        items = [
            t(
                "op.completeness.silent_item",
                id=m.installation_id,
                last=_v(m.last_reading) if m.last_reading else "—",
            )
            for m in v.silent[:MAX_ITEMS]
        ]
        parts.append(t("op.completeness.silent_list", days=v.silent_days, items=_join(items)))
    if v.zero_while_communicating and slots.get("_focus") == "zero":  # "quais medidores estão com consumo zerado?"
        items = [m.installation_id for m in v.zero_while_communicating[:MAX_ITEMS]]
        parts.insert(0, t("op.completeness.zero_list", items=_join(items)))
    return t("op.topic.data_completeness"), " ".join(parts), v.n_meters > 0


_ENERGY_SCALE = {"MWh": Decimal(1000)}


def _consumption(r: ToolResult[Any], slots: dict[str, Any]) -> tuple[str, str, bool]:
    v = r.value
    unit = str(slots.get("_energy_unit") or "kWh")

    def energy(kwh: Any) -> str:  # in the unit the question asked for ("em MWh")
        if unit in _ENERGY_SCALE and kwh is not None:
            return _v(Decimal(str(kwh)) / _ENERGY_SCALE[unit], unit)
        return _v(kwh, "kWh")

    grouped = bool(slots.get("group_by"))
    focus = slots.get("_focus")  # "gd" or "branca": the part asked about answers first
    part: dict[str, str] = {
        "total": t("op.consumption.total", n=_v(v.n_meters), kwh=energy(v.import_kwh), export=energy(v.export_kwh))
    }
    if v.rows and (grouped or len(v.rows) > 1):
        key_label = {"class": "ui.class", "posto": "billing.posto"}.get(v.group_by, "")
        items = [
            t(
                "op.consumption.row_item",
                name=_label(key_label, row.key) if key_label else row.key,
                kwh=energy(row.import_kwh),
            )
            for row in v.rows[:8]
        ]
        part["rows"] = t("op.consumption.rows", by=upper_first(t(f"op.by.{v.group_by}")), items=_join(items))
    if v.branca is not None and (not grouped or focus == "branca"):
        b = v.branca
        part["branca"] = t(
            "op.consumption.branca", n=_v(b.n_would_save), eligible=_v(b.n_eligible), saving=_v(b.saving_rs, "R$")
        )
    if v.gd.n_gd and (not grouped or focus == "gd"):
        part["gd"] = t(
            "op.consumption.gd", n=_v(v.gd.n_gd), export=energy(v.gd.export_kwh), more=_v(v.gd.n_export_gt_import)
        )
    if focus == "average" and v.rows:  # "consumo médio por cliente residencial": kWh per meter of each row
        rows = [r for r in v.rows if r.key == slots.get("_class")] or list(v.rows[:8])
        key_label = {"class": "ui.class", "posto": "billing.posto"}.get(v.group_by, "")
        part["average"] = t(
            "op.consumption.average",
            items=_join(
                [
                    t(
                        "op.consumption.average_item",
                        name=_label(key_label, row.key) if key_label else row.key,
                        kwh=energy(row.avg_kwh_per_meter),
                        n=_v(row.n_meters),
                    )
                    for row in rows
                ]
            ),
        )
    order = [str(focus)] if focus in part else []
    parts = [part[k] for k in order + [k for k in ("total", "rows", "branca", "gd") if k in part and k not in order]]
    return t("op.topic.fleet_consumption"), " ".join(parts), v.n_meters > 0


def _deadlines(r: ToolResult[Any], slots: dict[str, Any]) -> tuple[str, str, bool]:
    v = r.value
    parts: list[str] = []
    due_items = [
        t(
            "op.deadlines.due_item",
            type=_label("deadlines.request_type", d.request_type),
            inst=d.installation_id,
            due=_hm(d.due_at),
            date=format_date(d.due_at),
        )
        for d in v.due_soon[:3]
    ]
    parts.append(
        t(
            "op.deadlines.due",
            n=_plural(len(v.due_soon), "pedido", "pedidos"),
            items=(": " + "; ".join(due_items)) if due_items else "",
        )
    )
    parts.append(
        t(
            "op.deadlines.late",
            n=_v(len(v.late)),
            owed=_v(v.total_compensation_owed, "R$"),
            stake=_v(v.total_at_stake, "R$"),
        )
    )
    if v.flagged:
        items = [
            t(
                "op.deadlines.flagged_item",
                type=_label("deadlines.request_type", d.request_type),
                inst=d.installation_id,
            )
            for d in v.flagged[:3]
        ]
        parts.append(t("op.deadlines.flagged", n=_v(len(v.flagged)), items=": " + "; ".join(items)))
    if v.groups and not slots.get("request_type"):
        top = sorted(v.groups, key=lambda g: (-g.compensation_owed, g.region))[:4]
        items = [
            t(
                "op.deadlines.group_item",
                region=place_name(g.region),
                type=_label("deadlines.request_type", g.request_type),
                open=_v(g.open),
                late=_v(g.open_late + g.closed_late),
                owed=_v(g.compensation_owed, "R$"),
            )
            for g in top
        ]
        parts.append(t("op.deadlines.groups", items="; ".join(items)))
    return t("op.topic.deadline_exposure"), " ".join(parts), v.total_requests > 0


def _deadline_window(r: ToolResult[Any], slots: dict[str, Any]) -> str:
    v = r.value
    end = v.window_end
    if slots.get("_due") == "today":
        return t("op.due_today", date=format_date(v.as_of))
    if slots.get("_due") == "tomorrow":
        return t("op.due_tomorrow")
    if slots.get("_due") == "week":
        return t("op.due_week")
    if slots.get("due_within_hours") is not None:
        return t("op.due_hours", hours=slots["due_within_hours"], end=_v(end))
    days = slots.get("due_within_days", 7)
    return t("op.due_days", days=days, end=format_date(end))


def _cost(r: ToolResult[Any], slots: dict[str, Any]) -> tuple[str, str, bool]:
    v = r.value
    items = []
    for sc in v.scenarios:
        items.append(
            t(
                "op.cost.scenario",
                name=_scenario_name(sc),
                month=_v(sc.answer_brl_month, "R$"),
                per_meter=format_brl(sc.answer_brl_per_meter_month, 4),
                usd=_v(sc.answer_usd_month, "USD"),
            )
        )
    body = t("op.cost.answer", scenarios="; ".join(items)) + " " + t("op.cost.fx", fx=_v(v.fx_brl_per_usd))
    return t("op.topic.storage_cost"), body, True


def _scenario_name(sc: Any) -> str:
    name = provider_words(str(sc.provider))
    params = sc.params or {}
    extra = []
    if params.get("interval_minutes") and isinstance(params.get("interval_minutes"), int | float):
        extra.append(t("op.cost.interval", n=_v(params["interval_minutes"])))
    if params.get("retention_years") is not None:
        extra.append(t("op.cost.retention", n=_v(params["retention_years"])))
    return f"{name} ({', '.join(extra)})" if extra else name


def _cost_params(slots: dict[str, Any]) -> list[str]:
    out = []
    if slots.get("meters"):
        out.append(t("op.cost.meters", n=_v(int(slots["meters"]))))
    for key, tpl in (("interval_minutes", "op.cost.interval"), ("retention_years", "op.cost.retention")):
        val = slots.get(key)
        if isinstance(val, list):
            out.append(" vs ".join(t(tpl, n=_v(x)) for x in val))
        elif val is not None:
            out.append(t(tpl, n=_v(val)))
    if slots.get("phases"):
        out.append(t("op.cost.phases", phases=t(f"op.cost.phases_word.{slots['phases']}")))
    if slots.get("pv") is True:
        out.append(t("op.cost.pv"))
    elif slots.get("pv") is False:
        out.append(t("op.cost.no_pv"))
    if slots.get("datasets"):
        ds = slots["datasets"] if isinstance(slots["datasets"], list) else [slots["datasets"]]
        out.append(t("op.cost.datasets", items=_join([_label("cost.product", d) for d in ds])))
    return out


def _deadline_status(r: ToolResult[Any], slots: dict[str, Any]) -> tuple[str, str, bool]:
    v = r.value
    topic = t("op.topic.deadline_exposure")
    m = v.main
    if m is None:
        rtype = str(slots.get("request_type") or "")
        label = _label("deadlines.family", rtype) if rtype else t("op.deadlines.empty")
        return topic, t("op.deadline_status.none", type=label, inst=v.installation_id), False
    common = {
        "type": _label("deadlines.request_type", m.request_type),
        "id": m.request_id,
        "inst": m.installation_id,
        "deadline": t(f"op.deadline_status.unit.{m.deadline_unit}", n=m.deadline_amount),
        "due": _v(m.due_at),
        "compensation": _v(m.compensation, "R$"),
    }
    if m.state == "late":
        body = t(
            "op.deadline_status.late",
            done=_v(m.done_at),
            source=_label("op.deadline_status.source", m.done_source),
            **common,
        )
        if m.hidden_late and m.closed_at is not None:
            body += " " + t("op.deadline_status.hidden", closed=_v(m.closed_at))
    elif m.state == "open_late":
        body = t("op.deadline_status.open_late", **common)
    else:
        body = t("op.deadline_status.ontime", state=_label("deadlines.state", m.state), **common)
    return topic, body, True


def _continuity(r: ToolResult[Any], slots: dict[str, Any]) -> tuple[str, str, bool]:
    v = r.value
    topic = t("op.continuity.topic")
    period = v.period
    inside = [
        i
        for i in v.interruptions
        if i.start.date() <= period.end and (i.end is None or i.end.date() >= period.start)
    ]
    if not inside:
        body = t("op.continuity.none")
    else:
        items = []
        for i in inside[:MAX_ITEMS]:
            if i.end is None:
                items.append(t("op.continuity.item_open", start=_hm(i.start), date=format_date(i.start)))
                continue
            minutes = _duration(i.minutes)
            if not i.counted:
                minutes += ", " + t("op.continuity.short")
            items.append(
                t(
                    "op.continuity.item",
                    start=_hm(i.start),
                    end=_hm(i.end),
                    date=format_date(i.start),
                    minutes=minutes,
                )
            )
        body = t(
            "op.continuity.list",
            count=_plural(len(inside), "interrupção", "interrupções"),
            items="; ".join(items),
        )
    limits = v.limits if isinstance(v.limits, dict) else {}
    body += " " + t(
        "op.continuity.month",
        dic=_v(v.dic_h, "h"),
        fic=_v(v.fic),
        dic_lim=_v(limits.get("dic_h"), "h"),
        fic_lim=_v(limits.get("fic")),
        compensation=_v(v.total_compensation_rs, "R$"),
    )
    return topic, body, True


# ------------------------------------------------------------------ the answer


def _period_of(r: ToolResult[Any]) -> Any:
    return getattr(r.value, "period", None) or r.provenance.period


def _compose(intent: str, r: ToolResult[Any], slots: dict[str, Any]) -> tuple[str, str, bool]:
    if intent == "quality_ranking":
        return _ranking(r, slots, bool(slots.get("at_risk")))
    if intent == "compensation_exposure":
        return _exposure(r, slots)
    if intent == "events_summary":
        return _events(r, slots)
    if intent == "data_completeness":
        return _completeness(r, slots)
    if intent == "fleet_consumption":
        return _consumption(r, slots)
    if intent == "deadline_exposure":
        return _deadlines(r, slots)
    if intent == "storage_cost":
        return _cost(r, slots)
    if intent == "deadline_status":
        return _deadline_status(r, slots)
    if intent == "continuity_indicators":
        return _continuity(r, slots)
    topic = upper_first(t(f"intent.{intent}")) if has(f"intent.{intent}") else intent
    return topic, render_one(intent, r, slots), True


def _empty_text(intent: str, r: ToolResult[Any], slots: dict[str, Any]) -> str:
    if intent == "events_summary":
        return t("op.events.empty_tamper") if slots.get("code") == "tamper" else t("op.events.empty")
    if intent == "compensation_exposure":
        return t("op.exposure.empty")
    if intent == "quality_ranking":
        return t("op.ranking.empty", indicator=r.value.indicator)
    return t("op.deadlines.empty")


def _wider_text(intent: str, r: ToolResult[Any], slots: dict[str, Any]) -> tuple[str, bool]:
    v = r.value
    if intent == "events_summary":
        if slots.get("code") == "tamper":
            n = sum(1 for x in v.tamper if x.possible_ntl)
            return t("op.events.wider_tamper", n=_v(n), alarms=_v(len(v.tamper))), bool(v.tamper)
        return t("op.events.wider_events", n=_v(v.total_events)), v.total_events > 0
    if intent == "compensation_exposure":
        return t(
            "op.exposure.empty_wider_value", amount=_v(v.total_rs, "R$"), n=_v(v.n_installations)
        ), v.total_rs > 0
    return "", False


def answer(
    intent: str, slots: dict[str, Any], run: Run
) -> tuple[str, str, list[dict[str, Any]], list[ToolResult[Any]]]:
    """Reply, detail ("como calculei"), charts and the results of an operator turn."""
    call = {k: v for k, v in slots.items() if not k.startswith("_") and k != "at_risk"}
    if slots.get("at_risk") and intent == "quality_ranking":
        call.setdefault("level", "meter")
        call.setdefault("limit", 500)
        call.setdefault("period", "this_month")
    result = run(call)
    if result is None:
        return "", "", [], []
    results = [result]
    if result.disqualified:
        return render_one(intent, result, slots), "", [], results
    topic, body, found = _compose(intent, result, slots)
    period = _period_of(result)
    if intent == "deadline_exposure":
        period_words = _deadline_window(result, slots)
    elif intent == "storage_cost":
        period_words = ""
    elif period is not None:
        period_words = period_text(period)
        last_n = re.fullmatch(r"last_(\d+)_days", str(slots.get("period") or ""))
        if last_n:  # echo the window asked for ("últimos 7 dias"), then its dates
            period_words = f"{t('op.last_days', days=last_n.group(1))} ({period_words})"
    else:
        period_words = ""
    extra = _cost_params(slots) if intent == "storage_cost" else []
    head = (
        _head(topic, period_words, slots, extra)
        if period_words
        else ", ".join([topic, *filters_text(slots), *extra])
    )
    if (
        not found
        and "period" not in slots
        and intent in ("events_summary", "compensation_exposure")
        and period is not None
    ):
        wider = run({**call, "period": WIDER_PERIOD})
        if wider is not None and not wider.disqualified:
            results.append(wider)
            wider_body = (
                _compose(intent, wider, slots)[1] or upper_first(_empty_text(intent, wider, slots)) + "."
            )
            body = t(
                "op.empty_wider",
                empty=upper_first(_empty_text(intent, result, slots)),
                period=period_text(period),
                wider_period=t("op.last_days", days=WIDER_DAYS),
                wider=wider_body,
            )
    elif not found and not body:
        body = upper_first(_empty_text(intent, result, slots)) + "."
    lines = [head + ":", body.strip()]
    caveat = _caveat(results)
    if caveat:
        lines.append("⚠ " + caveat)
    detail = "\n\n".join(trail_text(r.trail) for r in results if r.trail)
    if detail:
        detail = t("chat.detail_header") + "\n" + detail
    charts = [c for r in results[:1] for c in charts_of(intent, r)]
    return "\n".join(x for x in lines if x), detail, charts, results
