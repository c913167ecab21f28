"""Slot extraction for the operator copilot (fleet, deadlines, costs, events questions).

Pure and deterministic over normalised text. Allowed values (indicators, ``group_by`` keys)
come from the tools' argument models, so the extractor never offers a value a tool rejects.
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from collections.abc import Sequence
from functools import cache
from typing import Any, Literal

from assistant.router import Route
from assistant.slots import _NUM_WORDS, extract_period, request_type
from assistant.text import normalize, strip_accents
from tools import registry
from tools.api.fleet.common import ALL_INDICATORS, municipalities
from tools.errors import ToolError

#: group_by values a tool takes although its argument model has no ``Literal`` for them
_EXTRA_ALLOWED: dict[tuple[str, str], tuple[str, ...]] = {}


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


_FEEDER_RE = re.compile(r"\bal[- ]?(\d{3})\b")
_TRANSFORMER_RE = re.compile(r"\btr[- ]?(\d{4})\b")
_ORDINAL_RE = re.compile(r"(\d+)\s*[ºª°]")


_PLACES: dict[int, tuple[str, ...]] = {}


def known_places(store: Any) -> tuple[str, ...]:
    """Municipalities of the store's register (read once per store)."""
    key = id(store)
    if key not in _PLACES:
        try:
            _PLACES[key] = municipalities(store)
        except Exception:  # a store without the register: no place filter
            _PLACES[key] = ()
    return _PLACES[key]


def place_in(text: str, places: Sequence[str]) -> str | None:
    """A municipality of the register named in ``text`` (accents and case ignored), as written there."""
    s = normalize(text)
    raw = strip_accents(text)
    for place in sorted(places, key=len, reverse=True):
        key = normalize(place)
        if not key:
            continue
        m = re.search(rf"\b{re.escape(key)}\b", s)
        if m:
            written = re.search(re.escape(strip_accents(place)), raw, re.IGNORECASE)
            return " ".join(
                w[:1].upper() + w[1:] if len(w) > 2 else w
                for w in (written.group(0) if written else place).split()
            )
    return None


def place_slots(text: str, intent: str, places: Sequence[str]) -> dict[str, Any]:
    """``{"region": ...}`` when the question names a municipality of the register and the tool filters by it."""
    place = place_in(text, places)
    return {"region": place} if place and "region" in _accepts(intent) else {}


def extract_operator_slots(
    text: str, intent: str, today: dt.date, places: Sequence[str] = ()
) -> dict[str, Any]:
    """Tool arguments an operator's question sets: indicators, level, filters, period, group_by, windows."""
    text = _ORDINAL_RE.sub(r"\1", text)
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
        elif re.search(r"interrup\w*|falta\w* de (?:luz|energia)|sem (?:luz|energia)|desligament\w*|apag[aã]o", s) and intent in (
            "quality_ranking",
            "compensation_exposure",
        ):  # "mais interrupção": continuity; how many times is FIC, how long is DIC
            found = ["FIC"] if re.search(r"\bvezes\b|frequen\w*|quantas interrup", s) else ["DIC"]
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
        r"ucs|eventos|alarmes|pedidos|maiores|piores|primeir[oa]s)|\btop\s*(\d{1,3})\b",
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
        if re.search(
            r"tampa|violac|fraude|tamper|magnet|adultera|furto|\bgatos?\b|desvio de energia|perdas? nao tecnica|"
            r"ligac\w* irregular|irregularidade",
            s,
        ):
            out["code"] = "tamper"
            out.pop("kind", None)
        elif re.search(
            r"(?:faltas?|quedas?) de (?:energia|luz)|sem (?:energia|luz)|desligament|last gasp|power down|interrupc|apagao|"
            r"quedas? (?:inferid|de (?:transformador|trafo|alimentador))|\bquedas?\b(?! de consumo)",
            s,
        ):
            out["code"] = "power_down"
    m = re.search(
        r"\b(?:por|de cada|em cada|separad\w* por|agrupad\w* por)\s+(alimentador|transformador|trafo|medidor|municipio|"
        r"cidade|regiao|posto|classe|grupo)",
        s,
    )
    by_word = m.group(1) if m else None
    if by_word is None and re.search(r"\bponta\b.*\bfora (?:de |da )?ponta\b", s):
        by_word = "posto"  # "ponta vs fora ponta": consumption by tariff period
    if by_word and intent in (
        "events_summary",
        "compensation_exposure",
        "fleet_consumption",
        "data_completeness",
    ):
        key = {
            "alimentador": "feeder",
            "transformador": "transformer",
            "trafo": "transformer",
            "medidor": "meter",
            "municipio": "municipality",
            "cidade": "municipality",
            "regiao": "region",
            "posto": "posto",
            "classe": "class",
            "grupo": "group",
        }[by_word]
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
    out.update(_filters(text, s, intent, today, places))
    if intent == "quality_ranking" and asks_at_risk(s):
        out["at_risk"] = True
        out.pop("level", None)
    if intent == "storage_cost":
        out.update(_cost_slots(s))
    if intent not in ("quality_ranking", "events_summary"):
        out.pop("level", None)
    if intent == "data_completeness" and "silent_days" in out:
        out.pop("period", None)
    if intent == "data_completeness" and re.search(r"\bconsumo (?:zerado|zero)\b|\bzerad\w*", s):
        out["_focus"] = "zero"  # the meters reading zero while communicating lead the reply
    if intent == "fleet_consumption":  # what the question is about leads the reply (not a tool argument)
        if re.search(r"\bmedi[ao]\b|\bpor (?:cliente|medidor|unidade|uc|instalacao)\b", s):
            out["_focus"] = "average"
            named = re.search(r"\b(residenc|comerc|industri|rura)\w*", s)
            if named:  # the class named leads ("consumo médio por cliente residencial")
                out.setdefault("group_by", "class")
                out["_class"] = {"residenc": "residencial", "comerc": "comercial", "industri": "industrial", "rura": "rural"}[
                    named.group(1)
                ]
        elif re.search(r"\bgd\b|geracao|injet\w*|solar|fotovolt\w*|micro ?gera\w*", s):
            out["_focus"] = "gd"
        elif re.search(r"\bbranca\b", s):
            out["_focus"] = "branca"
    if intent == "fleet_consumption":  # "em MWh": the reply's energy unit, not a tool argument
        if re.search(r"\b(mwh|megawatts?[- ]hora)\b", s):
            out["_energy_unit"] = "MWh"
    return out


