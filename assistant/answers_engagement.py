"""Replies of the engagement tools (goal, D-1 digest, subscriptions): the answer first, then the
working in one or two sentences, then at most one next step. Also the texts of the proactive
digest and goal alert (the same sentences, so chat and WhatsApp say the same thing).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assistant.answers import Answer, Cues, brl, composer, day, days_word, kwh, month, pct
from assistant.i18n import has, t
from assistant.render import jsonable_value
from assistant.render_detail import as_decimal
from tools.types import ToolResult

_ASKS_OVER = r"\b(?:passar|passo|passa|estourar|estouro|estoura|ultrapassar|ultrapasso|exceder|acima)\b"
_ASKS_WITHIN = r"\b(?:dentro|cumprir|cumpro|bater|bato|atingir|consigo|da pra|na meta)\b"


def join_and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {t('answer.word.and')} " + items[-1]


def _v(result: ToolResult[Any]) -> dict[str, Any]:
    raw = jsonable_value(result)
    return raw if isinstance(raw, dict) else {}


def _amount(x: Any, unit: str) -> str:
    return brl(x) if unit == "brl" else kwh(x)


def action_text(tip_key: str | None) -> str | None:
    key = f"engagement.action.{str(tip_key or '').removeprefix('tip.')}"
    return t(key) if tip_key and has(key) else None


def _share(x: Any) -> str:
    d = as_decimal(x)
    return pct(round(d, 2)) if d is not None else ""


def goal_fields(g: Mapping[str, Any], unit: str) -> dict[str, str]:
    return {
        "goal": _amount(g.get("goal"), unit),
        "month": month(g.get("bill_month")),
        "projected": _amount(g.get("projected"), unit),
        "low": _amount(g.get("projected_low"), unit),
        "high": _amount(g.get("projected_high"), unit),
        "over": _amount(g.get("over_by"), unit),
        "spent": _amount(g.get("spent"), unit),
        "elapsed": days_word(g.get("days_elapsed")),
        "elapsed_n": str(g.get("days_elapsed")),
        "what": t(f"engagement.goal.what_{unit}", month=month(g.get("bill_month"))),
        "days_total": days_word(g.get("days_total")),
        "remaining": days_word(g.get("days_remaining")),
        "share": _share(g.get("share_elapsed")),
        "reading_date": day(g.get("reading_date")),
        "budget": _amount(g.get("daily_budget"), unit),
        "budget_kwh": kwh(g.get("daily_budget_kwh")),
        "pace": _amount(g.get("pace_per_day"), unit),
    }


def savings_lines(savings: list[Mapping[str, Any]]) -> list[str]:
    out = []
    for s in savings:
        action = action_text(s.get("tip_key"))
        if not action:
            continue
        extra = t("engagement.goal.saving_brl", brl=brl(s.get("brl"))) if s.get("brl") is not None else ""
        out.append(t("engagement.goal.saving_item", action=action, kwh=kwh(s.get("kwh")), brl=extra))
    return out


def goal_lines(v: Mapping[str, Any], norm: str = "") -> list[str]:
    """The goal reply's sentences (no goal → how to set one)."""
    import re

    g = v.get("progress")
    if not v.get("goal_set") or not isinstance(g, dict):
        return [t("engagement.goal.none")]
    unit = str(v.get("unit") or "brl")
    f = goal_fields(g, unit)
    status = g.get("status")
    out: list[str] = []
    if v.get("just_set"):
        out.append(t("engagement.goal.set", goal=f["goal"]))
    if status == "already_over":
        out.append(t("engagement.goal.already_over", **f))
    else:
        base = "on_track" if status == "on_track" else "above"
        if v.get("just_set"):
            kind = base
        elif re.search(_ASKS_OVER, norm):
            kind = f"{base}_{'no' if base == 'on_track' else 'yes'}"
        elif re.search(_ASKS_WITHIN, norm):
            kind = f"{base}_{'yes' if base == 'on_track' else 'no'}"
        else:
            kind = base
        out.append(t(f"engagement.goal.{kind}", **f))
    out.append(t("engagement.goal.so_far", **f))
    if g.get("daily_budget") is None:
        out.append(t("engagement.goal.no_day_left", **f))
    elif status == "on_track":
        out.append(t("engagement.goal.budget_ok" + ("_kwh" if unit == "kwh" else ""), **f))
    elif status == "above":
        out.append(t("engagement.goal.budget_cut" + ("_kwh" if unit == "kwh" else ""), **f))
        if g.get("low_above_goal"):
            out.append(t("engagement.goal.range_note"))
    items = savings_lines([s for s in v.get("savings") or [] if isinstance(s, dict)])
    if items:
        out.append(t("engagement.goal.savings_head"))
        out += items
    return out


