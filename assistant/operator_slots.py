"""Slot extraction for the operator copilot (fleet, deadlines, costs, events questions).

Pure and deterministic over normalised text. Allowed values (indicators, ``group_by`` keys)
come from the tools' argument models, so the extractor never offers a value a tool rejects.
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from functools import cache
from typing import Any, Literal

from assistant.slots import _NUM_WORDS, extract_period
from assistant.text import normalize
from tools import registry
from tools.api.fleet.common import ALL_INDICATORS
from tools.errors import ToolError

#: group_by values a tool takes although its argument model has no ``Literal`` for them
_EXTRA_ALLOWED: dict[tuple[str, str], tuple[str, ...]] = {
    ("data_completeness", "group_by"): ("meter", "transformer", "feeder", "municipality", "region"),
}


def _literals(annotation: Any) -> tuple[Any, ...]:
    """The values of a ``Literal`` annotation (also inside ``X | None``, ``Annotated``)."""
    if typing.get_origin(annotation) is Literal:
        return typing.get_args(annotation)
    out: list[Any] = []
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, typing.Annotated):
        for arg in typing.get_args(annotation):
            out.extend(_literals(arg))
    return tuple(out)


@cache
def allowed_values(tool: str, arg: str) -> tuple[Any, ...]:
    """Values ``tool`` accepts for ``arg``, read from its argument model (empty if free or unknown)."""
    if (tool, arg) in _EXTRA_ALLOWED:
        return _EXTRA_ALLOWED[(tool, arg)]
    try:
        model = registry.get(tool).args_model
    except ToolError:
        return ()
    field = model.model_fields.get(arg)
    return _literals(field.annotation) if field is not None else ()


def _number_pt(s: str) -> int | None:
    m = re.search(r"\b(\d+(?:[.,]\d+)?)\s*(mil|milhao|milhoes|mi|k)\b", s)
    if m:
        base = (
            float(m.group(1).replace(".", "").replace(",", "."))
            if m.group(2) in ("mil", "k")
            else float(m.group(1).replace(",", "."))
        )
        mult = 1_000 if m.group(2) in ("mil", "k") else 1_000_000
        return int(round(base * mult))
    m = re.search(
        r"\b(\d{1,3}(?:\.\d{3})+|\d{4,})\s+(?:de\s+)?(?:medidores|clientes|unidades|instalacoes)\b", s
    )
    if m:
        return int(m.group(1).replace(".", ""))
    m = re.search(r"\b(" + "|".join(_NUM_WORDS) + r")\s+(milhao|milhoes|mil)\b", s)
    if m:
        return _NUM_WORDS[m.group(1)] * (1_000 if m.group(2) == "mil" else 1_000_000)
    return None


def extract_operator_slots(text: str, intent: str, today: dt.date) -> dict[str, Any]:
    s = normalize(text)
    out: dict[str, Any] = {}
    found = [i for i in ALL_INDICATORS if re.search(rf"\b{i.lower()}\b", s)]
    if not found:
        if re.search(r"tensao critica|critic", s):
            found = ["DRC"]
        elif re.search(r"tensao precaria|precari", s):
            found = ["DRP"]
        elif re.search(r"continuidade", s):
            found = ["DIC", "FIC", "DMIC"]
        elif re.search(r"\btensao\b|\bvoltagem\b", s) and intent in (
            "quality_ranking",
            "compensation_exposure",
        ):
            found = ["DRP", "DRC"] if intent == "compensation_exposure" else ["DRP"]
    if found:
        out["indicator"] = found[0] if len(found) == 1 else found
    if re.search(r"transformador|\btrafos?\b|\btrs?\b", s):
        out["level"] = "transformer"
    elif re.search(r"alimentador", s):
        out["level"] = "feeder"
    elif re.search(r"medidor|cliente|unidade|instalac|consumidor", s) and intent == "quality_ranking":
        out["level"] = "meter"
    m = re.search(
        r"\b(?:top|os|as)?\s*(\d{1,3})\s+(?:medidores|transformadores|trafos|alimentadores|clientes|unidades|instalacoes|"
        r"maiores|piores|primeir[oa]s)|\btop\s*(\d{1,3})\b",
        s,
    )
    if m:
        out["limit"] = int(m.group(1) or m.group(2))
    period = extract_period(text, today)
    if period is not None:
        out["period"] = period
    if intent == "events_summary":
        if re.search(r"\balarme", s):
            out["kind"] = "alarm"
        if re.search(r"tampa|violac|fraude|tamper|magnet|adultera", s):
            out["code"] = "tamper"
            out.pop("kind", None)
        elif re.search(
            r"(?:faltas?|quedas?) de (?:energia|luz)|sem (?:energia|luz)|desligament|last gasp|power down|interrupc|apagao",
            s,
        ):
            out["code"] = "power_down"
    m = re.search(
        r"\b(?:por|de cada|em cada|separad\w* por|agrupad\w* por)\s+(alimentador|transformador|trafo|medidor|municipio|regiao|posto|classe|grupo)",
        s,
    )
    if m and intent in ("events_summary", "compensation_exposure", "fleet_consumption", "data_completeness"):
        key = {
            "alimentador": "feeder",
            "transformador": "transformer",
            "trafo": "transformer",
            "medidor": "meter",
            "municipio": "municipality",
            "regiao": "region",
            "posto": "posto",
            "classe": "class",
            "grupo": "group",
        }[m.group(1)]
        if key in allowed_values(intent, "group_by"):
            out["group_by"] = key
        if out.get("level") == key and intent != "quality_ranking":
            out.pop("level", None)
    m = re.search(
        r"\b(?:proxim[oa]s|nos proximos|nas proximas|em ate|dentro de)\s+(\d{1,3})\s+(dias|horas|h)\b", s
    )
    if m and intent in ("compensation_exposure", "deadline_exposure"):
        n = int(m.group(1))
        if m.group(2) == "dias":
            out["due_within_days"] = n
        elif intent == "deadline_exposure":
            out["due_within_hours"] = n
    if intent == "data_completeness":
        m = re.search(
            r"\b(?:ha|por|a|faz)\s+mais\s+de\s+(\d{1,3})\s+dias\b|\b(\d{1,3})\s+dias\s+(?:sem|mud|silenc|calad)",
            s,
        )
        if m:
            out["silent_days"] = int(m.group(1) or m.group(2))
            out.pop("period", None)
    m = re.search(r"\bgrupo ([ab])\b", s)
    if m:
        out["group"] = m.group(1).upper()
    if intent == "storage_cost":
        out.update(_cost_slots(s))
    if intent not in ("quality_ranking", "events_summary"):
        out.pop("level", None)
    if intent == "data_completeness" and "silent_days" in out:
        out.pop("period", None)
    return out


def _cost_slots(s: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    n = _number_pt(s)
    if n:
        out["meters"] = n
    if re.search(r"trifasic", s):
        out["phases"] = 3
    elif re.search(r"bifasic", s):
        out["phases"] = 2
    elif re.search(r"monofasic", s):
        out["phases"] = 1
    m = re.search(r"de (\d{1,2}) para (\d{1,2}) minutos", s)
    if m:
        out["interval_minutes"] = [int(m.group(1)), int(m.group(2))]
    else:
        mins = [int(x) for x in re.findall(r"\b(\d{1,2})\s*(?:minutos|min)\b", s)]
        if len(mins) == 1:
            out["interval_minutes"] = mins[0]
        elif len(mins) > 1:
            out["interval_minutes"] = mins
        elif re.search(r"horari|de hora em hora|60 min|integralizacao de uma hora|por hora", s):
            out["interval_minutes"] = 60
    m = re.search(r"\b(\d{1,2})\s+anos\b", s)
    if m:
        out["retention_years"] = int(m.group(1))
    cloud = bool(re.search(r"nuvem|cloud|aws|azure|gcp|google cloud|oci|huawei", s))
    onprem = bool(
        re.search(r"on-premises|on premises|on-premise|on premise|local|proprio|datacenter|data center", s)
    )
    if cloud and onprem:
        out["infrastructure"] = ["cloud", "on_premises"]
    elif cloud:
        out["infrastructure"] = "cloud"
    elif onprem:
        out["infrastructure"] = "on_premises"
    ds = []
    if re.search(r"\beventos?\b", s):
        ds.append("events")
    if re.search(r"\balarmes?\b", s):
        ds.append("alarms")
    if ds:
        out["datasets"] = ds
    m = re.search(r"\bgrupo ([ab])\b", s)
    if m:
        out["group"] = m.group(1).upper()
    return out