def _filters(text: str, s: str, intent: str, today: dt.date, places: Sequence[str]) -> dict[str, Any]:
    """Where and what: feeder, transformer, municipality, request type, "hoje"/"essa semana" deadlines."""
    out: dict[str, Any] = {}
    accepts = _accepts(intent)
    m = _FEEDER_RE.search(s)
    if m and "feeder" in accepts:
        out["feeder"] = f"AL-{m.group(1)}"
    m = _TRANSFORMER_RE.search(s)
    if m and "transformer" in accepts:
        out["transformer"] = f"TR-{m.group(1)}"
    place = place_in(text, places)
    if place and "region" in accepts:
        out["region"] = place
    inst = installation_in(text)
    if inst and intent not in _FLEET_TOOLS and intent not in ("storage_cost", "sql_query"):
        out["installation_id"] = inst  # a customer tool run for the installation the operator named
    if intent in ("deadline_exposure", "deadline_status"):
        rtype = request_type(s, "operator")
        if rtype:
            out["request_type"] = rtype
    if intent == "deadline_exposure" and "due_within_days" not in out and "due_within_hours" not in out:
        # the window runs from the data's today at 00:00 for N whole days ("hoje" = 1 day)
        if re.search(r"\b(?:vence\w*|vencem|venc\w+|prazo\w*)\b.{0,20}\bhoje\b|\bhoje\b.{0,20}\bvenc", s):
            out["due_within_days"], out["_due"] = 1, "today"
        elif re.search(r"\b(?:venc\w+)\b.{0,20}\b(?:essa|esta|nesta|nessa) semana\b", s):
            out["due_within_days"], out["_due"] = 7 - today.weekday(), "week"
        elif re.search(r"\b(?:venc\w+)\b.{0,20}\bamanha\b", s):
            out["due_within_days"], out["_due"] = 2, "tomorrow"
    return out


@cache
def _accepts(intent: str) -> frozenset[str]:
    """Argument names of the intent's tool (empty for an unknown tool)."""
    try:
        return frozenset(registry.get(intent).args_model.model_fields)
    except ToolError:
        return frozenset()


#: cloud providers of the price catalogue, as operators name them
_PROVIDERS: tuple[tuple[str, str], ...] = (
    ("aws", r"\baws\b|amazon"),
    ("azure", r"\bazure\b|microsoft"),
    ("gcp", r"\bgcp\b|google"),
    ("oci", r"\boci\b|oracle"),
    ("huawei", r"\bhuawei\b"),
)


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
    # "5 min em vez de 15", "3 anos em vez de 10": both values, the new one first
    for key, unit in (("interval_minutes", r"(?:minutos|min)"), ("retention_years", r"anos")):
        m = re.search(
            rf"\b(\d{{1,2}})\s*{unit}\b.{{0,30}}?\b(?:em vez de|ao inves de|no lugar de|contra|vs|x)\s+(\d{{1,2}})\b",
            s,
        )
        if m and int(m.group(1)) != int(m.group(2)):
            out[key] = [int(m.group(1)), int(m.group(2))]
    cloud = bool(re.search(r"nuvem|cloud|aws|azure|gcp|google cloud|oci|huawei", s))
    onprem = bool(
        re.search(r"on-premises|on premises|on-premise|on premise|local|proprio|datacenter|data center", s)
    )
    providers = [p for p, pat in _PROVIDERS if re.search(pat, s)]
    if len(providers) >= 2:  # "compara azure x gcp": one scenario per provider
        out["infrastructure"] = [*providers, *(["on_premises"] if onprem else [])]
    elif cloud and onprem:
        out["infrastructure"] = ["cloud", "on_premises"]
        if providers:
            out["provider"] = providers[0]
    elif cloud:
        out["infrastructure"] = "cloud"
        if providers:
            out["provider"] = providers[0]
    elif onprem:
        out["infrastructure"] = "on_premises"
    if re.search(
        r"\b(?:com|que tem|que tenham|de) (?:gd|geracao distribuida|placas?|paineis|solar|fotovoltaic\w*)\b",
        s,
    ):
        out["pv"] = True
    elif re.search(r"\bsem (?:gd|geracao distribuida|solar)\b", s):
        out["pv"] = False
    ds = []
    if re.search(r"\btensao\b|\bqualidade (?:de|da) energia\b|\bqee\b", s):
        ds.append("power_quality")
    if re.search(r"\bmemoria de massa\b|\bcurva de carga\b", s) and ds:
        ds.append("load_profile")
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