@composer("goal_progress")
def _goal(result: ToolResult[Any], cues: Cues, slots: Mapping[str, Any]) -> Answer | None:
    v = _v(result)
    nxt = t("engagement.goal.alerts_on") if v.get("goal_set") and not v.get("alerts_on") else None
    return Answer(goal_lines(v, cues.norm), next_step=nxt)


@composer("set_goal")
def _set_goal(result: ToolResult[Any], cues: Cues, slots: Mapping[str, Any]) -> Answer | None:
    v = _v(result)
    return Answer(goal_lines(v, cues.norm), next_step=t("engagement.goal.alerts_on") if v.get("alerts_on") else None)


def digest_lines(v: Mapping[str, Any]) -> list[str]:
    f = {"day": day(v.get("day")), "kwh": kwh(v.get("kwh")), "cost": brl(v.get("cost_rs"))}
    out = [t("engagement.digest.head" if v.get("cost_rs") is not None else "engagement.digest.head_no_cost", **f)]
    for name, ref_key, pct_key in (("typical", "typical_kwh", "vs_typical_pct"), ("similar", "similar_kwh", "vs_similar_pct")):
        change = v.get(pct_key)
        if v.get(ref_key) is None or change is None:
            continue
        kind = "same" if abs(float(change)) < 0.05 else ("up" if float(change) > 0 else "down")
        out.append(t(f"engagement.digest.{name}_{kind}", pct=pct(round(as_decimal(change) or 0, 2)),
                     **{name: kwh(v.get(ref_key))}))
    if v.get("peak_hour") is not None:
        out.append(t("engagement.digest.peak", hour=int(v["peak_hour"])))
    action = action_text(v.get("tip_key"))
    if action and v.get("tip_saving_kwh_month") is not None:
        saving = brl(v["tip_saving_brl_month"]) if v.get("tip_saving_brl_month") is not None else kwh(v["tip_saving_kwh_month"])
        out.append(t("engagement.digest.tip", action=action, saving=saving))
    return out


@composer("daily_digest")
def _digest(result: ToolResult[Any], cues: Cues, slots: Mapping[str, Any]) -> Answer | None:
    return Answer(digest_lines(_v(result)), next_step=None)


@composer("message_subscription")
def _subscription(result: ToolResult[Any], cues: Cues, slots: Mapping[str, Any]) -> Answer | None:
    v = _v(result)
    action = v.get("action")
    purposes = [t(f"engagement.purpose.{p}") for p in v.get("purposes") or []]
    if action == "subscribe":
        at = str(v.get("at") or "")[:10]
        channel = t(f"engagement.channel.{v.get('channel')}") if has(f"engagement.channel.{v.get('channel')}") else ""
        out = [t("engagement.subscription.subscribed", hour=v.get("hour"))]
        if v.get("hour_adjusted"):
            out.append(t("engagement.subscription.adjusted", hour=v.get("hour")))
        out.append(t("engagement.subscription.consent", date=day(at), channel=channel))
        return Answer(out)
    if action == "unsubscribe":
        purpose = t(f"engagement.purpose.{slots.get('purpose') or 'daily_digest'}")
        key = "unsubscribed" if purposes else "not_subscribed"
        return Answer([t(f"engagement.subscription.{key}", purpose=purposes[0] if purposes else purpose)])
    if action == "resume":
        return Answer([t("engagement.subscription.resumed", purposes=join_and(purposes))]) if purposes else None
    return Answer([t("engagement.subscription.stopped", purposes=join_and(purposes))]) if purposes else None
