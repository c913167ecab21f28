"""Offline copilot: parameterised SQL templates for frequent questions no verified tool covers.

With an LLM configured, the model may write the SELECT itself; either way the statement goes
through the guarded ``sql_query`` tool (single SELECT, allow-listed views, row limit) and is
shown with the answer. Identifiers taken from the text are restricted to ``[A-Za-z0-9_-]``.
"""

from __future__ import annotations

import datetime as dt
import re

from assistant.slots import extract_period
from assistant.text import normalize
from tools.api.calendar import resolve_period


def _bounds(text: str, today: dt.date, default: str) -> tuple[str, str]:
    p = resolve_period(extract_period(text, today) or default, today)
    return p.start.isoformat(), (p.end + dt.timedelta(days=1)).isoformat()


def match(text: str, today: dt.date) -> str | None:
    """A SELECT for the question, or None when no template fits (the copilot then says "não sei")."""
    if re.match(r"^\s*(?:select|with)\s", text, re.IGNORECASE):
        return text.strip().rstrip(";")  # a pasted SELECT: the guarded sql_query tool validates it
    s = normalize(text)
    m = re.search(r"\b(tr|trafo|transformador)[\s-]*([a-z]*-?\d{2,6})\b", s)
    if re.search(r"tensao media", s) and m:
        phase = (re.search(r"fase ([abc])\b", s) or re.search(r"(a)", "a")).group(1)  # type: ignore[union-attr]
        trafo = m.group(2).upper()
        trafo = trafo if trafo.startswith("TR") else f"TR-{trafo}"
        start, end = _bounds(text, today, "yesterday")
        return (
            f"SELECT i.transformer_id, count(*) AS leituras, round(avg(v.v_{phase}_dv) / 10.0, 1) AS tensao_media_v "
            f"FROM voltage_10min v JOIN installations i USING (installation_id) "
            f"WHERE i.transformer_id = '{_ident(trafo)}' AND v.ts >= DATE '{start}' AND v.ts < DATE '{end}' "
            f"AND v.v_{phase}_dv > 0 GROUP BY i.transformer_id"
        )
    days = re.search(r"zerad\w*.*?(\d{1,3})\s+dias", s)
    if days:
        n = int(days.group(1))
        start = (today - dt.timedelta(days=n)).isoformat()
        return (
            "SELECT installation_id, count(*) AS leituras_recebidas, sum(import_wh) AS energia_wh, max(ts) AS ultima_leitura "
            f"FROM load_profile WHERE ts >= DATE '{start}' AND ts < DATE '{today.isoformat()}' "
            "GROUP BY installation_id HAVING sum(import_wh) = 0 AND count(*) > 0 ORDER BY installation_id"
        )
    if re.search(r"injet\w* mais (do )?que consum", s):
        start, end = _bounds(text, today, "last_month")
        return (
            "SELECT count(*) AS instalacoes FROM (SELECT lp.installation_id, sum(export_wh) AS exp_wh, sum(import_wh) AS imp_wh "
            "FROM load_profile lp JOIN installations i USING (installation_id) WHERE i.gd_kind <> 'none' "
            f"AND lp.ts >= DATE '{start}' AND lp.ts < DATE '{end}' GROUP BY lp.installation_id) t WHERE exp_wh > imp_wh"
        )
    if m and re.search(r"tensao (?:minima|maxima)", s):
        return _voltage_extremes(s, text, today, m.group(2))
    if m and re.search(r"instalac|medidor|clientes", s) and not re.search(r"\bquant[oa]s\b", s):
        trafo = m.group(2).upper()
        trafo = trafo if trafo.startswith("TR") else f"TR-{trafo}"
        return (
            "SELECT installation_id, group_code, phases, tariff_modality, gd_kind, feeder_id, transformer_id "
            f"FROM installations WHERE transformer_id = '{_ident(trafo)}' ORDER BY installation_id"
        )
    return _installations_query(s)


_GROUP_COLUMNS = (
    (r"municipio|cidade", "municipality"),
    (r"alimentador", "feeder_id"),
    (r"transformador|trafo", "transformer_id"),
    (r"classe", "customer_class"),
    (r"modalidade|tarifa", "tariff_modality"),
    (r"fases?|tipo de ligacao", "phases"),
    (r"grupo", "group_code"),
    (r"area", "area"),
)