# ------------------------------------------------------------------ operator routing rules

_INSTALLATION_RE = re.compile(r"\b(\d{8})\b")
#: a question about one customer's installation → the customer tool that answers it (operator scope)
_ONE_CUSTOMER: tuple[tuple[str, str], ...] = (
    ("deadline_status", r"prazo|atras|religa|pedido|protocolo|solicitac|vistoria|ligacao nova"),
    (
        "continuity_indicators",
        r"sem (?:energia|luz)|falta de (?:energia|luz)|faltou|queda de (?:energia|luz)|interrup|apag|desligament",
    ),
    ("voltage_quality", r"\btensao\b|voltagem|oscila"),
    ("explain_bill", r"\bconta\b|fatura"),
    ("consumption_summary", r"consum|kwh|gast"),
)
_FLEET_TOOLS = frozenset(
    {
        "quality_ranking",
        "compensation_exposure",
        "events_summary",
        "data_completeness",
        "fleet_consumption",
        "deadline_exposure",
        "write_request",
    }
)


def installation_in(text: str) -> str | None:
    """An installation number (8 digits) named in an operator's question."""
    m = _INSTALLATION_RE.search(text)
    return m.group(1) if m else None


def one_customer_tool(text: str, intent: str, rule: str) -> str | None:
    """The customer tool for a question about one named installation ("o cliente 40010026 ... o prazo
    estourou?"), when the classifier (not a refusal rule) picked a fleet tool; else None."""
    if rule or intent not in _FLEET_TOOLS or installation_in(text) is None:
        return None
    s = normalize(text)
    return next((tool for tool, pattern in _ONE_CUSTOMER if re.search(pattern, s)), None)


_AT_RISK_RE = re.compile(
    r"\b(?:vai|vao|podem|pode|devem|deve) (?:estourar|passar|ultrapassar|violar|furar)\b|"
    r"\b(?:perto|proxim[oa]s?|a menos de .{1,20}) de (?:passar|estourar|ultrapassar|violar)\b|"
    r"\b(?:em risco de|com projecao de|tendencia de) (?:passar|estourar|ultrapassar|violar)\b"
)


def asks_at_risk(norm: str) -> bool:
    """ "quem vai estourar o DIC", "a menos de 1 hora de passar do limite": units projected to exceed."""
    return bool(_AT_RISK_RE.search(norm))


_SQL_READ_RE = re.compile(r"^\s*(?:select|with)\s", re.IGNORECASE)


def operator_route(text: str, route: Route) -> Route:
    """Operator rules over the classifier: a pasted SELECT runs as SQL; a question about one named
    installation goes to the customer tool that answers it. Refusal rules are never overridden."""
    if route.rule:
        return route
    if _SQL_READ_RE.match(text):
        return Route("sql_query", 1.0, rule="sql_select")
    norm = normalize(text)
    if route.intent != "storage_cost" and any(re.search(pat, norm) for _, pat in _PROVIDERS):
        return Route(
            "storage_cost", 1.0, rule="cloud_provider"
        )  # only the storage-cost estimate prices providers
    if route.intent in ("compensation_exposure", "quality_ranking") and asks_at_risk(normalize(text)):
        return Route("quality_ranking", 1.0, rule="at_risk")
    if route.intent == "compensation_exposure" and re.search(
        r"\banexo iv\b|\bprazos?\b|\bpedidos?\b|\batendimento\b", normalize(text)
    ):
        return Route("deadline_exposure", route.confidence, rule="deadline_words")
    if re.search(r"\bperdas? nao tecnica|\bsuspeit\w* de (?:fraude|furto|perda)|\bfurto de energia\b", norm):
        return Route("events_summary", 1.0, rule="non_technical_loss")  # tamper alarms followed by a drop in use
    if re.search(r"\bconsumo (?:zerado|zero)\b|\bzerad\w*\b.{0,20}\bconsumo\b|\bsem comunica\w*|\bnao comunica\w*", norm):
        return Route("data_completeness", 1.0, rule="silent_meters")  # meters silent or reading zero
    tool = one_customer_tool(text, route.intent, route.rule)
    return Route(tool, 1.0, rule="one_installation") if tool else route
