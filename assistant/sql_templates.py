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
from tools.domain.periods import resolve_period


def _bounds(text: str, today: dt.date, default: str) -> tuple[str, str]:
    p = resolve_period(extract_period(text, today) or default, today)
    return p.start.isoformat(), (p.end + dt.timedelta(days=1)).isoformat()


def match(text: str, today: dt.date) -> str | None:
    """A SELECT for the question, or None when no template fits (the copilot then says "não sei")."""
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
    if re.search(r"por municipio", s):
        return "SELECT municipality, count(*) AS instalacoes FROM installations GROUP BY municipality ORDER BY instalacoes DESC"
    if m and re.search(r"instalac|medidor|clientes", s):
        return (
            "SELECT installation_id, group_code, phases, tariff_modality, gd_kind, feeder_id, transformer_id "
            f"FROM installations WHERE transformer_id = '{_ident(m.group(2).upper())}' ORDER BY installation_id"
        )
    return None


def _ident(v: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "", v)