def _installations_query(s: str) -> str | None:
    """Counts or lists of installations by attribute ("quantos medidores trifásicos com GD por alimentador?")."""
    if not re.search(
        r"\b(?:quant[oa]s|liste|listar|lista|selecione|mostre|mostra|quais|contagem|conte|total de)\b", s
    ):
        return None
    if not re.search(r"\b(?:medidores|medidor|instalac\w*|clientes|unidades|ucs|consumidores)\b", s):
        return None
    where: list[str] = []
    phases = next((n for w, n in (("trifasic", 3), ("bifasic", 2), ("monofasic", 1)) if w in s), None)
    if phases:
        where.append(f"phases = {phases}")
    m = re.search(r"\bgrupo ([ab])\b", s)
    if m:
        where.append(f"group_code = '{m.group(1).upper()}'")
    if re.search(r"tarifa branca|\bna branca\b|modalidade branca", s):
        where.append("tariff_modality = 'branca'")
    elif re.search(r"\bconvencional\b", s):
        where.append("tariff_modality = 'convencional'")
    if re.search(r"\bcom (?:gd|geracao|placa|painel|energia solar)|\bgd\b|geracao distribuida|solar", s):
        where.append("gd_kind <> 'none'")
    if re.search(r"baixa renda|tarifa social", s):
        where.append("subclass = 'baixa_renda'")
    cls = re.search(
        r"\b(residenciais|residencial|comerciais|comercial|industriais|industrial|rurais|rural)\b", s
    )
    if cls:
        stem = {
            "residenciais": "residencial",
            "comerciais": "comercial",
            "industriais": "industrial",
            "rurais": "rural",
        }
        where.append(f"customer_class = '{stem.get(cls.group(1), cls.group(1))}'")
    m = re.search(r"\b(?:alimentador|al)[\s-]*(\d{1,4})\b", s)
    if m:
        where.append(f"feeder_id = 'AL-{int(m.group(1)):03d}'")
    m = re.search(r"\b(?:transformador|trafo|tr)[\s-]*(\d{1,4})\b", s)
    if m:
        where.append(f"transformer_id = 'TR-{int(m.group(1)):04d}'")
    group = None
    m = re.search(r"\bpor (\w+(?: de \w+)?)", s)
    if m:
        group = next((col for pat, col in _GROUP_COLUMNS if re.match(pat, m.group(1))), None)
    cond = f" WHERE {' AND '.join(where)}" if where else ""
    if group:
        return f"SELECT {group}, count(*) AS instalacoes FROM installations{cond} GROUP BY {group} ORDER BY instalacoes DESC"
    if re.search(r"\b(?:liste|listar|lista|selecione|mostre|mostra|quais)\b", s) and where:
        return (
            "SELECT installation_id, group_code, customer_class, phases, tariff_modality, gd_kind, feeder_id, "
            f"transformer_id FROM installations{cond} ORDER BY installation_id"
        )
    return f"SELECT count(*) AS instalacoes FROM installations{cond}"


def _ident(v: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "", v)


def _voltage_extremes(s: str, text: str, today: dt.date, trafo_raw: str) -> str:
    """Minimum and maximum voltage per phase of a transformer's meters, optionally between two hours."""
    trafo = trafo_raw.upper()
    trafo = trafo if trafo.startswith("TR") else f"TR-{trafo}"
    start, end = _bounds(text, today, "last_week")
    hours = re.search(r"\bentre (?:as )?(\d{1,2})\s*h?\w*\s+e\s+(?:as )?(\d{1,2})\s*h", s)
    hour_cond = ""
    if hours and int(hours.group(1)) < int(hours.group(2)) <= 24:
        hour_cond = f" AND hour(v.ts) >= {int(hours.group(1))} AND hour(v.ts) < {int(hours.group(2))}"
    cols = ", ".join(
        f'round(min(nullif(v.v_{p}_dv, 0)) / 10.0, 1) AS "tensão mínima fase {p.upper()} (V)", '
        f'round(max(nullif(v.v_{p}_dv, 0)) / 10.0, 1) AS "tensão máxima fase {p.upper()} (V)"'
        for p in "abc"
    )
    return (
        f'SELECT i.installation_id AS "unidade consumidora", count(*) AS "leituras", {cols} '
        "FROM voltage_10min v JOIN installations i USING (installation_id) "
        f"WHERE i.transformer_id = '{_ident(trafo)}' AND v.ts >= DATE '{start}' AND v.ts < DATE '{end}'{hour_cond} "
        'GROUP BY i.installation_id ORDER BY "tensão mínima fase A (V)" NULLS LAST'
    )
