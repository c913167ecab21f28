"""Replies about the challenges, points and badges (``challenge_status``): the first sentence answers
what was asked (points, the shower, the streak, the month against last year, the rank, or how the
challenge is going), from the tool's figures only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from assistant.answers import Answer, Cues, _v, brl, composer, day, kwh, month, pct
from assistant.i18n import format_number, t
from tools.types import ToolResult

_POINTS = re.compile(r"\bpontos?\b|\bpontuac\w*")
_BADGES = re.compile(r"\bselos?\b|\bmedalh\w*|\bconquist\w*|\bbadges?\b")
_SHOWER = re.compile(r"\bchuveiro|\bbanho")
_STREAK = re.compile(r"\bsequencia|\bseguid\w*|\bmeta diaria|\bdias? (?:na|dentro da) meta|\bstreak")
_MONTH = re.compile(r"\bano passado|\bmesmo mes")
_RANK = re.compile(r"\branking|\bposica\w*|\bcolocac\w*|\bcasas parecidas|\bvizinh\w*|\bcomparad\w* com (?:os )?outr")
_SUMMARY = re.compile(r"\bresumo\b")


def _minutes(x: Any) -> str:
    d = Decimal(str(x or 0))
    return f"{format_number(d, 0 if d == d.to_integral_value() else 1)} min"


def _ponta(v: Mapping[str, Any], last: str) -> list[str]:
    w = v.get("ponta_week") or {}
    red = Decimal(str(w.get("reduction"))) if w.get("reduction") is not None else None
    if red is None:
        return []
    f = {"start": day(w.get("start")), "end": day(w.get("end")), "last": last, "reduction": pct(red),
         "reduction_abs": pct(abs(red)), "target": pct(w.get("target_reduction"))}
    if w.get("completed") and w.get("complete_week"):
        key = "answer.challenge.ponta_done"
    elif w.get("completed"):
        key = "answer.challenge.ponta_running"
    elif red < 0:
        key = "answer.challenge.ponta_up"
    else:
        key = "answer.challenge.ponta_short"
    out = [t(key, **f)]
    if w.get("saving_branca_rs") is not None and Decimal(str(w.get("moved_kwh") or 0)) > 0:
        out.append(t("answer.challenge.ponta_saving", moved_kwh=kwh(w.get("moved_kwh")), saving=brl(w.get("saving_branca_rs"))))
    return out


def _shower(v: Mapping[str, Any]) -> list[str]:
    s = v.get("shower") or {}
    if s.get("reduction") is None:
        return []
    f = {"before": _minutes(s.get("baseline_per_day")), "after": _minutes(s.get("week_per_day")),
         "target": pct(s.get("target_reduction"))}
    out = [t("answer.challenge.shower_done" if s.get("completed") else "answer.challenge.shower_short", **f)]
    if s.get("saving_branca_rs") is not None and Decimal(str(s.get("moved_kwh") or 0)) > 0:
        out.append(t("answer.challenge.shower_saving", moved_kwh=kwh(s.get("moved_kwh")), saving=brl(s.get("saving_branca_rs"))))
    return out


def _points(v: Mapping[str, Any]) -> list[str]:
    total = int(v.get("points_total") or 0)
    if total == 0:
        return [t("answer.challenge.points_none")]
    out = [t("answer.challenge.points", total=format_number(total, 0), month=format_number(int(v.get("points_month") or 0), 0),
             month_label=month(v.get("month_label")))]
    badges = [t(f"engagement.badge.{b}") for b in v.get("badges") or []]
    if badges:
        out.append(t("answer.challenge.badges", badges=", ".join(badges)))
    return out


def _badges(v: Mapping[str, Any]) -> list[str]:
    badges = [t(f"engagement.badge.{b}") for b in v.get("badges") or []]
    if not badges:
        return [t("answer.challenge.badges_none")]
    return [t("answer.challenge.badges_yes", count=len(badges), badges=", ".join(badges))]


def _streak(v: Mapping[str, Any]) -> list[str]:
    s = v.get("streak") or {}
    if not s:
        return []
    budget = kwh(s.get("budget_kwh"))
    if int(s.get("current_days") or 0) > 0:
        return [t("answer.challenge.streak", days=s.get("current_days"), budget=budget)]
    return [t("answer.challenge.streak_zero", budget=budget, under=s.get("days_under"))]


def _month(v: Mapping[str, Any]) -> list[str]:
    m = v.get("month") or {}
    if m.get("change") is None:
        return []
    change = Decimal(str(m.get("change")))
    key = "answer.challenge.month_below" if change < 0 else "answer.challenge.month_above"
    return [t(key, change=pct(abs(change)), this=kwh(m.get("kwh_per_day")), last=kwh(m.get("last_year_kwh_per_day")))]


def _rank(v: Mapping[str, Any]) -> list[str]:
    if v.get("better_than_share") is None:
        return []
    return [t("answer.challenge.rank", peers=v.get("peers"), better=pct(v.get("better_than_share")))]


@composer("challenge_status")
def challenge_answer(result: ToolResult[Any], cues: Cues, slots: Mapping[str, Any]) -> Answer | None:
    v = _v(result)
    norm = cues.norm
    last = day(v.get("last_day"))
    if _SUMMARY.search(norm):
        lines = [t("answer.challenge.summary_head", month_label=month(v.get("month_label")),
                   points=format_number(int(v.get("points_month") or 0), 0))]
        lines += _ponta(v, last)[:1] + _shower(v) + _streak(v) + _month(v)
    elif _BADGES.search(norm) and not _POINTS.search(norm):
        lines = _badges(v) + _points(v)[:1]
    elif _POINTS.search(norm):
        lines = _points(v) + _rank(v)
    elif _SHOWER.search(norm):
        lines = _shower(v)
    elif _STREAK.search(norm):
        lines = _streak(v) + _points(v)[:1]
    elif _MONTH.search(norm):
        lines = _month(v)
    elif _RANK.search(norm):
        lines = _rank(v)
    else:
        lines = _ponta(v, last) + _shower(v)[:1] + _points(v)[:1]
        if v.get("upcoming_start") and not v.get("joined"):
            lines = [t("answer.challenge.upcoming", upcoming=day(v.get("upcoming_start")),
                       start=day((v.get("ponta_week") or {}).get("start")))] + lines
        elif not v.get("joined"):
            lines = [t("answer.challenge.not_joined", start=day((v.get("ponta_week") or {}).get("start")))] + lines
    lines = [x for x in lines if x]
    if not lines:
        return None
    return Answer(lines, next_step=t("answer.challenge.next"))


@composer("join_challenge")
def join_answer(result: ToolResult[Any], cues: Cues, slots: Mapping[str, Any]) -> Answer | None:
    v = _v(result)
    names = [t(f"answer.challenge.name_{c}") for c in v.get("challenges") or []]
    if not names:
        return None
    window = str(v.get("ponta_window") or "")
    hours = t("answer.challenge.window", start=window[:5], end=window[6:11]) if len(window) >= 11 else ""
    key = "answer.challenge.joined" if v.get("new") else "answer.challenge.already_joined"
    lines = [t(key, names=t("answer.challenge.and_in").join(names), start=day(v.get("start")), end=day(v.get("end")))]
    lines.append(t("answer.challenge.joined_rule", target=pct(v.get("target_reduction")), hours=hours))
    return Answer(lines, next_step=t("answer.challenge.joined_next"))
