"""Answer composition: the first sentence answers what was asked, per question type.

Size (over 600 lines): one small composer per customer tool, registered by decorator and
independent of the others; a package per tool would only add imports.

``compose(intent, results, text, slots, today)`` turns a turn's tool results into the reply
(answer, at most one caveat, then one next step), the "Como calculei" detail and chart data.
What the question asked (a threshold to compare with, a bill line, "o que é", a direction, a
count of tips) is read from the message by :func:`read_cues`; the figures come only from the
results (selected and formatted here, never computed) and the sentences from the catalogue
(``answer.*`` in ``messages/pt_BR/answers.toml``). A tool without a composer keeps its
catalogue template (:func:`assistant.render.render_one`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from assistant.i18n import (
    format_brl,
    format_date,
    format_kwh,
    format_month,
    format_number,
    format_pct,
    has,
    t,
)
from assistant.render import (
    charts_of,
    fit,
    fmt_value,
    issue_text,
    jsonable_value,
    render,
    render_one,
)
from assistant.render_detail import as_decimal, detail_text, step_value
from assistant.slots import KWH_PRICE, extract_appliance, extract_threshold, generation_asked
from assistant.text import normalize
from knowledge.sentences import rank_sentences, split_sentences
from tools.types import ToolResult

log = logging.getLogger(__name__)

# ------------------------------------------------------------------ what the question asks


@dataclass(frozen=True, slots=True)
class Cues:
    """What a message asks for, beyond its intent and slots."""

    norm: str = ""
    threshold: Decimal | None = None  # "vai passar de 250?", "gastei mais de 300 kwh?"
    threshold_kwh: bool = False  # the threshold is in kWh (else R$)
    below: bool = False  # "vai ficar abaixo de 180?"
    line: str | None = None  # a bill line: tusd, te, bandeira, cip, icms, pis_cofins, taxes, ...
    define: bool = False  # "o que é", "significa", "taxa de que"
    lines: bool = False  # "linha por linha", "item a item", "cada cobrança"
    why: bool = False  # "por que", "veio alta", "subiu", "absurdo"
    meter: bool = False  # "o relógio está girando rápido", "dobrou"
    days: bool = False  # "veio com mais dias"
    money: bool = False  # "em reais"
    similar: bool = False  # "mais que o vizinho", "normal para uma casa de 4"
    peak_day: bool = False  # "o dia que mais gastei"
    low_day: bool = False  # "o dia que menos gastei"
    ponta: bool = False  # "só no horário de ponta"
    limit: bool = False  # "passou do limite?"
    damage: bool = False  # "queimou o modem"
    yesterday: bool = False
    expired: bool = False  # "já perdi algum crédito?"
    expiry: bool = False  # "quando vencem?"
    generation: str | None = None  # "as placas tão gerando menos?": "less" or "more" (the direction asked)
    max_month: bool = False  # "em que mês mais injetei", "qual mês gastei mais"
    min_month: bool = False  # "qual mês gastei menos"
    which_days: bool = False  # "em quais dias isso aconteceu?"
    anomaly: bool = False  # "algum dia estranho"
    who: bool = False  # "quem decide"
    count: int | None = None  # "me dá 3 dicas"
    led: bool = False
    weekend: bool = False
    appliance: str | None = None  # an appliance named in the message
    switch: bool = False  # "posso voltar", "como faço pra mudar", "aderir"
    bill: bool = False  # the message also talks about the bill


_NUM_WORDS = {"duas": 2, "dois": 2, "tres": 3, "quatro": 4, "cinco": 5}
_DEFINE = re.compile(
    r"\b(o que (e|significa|quer dizer|seria|seriam|sao)|que e (isso|esse|essa)|significa|quer dizer|"
    r"taxa de que|cobranca de que|(e|sao) o que|o que vem a ser|pra que serve|para que serve|"
    r"tal de|por que (eu )?(pago|paguei|pagar|pagando|to pagando|estou pagando)|por que (veio|vem|tem|cobra\w*)|e da cpfl)\b"
)
# the unit asked about ("o que é kWh", "o que significa quilowatt-hora"), not a quantity ("300 kwh")
_KWH_TERM = re.compile(r"(?<!\d )\b(?:kwh|quilowatt[- ]?hora|kilowatt[- ]?hora)\b")
_LINES = (
    # "quanto custa o kWh?", "qual o preço do kWh da CPFL": the price of a kWh in the bill
    ("kwh_price", KWH_PRICE),
    ("scee", r"\bscee\b|energia compensada|compensad[ao]"),
    ("fio_b", r"\bfio b\b"),
    ("demand_overrun", r"ultrapassagem|demanda (?:maxima|contratada|medida)"),
    (
        "availability",
        r"disponibilidade|taxa minima|consumo minimo|\bzer(ar|ou|a)\b.*\b(placa|solar)|(placa|solar).*\bzer(ar|ou|a)\b",
    ),
    ("social", r"tarifa social|baixa renda"),
    ("gd_class", r"\bgd ?(1|2|3|i|ii|iii)\b"),
    ("tusd", r"\btusd\b"),
    ("te", r"\b(?:o que e|significa|essa|esse|da|a|linha|valor da)\s+te\b|\bte\b(?! \w+ (?:conta|luz))"),
    ("cip", r"\bcip\b|\bcosip\b|iluminacao publica"),
    ("pis_cofins", r"\bpis\b|\bcofins\b"),
    ("icms", r"\bicms\b"),
    ("taxes", r"\bimpostos?\b|\btributos?\b"),
    ("bandeira", r"\bbandeira"),
    ("late_fee", r"\bjuros\b|\bmulta\b"),
)


def read_cues(text: str) -> Cues:
    """Answer cues of a message (normalised: lowercase, no accents, WhatsApp spelling expanded)."""
    s = normalize(text)
    asked = extract_threshold(text)  # the one reader of "passa de 250?", also the dialogue's slot
    threshold = Decimal(str(asked["value"])) if asked else None
    kwh = asked is not None and asked["unit"] == "kWh"
    below = asked is not None and asked["direction"] == "below"
    line = next((key for key, pat in _LINES if re.search(pat, s)), None)
    define = bool(_DEFINE.search(s))
    if line is None and define and _KWH_TERM.search(s):
        line = "kwh"  # "o que é kWh?": the unit itself, the same definition on every path
    count = None
    mc = re.search(r"\b(\d|duas|dois|tres|quatro|cinco)\s+dicas?\b", s)
    if mc:
        g = mc.group(1)
        count = int(g) if g.isdigit() else _NUM_WORDS[g]
    return Cues(
        norm=s,
        threshold=threshold,
        threshold_kwh=kwh,
        below=below,
        line=line,
        define=define,
        lines=bool(
            re.search(
                r"linha (a|por) linha|item (a|por) item|cada (cobranca|item|linha|valor)|detalh|destrinch|"
                r"discrimin|todas as (linhas|cobrancas)|explica (a|minha) (conta|fatura)",
                s,
            )
        ),
        why=bool(
            re.search(
                r"\bpor que\b|\bporque\b|motivo|\bsubiu\b|aumentou|\bcaiu\b|baixou|diminuiu|absurdo|"
                r"(veio|vindo|esta|ta) (tao |muito |mais |bem )?(alta|cara|salgada|maior|menor)|dobrou|"
                r"o que aconteceu|explicacao|mais car[ao]|mais barat[ao]",
                s,
            )
        ),
        meter=bool(
            re.search(r"relogio|medidor (esta |ta )?(girando|rodando|marcando|errado)|dobrou|girando", s)
        ),
        days=bool(re.search(r"mais dias|menos dias|quantos dias|dias a mais|dias a menos", s)),
        money=bool(re.search(r"\breais\b|r\$|\bdinheiro\b|\bvalor\b|\bconto\b", s)),
        similar=bool(
            re.search(
                r"vizinh|casas? (parecid|semelhant|igual|como a minha|de \d+ pessoas)|\bnormal\b|media|"
                r"outras casas|pessoas",
                s,
            )
        ),
        peak_day=bool(re.search(r"dia (que|em que) (eu )?mais (gastei|consumi|gastou)|dia de maior", s)),
        low_day=bool(re.search(r"dia (que|em que) (eu )?menos (gastei|consumi|gastou)|dia de menor", s)),
        ponta=bool(
            re.search(r"horario de ponta|\bna ponta\b|so (no|na) (horario de )?ponta|horario de pico", s)
        ),
        limit=bool(re.search(r"limite|passou do|ultrapass", s)),
        damage=bool(re.search(r"queim|estrag|danific|pifou|perdi (o|a|meu|minha)", s)),
        yesterday=bool(re.search(r"\bontem\b", s)),
        expired=bool(re.search(r"perdi|perdeu|venceu|venceram|expirou|expiraram|validade", s)),
        expiry=bool(re.search(r"quando vence|vencem|vence algum|expira|a vencer|pra vencer|para vencer", s)),
        generation=generation_asked(s),
        max_month=bool(re.search(r"(que|qual) mes .*mais|mes (que|em que) (eu )?mais|\bmes (de )?maior", s)),
        min_month=bool(re.search(r"(que|qual) mes .*menos|mes (que|em que) (eu )?menos|\bmes (de )?menor", s)),
        which_days=bool(re.search(r"\b(?:quais|que|em que)\s+dias?\b|\bquando\b.{0,20}\b(?:aconteceu|passou|estourou)\b", s)),
        anomaly=bool(re.search(r"estranho|fora do (normal|comum)|anormal|incomum|diferente", s)),
        who=bool(re.search(r"\bquem (decide|define|escolhe)", s)),
        count=count,
        led=bool(re.search(r"\bled\b|lampada", s)),
        weekend=bool(re.search(r"fim de semana|sabado|domingo", s)),
        appliance=extract_appliance(text),
        switch=bool(
            re.search(
                r"\bvoltar\b|aderir|adesao|como (eu )?(faco|fazer) (para|pra) mudar|trocar de tarifa", s
            )
        ),
        bill=bool(re.search(r"\bconta\b|\bfatura\b", s)),
    )


# ------------------------------------------------------------------ composition


@dataclass
class Answer:
    """The parts of a reply: the answer sentences, at most one caveat, one next step."""

    lines: list[str]
    caveat: str | None = None
    next_step: str | None = None
    shown_issues: tuple[str, ...] = ()  # issue codes already said in the answer (not repeated as caveat)

    def text(self) -> str:
        """Sentences joined in order; "•" items each on their own line; caveat and next step apart."""
        chunks: list[str] = []
        for x in self.lines:
            if not x:
                continue
            if x.startswith("•") or not chunks or chunks[-1].startswith("•") or chunks[-1].endswith(":"):
                chunks.append(x)
            else:
                chunks[-1] += " " + x
        body = "\n".join(chunks)
        tail = [x for x in (self.caveat, self.next_step) if x]
        return "\n\n".join([body, *tail]) if tail else body


Composer = Callable[[ToolResult[Any], Cues, Mapping[str, Any]], Answer | None]
_COMPOSERS: dict[str, Composer] = {}


def composer(tool: str) -> Callable[[Composer], Composer]:
    def deco(fn: Composer) -> Composer:
        _COMPOSERS[tool] = fn
        return fn

    return deco


# Caveats that belong behind "Como calculei" (reference values, method notes), never in the reply.
BACKGROUND_ISSUES = frozenset(
    {
        "issue.billing.reference_values",
        "issue.billing.bandeira_assumed",
        "issue.billing.pis_cofins_default",
        "issue.billing.stand_in_tariff",
        "issue.billing.fio_b_reference",
        "issue.billing.gd3_approximated",
        "issue.billing.cip_not_included",
        "issue.billing.forecast_above_last_bill",
        "issue.gd.ledger_starts_with_data",
        "issue.tariffs.switch_rules",
        "issue.tariffs.flag_unknown",
        "continuity.issue.limits_reference",
        "continuity.issue.kei_unconfirmed",
        "quality.issue.indicative_only",
        "quality.issue.band_unconfirmed",
        "quality.issue.eusd_reference",
        "quality.issue.regularisation_deadline_unconfirmed",
        "consumption.issue.saving_at_average_price",
        "consumption.issue.cost_energy_only",
        "consumption.issue.comparison_low_coverage.same_period_last_year",
        "consumption.issue.comparison_no_data.same_period_last_year",
        "consumption.issue.breakdown_scaled",
        "consumption.issue.ac_no_cool_reference",
    }
)


def caveat_of(results: list[ToolResult[Any]], shown: tuple[str, ...] = ()) -> str | None:
    """The one caveat that changes how the answer reads (partial data, a cycle still running...)."""
    for r in results:
        for issue in r.issues:
            if (
                issue.severity == "warning"
                and issue.code not in BACKGROUND_ISSUES
                and issue.code not in shown
                and has(issue.code)
            ):
                return issue_text(issue.code, issue.data)
    return None


def compose(
    intent: str,
    results: list[ToolResult[Any]],
    text: str,
    slots: Mapping[str, Any],
    today: dt.date,
    audience: str = "customer",
) -> tuple[str, str, list[dict[str, Any]]]:
    """Reply (answer, one caveat, one next step), "Como calculei" detail and chart data.

    The operator copilot keeps its own reply layout (:func:`assistant.render.render`).
    """
    if audience != "customer":
        return render(intent, results, dict(slots), today, audience)
    cues = read_cues(text)
    carried = slots.get("threshold")
    if cues.threshold is None and isinstance(carried, Mapping) and carried.get("value") is not None:
        # "e de 200?" after "vai passar de 250?": the dialogue carried the question, with the new number
        cues = dataclasses.replace(
            cues,
            threshold=Decimal(str(carried["value"])),
            threshold_kwh=carried.get("unit") == "kWh",
            below=carried.get("direction") == "below",
        )
    answers: list[Answer] = []
    for r in results:
        if r.disqualified:
            issue = next(i for i in r.issues if i.severity == "disqualifying")
            answers.append(Answer([issue_text(issue.code, issue.data)]))
            continue
        fn = _COMPOSERS.get(r.tool)
        try:
            ans = fn(r, cues, slots) if fn else None
        except (KeyError, IndexError, TypeError, ValueError, ArithmeticError):  # a shape not foreseen
            log.warning("answers.compose_failed", extra={"tool": r.tool}, exc_info=True)
            ans = None
        if ans is None:
            ans = Answer([render_one(r.tool, r, dict(slots))])
        answers.append(ans)
    if not answers:
        return "", "", []
    first = answers[0]
    shown = tuple(c for a in answers for c in a.shown_issues)
    caveat = first.caveat or caveat_of(results, shown)
    if len(answers) == 1:
        reply = Answer(first.lines, caveat, first.next_step).text()
    else:  # several periods: each period's answer, then one caveat and one next step
        body = "\n\n".join(Answer(a.lines).text() for a in answers if a.lines)
        reply = "\n\n".join(x for x in (body, caveat, first.next_step) if x)
    detail = detail_text(results)
    charts = [c for r in results for c in charts_of(intent, r)]
    return fit(reply), detail, charts


# ------------------------------------------------------------------ helpers


def _v(result: ToolResult[Any]) -> dict[str, Any]:
    raw = jsonable_value(result)
    return raw if isinstance(raw, dict) else {}


def brl(x: Any) -> str:
    d = as_decimal(x)
    return format_brl(d) if d is not None else ""


def brl_abs(x: Any) -> str:
    d = as_decimal(x)
    return format_brl(abs(d)) if d is not None else ""


def signed_brl(x: Any) -> str:
    """ "R$ 13,90 a menos" / "R$ 6,87 a mais" (never "-R$ 13,90")."""
    d = as_decimal(x) or Decimal(0)
    return f"{format_brl(abs(d))} {t('answer.word.less') if d < 0 else t('answer.word.more')}"


def money(x: Any) -> str:
    """R$ for an amount that may be a credit: "R$ 10,00 a menos" rather than "-R$ 10,00"."""
    d = as_decimal(x)
    if d is None:
        return ""
    return signed_brl(d) if d < 0 else format_brl(d)


def _join_and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {t('answer.word.and')} " + items[-1]


def kwh(x: Any, decimals: int = 1) -> str:
    d = as_decimal(x)
    return format_kwh(d, decimals) if d is not None else ""


def pct(x: Any) -> str:
    """A fraction as a percentage without sign ("50%", "13,4%")."""
    d = as_decimal(x)
    if d is None:
        return ""
    d = abs(d)
    return format_pct(d, 0 if (d * 100) == (d * 100).to_integral_value() else 1)


def day(x: Any) -> str:
    return format_date(str(x)) if x else ""


def month(x: Any) -> str:
    if isinstance(x, str) and re.fullmatch(r"\d{4}-\d{2}", x):
        return format_month(x)
    return str(x or "")


def days_word(n: Any) -> str:
    return t("answer.count.day", count=int(n)) if n is not None else ""


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return "; ".join(items[:-1]) + "; " + items[-1]


def _line_amount(v: Mapping[str, Any], key: str) -> Decimal | None:
    found = [
        as_decimal(ln.get("amount_rs"))
        for ln in v.get("lines") or []
        if isinstance(ln, dict) and ln.get("key") == f"billing.component.{key}"
    ]
    vals = [x for x in found if x is not None]
    if not vals:
        return None
    return vals[0] if len(vals) == 1 else None


def _line_amounts(v: Mapping[str, Any], key: str) -> list[Decimal]:
    return [
        d
        for ln in v.get("lines") or []
        if isinstance(ln, dict) and ln.get("key") == f"billing.component.{key}"
        for d in [as_decimal(ln.get("amount_rs"))]
        if d is not None
    ]


def _trail_output(result: ToolResult[Any], key: str) -> Any:
    return next((s.output for s in result.trail if s.key == key and s.output is not None), None)


# ------------------------------------------------------------------ explain_bill


_DRIVER_MIN = Decimal("0.005")


def _driver_text(d: Mapping[str, Any]) -> str | None:
    key = str(d.get("key", "")).rsplit(".", 1)[-1]
    delta = as_decimal(d.get("delta_rs"))
    if delta is None or abs(delta) < _DRIVER_MIN:
        return None
    sd = signed_brl(delta)
    prev, cur = d.get("previous"), d.get("current")
    if key == "days":
        more = (as_decimal(cur) or 0) > (as_decimal(prev) or 0)
        return t(
            "answer.bill.driver.days_more" if more else "answer.bill.driver.days_less",
            current=days_word(cur),
            previous=prev,
            delta=sd,
        )
    if key == "consumption":
        kind = "consumption_more" if (as_decimal(cur) or 0) > (as_decimal(prev) or 0) else "consumption_less"
        return t(f"answer.bill.driver.{kind}", current=kwh(cur), previous=kwh(prev), delta=sd)
    if key == "icms":
        return t("answer.bill.driver.icms", previous=pct(prev), current=pct(cur), delta=sd)
    if has(f"answer.bill.driver.{key}"):
        return t(f"answer.bill.driver.{key}", delta=sd)
    return None


def _drivers(v: Mapping[str, Any], top: int = 3) -> str | None:
    drivers = [d for d in v.get("drivers") or [] if isinstance(d, dict)]
    drivers.sort(key=lambda d: -abs(as_decimal(d.get("delta_rs")) or Decimal(0)))
    texts = [x for x in (_driver_text(d) for d in drivers[:top]) if x]
    return t("answer.bill.drivers", items=_join(texts)) if texts else None


def _bill_fields(v: Mapping[str, Any]) -> dict[str, str]:
    return {
        "month": month(v.get("bill_month")),
        "total": brl(v.get("total_rs")),
        "kwh": kwh(v.get("consumption_kwh")),
        "start": day(v.get("start")),
        "end": day(v.get("end")),
        "days": days_word(v.get("days")),
        "previous_month": month(v.get("previous_bill_month")),
        "previous_total": brl(v.get("previous_total_rs")),
        "change": brl_abs(v.get("change_rs")),
    }


def _why(v: Mapping[str, Any], f: Mapping[str, str]) -> list[str]:
    change = as_decimal(v.get("change_rs"))
    if change is None:
        return [t("answer.bill.no_previous", **f)]
    kind = "why_up" if change > 0 else ("why_down" if change < 0 else "why_same")
    out = [t(f"answer.bill.{kind}", **f)]
    drivers = _drivers(v)
    if drivers and change != 0:
        out.append(drivers)
    return out


def _bill_lines(v: Mapping[str, Any], f: Mapping[str, str]) -> list[str]:
    out = [t("answer.bill.lines_head", **f)]
    for ln in v.get("lines") or []:
        key = str(ln.get("key", ""))
        label = t(key) if has(key) else None
        if not label:
            continue
        posto = ln.get("posto")
        if posto and posto != "total" and has(f"billing.posto.{posto}"):
            label = f"{label}, {t(f'billing.posto.{posto}')}"
        qty, unit = as_decimal(ln.get("quantity")), str(ln.get("unit") or "")
        amount = money(ln.get("amount_rs"))
        if qty is not None and unit.lower() == "kwh" and qty > 0:
            out.append(t("answer.bill.line_qty", label=label, quantity=kwh(qty), amount=amount))
        else:
            out.append(t("answer.bill.line", label=label, amount=amount))
    if v.get("icms_rs") is not None:
        out.append(
            t(
                "answer.bill.taxes_inside",
                icms=brl(v.get("icms_rs")),
                icms_rate=pct(v.get("icms_rate")),
                pis=brl(v.get("pis_rs")),
                cofins=brl(v.get("cofins_rs")),
            )
        )
    return out


def _bill_line(result: ToolResult[Any], v: Mapping[str, Any], f: Mapping[str, str], line: str) -> list[str]:
    out = [t(f"answer.define.{line}")] if has(f"answer.define.{line}") else []
    if line == "demand_overrun" and _line_amounts(v, "demand_overrun"):
        demand = next(
            (ln for ln in v.get("lines") or [] if ln.get("key") == "billing.component.demand"), None
        )
        over = next(ln for ln in v.get("lines") or [] if ln.get("key") == "billing.component.demand_overrun")
        out.append(
            t(
                "answer.bill.demand_value",
                demand=fmt_value(as_decimal(demand.get("quantity")), "kW") if demand else "",
                overrun=fmt_value(as_decimal(over.get("quantity")), "kW"),
                amount=brl(over.get("amount_rs")),
                **f,
            )
        )
    elif line in ("tusd", "te", "scee", "demand_overrun"):
        keys = {"scee": ("scee_tusd", "scee_te"), "demand_overrun": ("demand_overrun",)}.get(line, (line,))
        amounts = [a for k in keys for a in _line_amounts(v, k)]
        if amounts:
            out.append(t("answer.bill.line_value", amount=_join_and([money(a) for a in amounts]), **f))
        else:
            out.append(t("answer.bill.line_absent", **f))
    elif line == "kwh_price":
        energy = {str(ln.get("key")): ln for ln in v.get("lines") or [] if ln.get("posto") == "total"}
        tusd, te = energy.get("billing.component.tusd"), energy.get("billing.component.te")
        if tusd and te and (as_decimal(tusd.get("rate_rs")) or 0) > 0:
            out.append(
                t(
                    "answer.bill.kwh_price",
                    tusd=money(tusd.get("rate_rs")),
                    te=money(te.get("rate_rs")),
                    **f,
                )
            )
        else:  # by time of day (Tarifa Branca, Group A): each posto has its own price
            out.append(t("answer.bill.kwh_price_postos", **f))
    elif line == "late_fee":  # the computed bill has no late fees: they come from paying the previous one late
        out.append(t("answer.bill.late_fee", **f))
    elif line == "kwh":
        out.append(t("answer.bill.kwh_value", **f))
    elif line == "icms":
        out.append(
            t("answer.bill.icms_value", rate=pct(v.get("icms_rate")), amount=brl(v.get("icms_rs")), **f)
        )
    elif line == "pis_cofins":
        out.append(
            t("answer.bill.pis_cofins_value", pis=brl(v.get("pis_rs")), cofins=brl(v.get("cofins_rs")), **f)
        )
    elif line == "taxes":
        out = [
            t(
                "answer.bill.taxes_value",
                taxes=brl(_trail_output(result, "billing.step.taxes")),
                icms=brl(v.get("icms_rs")),
                pis=brl(v.get("pis_rs")),
                cofins=brl(v.get("cofins_rs")),
                **f,
            ),
            t("answer.define.icms"),
        ]
    elif line == "cip":
        cip = as_decimal(v.get("cip_rs"))
        out.append(t("answer.bill.cip_value", amount=brl(cip), **f) if cip else t("answer.bill.cip_not_in"))
    elif line == "bandeira":
        amount = _line_amount(v, "bandeira")
        if _line_amounts(v, "social_discount"):
            out.append(t("answer.define.social"))
        out.append(
            t("answer.bill.line_value", amount=brl(amount), **f)
            if amount
            else t("answer.bill.bandeira_none", **f)
        )
    elif line == "availability":
        amount = _line_amount(v, "availability")
        min_kwh = _trail_output(result, "billing.step.availability_kwh")
        if amount:
            out.append(t("answer.bill.line_value", amount=brl(amount), **f))
        elif min_kwh is not None:
            out.append(t("answer.bill.availability_met", min_kwh=kwh(min_kwh, 0), **f))
    elif line == "social":
        amounts = _line_amounts(v, "social_discount")
        out.append(
            t("answer.bill.social_value", amount=brl_abs(amounts[0]), **f)
            if amounts
            else t("answer.bill.line_absent", **f)
        )
    elif line == "fio_b":
        step = next((s for s in result.trail if s.key == "billing.step.fio_b"), None)
        if step is not None and step.output is not None:
            out.append(
                t(
                    "answer.bill.fio_b_value",
                    rate=step_value(step.output, step.unit),
                    share=pct(step.inputs.get("share")),
                    year=step.inputs.get("year", ""),
                    **f,
                )
            )
    return out


@composer("explain_bill")
def _explain_bill(result: ToolResult[Any], cues: Cues, slots: Mapping[str, Any]) -> Answer | None:
    v = _v(result)
    if v.get("total_rs") is None:
        return None
    f = _bill_fields(v)
    change = as_decimal(v.get("change_rs"))
    nxt = t("answer.next.explain_bill")
    if cues.meter:
        nxt = t("answer.next.meter_check")
    elif change is not None and change > 0:
        nxt = t("answer.next.explain_bill_up")
    if cues.lines:
        return Answer(_bill_lines(v, f), next_step=nxt)
    peaks = [p for p in v.get("demand_peaks") or [] if isinstance(p, dict)]
    if cues.which_days and not cues.days and (peaks or _line_amounts(v, "demand_overrun")):
        # "em quais dias isso aconteceu?" after an ultrapassagem: the days the demand passed the contract
        items = _join_and([t("answer.bill.demand_day", day=day(p.get("day"))[:5], kw=fmt_value(as_decimal(p.get("kw")), "kW"))
                       for p in sorted(peaks, key=lambda p: str(p.get("day")))[:8]])
        key = "answer.bill.demand_days" if peaks else "answer.bill.demand_days_none"
        return Answer([t(key, count=t("answer.count.day", count=len(peaks)), items=items, **f)], next_step=nxt)
    total = as_decimal(v.get("total_rs"))
    if cues.threshold is not None and not cues.threshold_kwh and total is not None:
        # "minha conta passou de 250 reais?": yes or no first, with the bill's total
        over = total > cues.threshold
        kind = ("below_no" if over else "below_yes") if cues.below else ("above_yes" if over else "above_no")
        return Answer([t(f"answer.bill.{kind}", threshold=brl(cues.threshold), **f), *_change_line(change, f)], next_step=nxt)
    if cues.days:
        prev_days = next(
            (d.get("previous") for d in v.get("drivers") or [] if str(d.get("key", "")).endswith(".days")),
            None,
        )
        first = (
            t("answer.bill.days_value", previous_days=days_word(prev_days), **f)
            if prev_days is not None
            else t("answer.bill.days_value_alone", **f)
        )
        return Answer([first, t("answer.define.cycle")], next_step=nxt)
    if cues.appliance and cues.appliance not in ("solar_export",):
        nxt = t("answer.next.appliance_named", name=_app_name(cues.appliance))
    extra = [t("answer.tips.led")] if cues.led else []
    if re.search(r"\bvenc\w*", cues.norm):
        extra.append(t("answer.bill.due_date"))
    if cues.line:
        if not cues.meter and not cues.appliance:
            nxt = t("answer.next.explain_bill")
        out = _bill_line(result, v, f, cues.line)
        if cues.why and change and cues.line != "kwh":
            out.append(t("answer.bill.change_up" if change > 0 else "answer.bill.change_down", **f))
        return Answer(out + extra, next_step=nxt)
    if cues.why or cues.meter:
        return Answer(_why(v, f) + extra, next_step=nxt)
    return Answer([t("answer.bill.total", **f), *_change_line(change, f)] + extra, next_step=nxt)


def _change_line(change: Decimal | None, f: Mapping[str, str]) -> list[str]:
    """The bill's change from the previous one, in words (nothing when there is no previous bill)."""
    if change is None:
        return []
    kind = "change_up" if change > 0 else ("change_down" if change < 0 else "change_same")
    return [t(f"answer.bill.{kind}", **f)]


# ------------------------------------------------------------------ forecast_bill


@composer("forecast_bill")
def _forecast(result: ToolResult[Any], cues: Cues, slots: Mapping[str, Any]) -> Answer | None:
    v = _v(result)
    total, low, high = as_decimal(v.get("total_rs")), as_decimal(v.get("low_rs")), as_decimal(v.get("high_rs"))
    if total is None:
        return None
    f = {
        "month": month(v.get("bill_month")),
        "total": brl(total),
        "low": brl(low),
        "high": brl(high),
        "kwh": kwh(v.get("kwh_projected")),
        "elapsed": days_word(v.get("days_elapsed")),
        "days_total": days_word(v.get("days_total")),
        "kwh_to_date": kwh(v.get("kwh_to_date")),
    }
    out: list[str] = []
    if cues.threshold is not None and not cues.threshold_kwh and low is not None and high is not None:
        th = cues.threshold
        f["threshold"] = format_brl(th)
        # a range across the threshold still answers yes or no, by the side of the point forecast
        lean = "yes" if (total is not None and total > th) != cues.below else "no"
        if cues.below:
            kind = "below_yes" if high < th else ("below_no" if low >= th else f"below_maybe_{lean}")
        else:
            kind = "above_yes" if low > th else ("above_no" if high <= th else f"above_maybe_{lean}")
        out.append(t(f"answer.forecast.{kind}", **f))
    elif low is not None and high is not None:
        out.append(t("answer.forecast.base", **f))
    else:
        out.append(t("answer.forecast.no_range", **f))
    last = as_decimal(v.get("last_bill_total_rs"))
    if last is not None and cues.threshold is None:
        diff = next(
            (
                i.data.get("difference_rs")
                for i in result.issues
                if i.code == "issue.billing.forecast_above_last_bill"
            ),
            None,
        )
        if diff is not None:
            out.append(t("answer.forecast.vs_last_up", difference=brl(diff), last_total=brl(last)))
    return Answer(out, next_step=t("answer.next.forecast_bill"))


# ------------------------------------------------------------------ consumption_summary


def _period_words(p: Mapping[str, Any]) -> tuple[str, bool]:
    """("outubro/2026", True) for a whole month label, else ("de 01/10/2026 a 15/10/2026", False)."""
    label = str(p.get("label") or "")
    if re.fullmatch(r"\d{4}-\d{2}", label):
        return format_month(label), True
    if p.get("start") == p.get("end"):
        return day(p.get("start")), False
    return f"{day(p.get('start'))} a {day(p.get('end'))}", False


@composer("consumption_summary")
def _consumption(result: ToolResult[Any], cues: Cues, slots: Mapping[str, Any]) -> Answer | None:
    v = _v(result)
    p = v.get("period") or {}
    if v.get("total_kwh") is None or not p:
        return None
    if v.get("vs_requested_pct") is not None:
        return None  # two periods compared: the catalogue's "compared" variant
    words, whole_month = _period_words(p)
    single_day = p.get("start") == p.get("end")
    f = {
        "month": words,
        "start": day(p.get("start")),
        "end": day(p.get("end")),
        "day": day(p.get("start")),
        "kwh": kwh(v.get("total_kwh")),
        "per_day": kwh(v.get("kwh_per_day")),
        "cost": brl(v.get("estimated_cost_brl")),
        "period": words if (whole_month or single_day) else f"{day(p.get('start'))} a {day(p.get('end'))}",
    }
    last_n = re.fullmatch(r"last_(\d+)_days", str(p.get("label") or ""))
    if last_n:  # "últimos 30 dias": echo the span the person asked for, then its dates
        f["span"] = t("answer.consumption.span_last_days", n=last_n.group(1), start=f["start"], end=f["end"])
        f["period_in"] = f["span"][0].lower() + f["span"][1:]
    else:
        f["span"] = t("answer.consumption.span_range", start=f["start"], end=f["end"])
        f["period_in"] = t("answer.consumption.period_in", period=f["period"])
    out: list[str] = []
    no_cost = "_kwh" if not f["cost"] else ""
    if cues.threshold is not None and cues.threshold_kwh:
        total = as_decimal(v.get("total_kwh")) or Decimal(0)
        f["threshold"] = format_kwh(cues.threshold, 0)
        if cues.below:
            kind = "below_yes" if total < cues.threshold else "below_no"
        else:
            kind = "above_yes" if total > cues.threshold else "above_no"
        out.append(t(f"answer.consumption.{kind}", **f))
    elif cues.peak_day and v.get("peak_day"):
        pk = v["peak_day"]
        out.append(t("answer.consumption.peak_day", day=day(pk.get("day")), kwh=kwh(pk.get("kwh"))))
    elif (cues.max_month or cues.min_month) and v.get("peak_month"):
        kind = "low_month" if cues.min_month and not cues.max_month else "peak_month"
        m = v.get("low_month" if kind == "low_month" else "peak_month") or {}
        out.append(t(f"answer.consumption.{kind}", month=month(str(m.get("month") or "")[:7]), kwh=kwh(m.get("kwh"))))
    elif cues.low_day and v.get("daily"):
        daily = [d for d in v["daily"] if as_decimal(d.get("kwh")) is not None and (d.get("coverage") or 0) >= 0.9]
        if daily:
            low = min(daily, key=lambda d: as_decimal(d.get("kwh")) or Decimal(0))
            out.append(t("answer.consumption.low_day", day=day(low.get("day")), kwh=kwh(low.get("kwh"))))
    elif cues.ponta and v.get("by_posto"):
        ponta = next((b for b in v["by_posto"] if b.get("posto") == "ponta"), None)
        if ponta:
            out.append(
                t(
                    "answer.consumption.ponta",
                    kwh=kwh(ponta.get("kwh")),
                    share=pct(ponta.get("share")),
                    total=kwh(v.get("total_kwh")),
                )
            )
    similar = v.get("similar_homes") or {}
    if cues.similar and similar.get("change_pct") is not None and not out:
        ch = as_decimal(similar.get("change_pct")) or Decimal(0)
        kind = "similar_above" if ch > 0 else "similar_below"
        out.append(
            t(
                f"answer.consumption.{kind}",
                pct=pct(ch),
                this=kwh(similar.get("this_kwh_day")),
                median=kwh(similar.get("median_kwh_day")),
            )
        )
    if not out:
        if cues.money and v.get("estimated_cost_brl") is not None:
            out.append(
                t(
                    "answer.consumption.money_month"
                    if whole_month or single_day
                    else "answer.consumption.money_range",
                    **f,
                )
            )
        elif single_day:
            out.append(t("answer.consumption.day" + no_cost, **f))
        elif whole_month:
            out.append(t("answer.consumption.month" + no_cost, **f))
        else:
            out.append(t("answer.consumption.range" + no_cost, **f))
    elif cues.threshold is None or not cues.threshold_kwh:  # the asked detail first, then the total
        if single_day:
            out.append(t("answer.consumption.day" + no_cost, **f))
        else:
            key = "answer.consumption.month" if whole_month else "answer.consumption.range"
            out.append(t(key + no_cost, **f))
    prev = as_decimal(v.get("vs_previous_pct"))
    if prev is not None and not cues.similar and abs(prev) >= Decimal("0.001"):
        out.append(
            t(
                "answer.consumption.vs_previous_up" if prev > 0 else "answer.consumption.vs_previous_down",
                pct=pct(prev),
            )
        )
    elif cues.similar and similar.get("change_pct") is not None and len(out) > 1:
        pass
    if re.search(r"\bvenc\w*", cues.norm):
        out.append(t("answer.bill.due_date"))
    return Answer(out, next_step=t("answer.next.consumption_summary"))


# ------------------------------------------------------------------ continuity_indicators


def _hhmm(ts: str) -> str:
    d = dt.datetime.fromisoformat(ts)
    return f"{d.hour}h{d.minute:02d}"


def _duration(minutes: Any) -> str:
    m = as_decimal(minutes)
    if m is None:
        return ""
    total = int(m.to_integral_value())
    if total < 60:
        return f"{total} min"
    h, mm = divmod(total, 60)
    return f"{h} h {mm:02d} min" if mm else f"{h} h"


def _interruption(i: Mapping[str, Any]) -> str:
    start = str(i.get("start"))
    if not i.get("end"):
        return t("answer.continuity.item_open", day=day(start), start=_hhmm(start))
    return t(
        "answer.continuity.item",
        day=day(start)[:5],
        start=_hhmm(start),
        end=_hhmm(str(i["end"])),
        duration=_duration(i.get("minutes")),
    )


def _hours(x: Any) -> str:
    return fmt_value(x, "h")


#: "qual o limite de DIC da minha casa?", "quanto tempo sem luz dá direito a compensação?"
_LIMITS_ASKED = re.compile(
    r"\bqual (?:e )?(?:o |os )?limites?\b|\bquanto tempo\b.{0,40}\bdireito\b|\bquantas horas\b.{0,40}\bdireito\b|"
    r"\bdireito a (?:desconto|compensa\w*)\b.{0,30}\b(?:quanto tempo|quantas horas|depois de quanto)\b"
)


@composer("continuity_indicators")
def _continuity(result: ToolResult[Any], cues: Cues, slots: Mapping[str, Any]) -> Answer | None:
    v = _v(result)
    months = [m for m in v.get("months") or [] if isinstance(m, dict)]
    if not months:
        return None
    limits = v.get("limits") or {}
    intr = [i for i in v.get("interruptions") or [] if isinstance(i, dict)]
    counted = [i for i in intr if i.get("counted") or i.get("reason") == "critical_day"]
    short = [i for i in intr if i.get("reason") == "short"]
    last = months[-1]
    # the month the question is about: the one with a violation when asked about limits, else the last
    target = next((m for m in reversed(months) if m.get("violated")), last) if cues.limit else last
    f = {
        "month": month(target.get("month")),
        "dic": _hours(target.get("dic_h")),
        "dmic": _hours(target.get("dmic_h")),
        "dic_lim": _hours(limits.get("dic_h")),
        "dmic_lim": _hours(limits.get("dmic_h")),
        "fic_lim": fmt_value(as_decimal(limits.get("fic")), "count"),
        "amount": brl(target.get("compensation_rs")),
        "deadline": day(target.get("payment_deadline")),
    }
    out: list[str] = []
    prov = result.provenance
    period = prov.period if prov else None
    if cues.yesterday and period is not None:
        yday = (prov.today or dt.date.today()) - dt.timedelta(days=1)
        hits = [i for i in counted if str(i.get("start", ""))[:10] == yday.isoformat()]
        if hits:
            i = hits[-1]
            out.append(
                t(
                    "answer.continuity.yesterday",
                    day=format_date(yday),
                    start=_hhmm(str(i["start"])),
                    end=_hhmm(str(i["end"])) if i.get("end") else "?",
                    duration=_duration(i.get("minutes")),
                )
                if i.get("end")
                else _interruption(i)
            )
        else:
            out.append(t("answer.continuity.yesterday_none", day=format_date(yday)))
    violated = bool(target.get("violated"))
    nxt = t("answer.next.damage") if cues.damage else t("answer.next.continuity_indicators")
    if _LIMITS_ASKED.search(cues.norm):  # the limits first
        out.insert(0, t("answer.continuity.limits", **f))
    lo, hi = str(v.get("asked_start") or ""), str(v.get("asked_end") or "")
    if lo and hi and not cues.limit and not cues.yesterday and (lo[:7] != hi[:7] or (lo != hi and lo[8:] != "01")):
        # "semana passada", "esse ano": what happened in the days asked, then the months' limits
        span = {"start": day(lo), "end": day(hi)}
        n = int(v.get("asked_count") or 0)
        if n and counted:
            longest = max(counted, key=lambda i: as_decimal(i.get("minutes")) or 0)
            out.append(
                t(
                    "answer.continuity.span_interruptions",
                    **span,
                    count=t("answer.count.interruption", count=n),
                    hours=_hours(v.get("asked_hours")),
                    longest=_interruption(longest),
                )
            )
        else:
            out.append(t("answer.continuity.span_none", **span))
            if short:
                out.append(t("answer.continuity.span_short"))
        over = [m for m in months if m.get("violated") and (as_decimal(m.get("compensation_rs")) or 0) > 0]
        if over:
            out.append(
                t(
                    "answer.continuity.span_above",
                    months=_join([month(m.get("month")) for m in over]),
                    amount=brl(v.get("total_compensation_rs")),
                )
            )
        else:
            out.append(t("answer.continuity.span_within"))
        return Answer(out, next_step=nxt)
    if cues.limit:
        out.append(t("answer.continuity.limit_yes" if violated else "answer.continuity.limit_no", **f))
        if violated and (as_decimal(target.get("compensation_rs")) or 0) > 0:
            out.append(t("answer.continuity.compensation_yes", **f))
    else:
        in_month = [i for i in counted if str(i.get("start", ""))[:7] == str(target.get("month"))]
        if not cues.yesterday or not out:
            if in_month:
                out.append(
                    t(
                        "answer.continuity.interruptions",
                        month=f["month"],
                        count=t("answer.count.interruption", count=len(in_month)),
                        items=_join([_interruption(i) for i in in_month[:4]]),
                    )
                )
            else:
                out.append(t("answer.continuity.none", month=f["month"]))
        if violated and (as_decimal(target.get("compensation_rs")) or 0) > 0:
            out.append(t("answer.continuity.above", **f))
        elif in_month or cues.yesterday:
            out.append(t("answer.continuity.within", **f))
        else:
            out.append(t("answer.continuity.within_none", **f))
    if short and re.search(r"pisc|rapid|segundo", cues.norm):
        out.append(t("answer.continuity.short", month=f["month"], count=len(short)))
    return Answer(out, next_step=nxt)


# ------------------------------------------------------------------ contracted_demand

_DEMAND_FACTS = re.compile(r"\b(?:qual|quais|quanto|quantos)\b.{0,25}\bdemanda\b.{0,25}\b(?:maxima|medida|maior|pico|contratada)\b|"
                           r"\bdemanda (?:maxima|medida|maior)\b")


@composer("contracted_demand")
def _demand(result: ToolResult[Any], cues: Cues, slots: Mapping[str, Any]) -> Answer | None:
    """ "qual foi a demanda máxima e a contratada?": the two figures first, then the advice."""
    v = _v(result)
    if not _DEMAND_FACTS.search(cues.norm) or v.get("max_measured_kw") is None:
        return None
    def kw(x: Any) -> str:  # "150 kW", "174,9 kW"
        d = as_decimal(x) or Decimal(0)
        return f"{format_number(d, 0 if d == d.to_integral_value() else 1)} kW"

    f = {
        "first": month(v.get("first_month")),
        "last": month(v.get("last_month")),
        "max_kw": kw(v.get("max_measured_kw")),
        "contracted_kw": kw(v.get("contracted_kw")),
    }
    key = "answer.demand.facts" if v.get("contracted_kw") is not None else "answer.demand.facts_no_contract"
    return Answer([t(key, **f), render_one(result.tool, result, dict(slots))])


# ------------------------------------------------------------------ compare_tariffs


@composer("compare_tariffs")
def _tariffs(result: ToolResult[Any], cues: Cues, slots: Mapping[str, Any]) -> Answer | None:
    v = _v(result)
    conv = (v.get("convencional") or {}).get("total_rs")
    branca = (v.get("branca") or {}).get("total_rs")
    savings = as_decimal(v.get("savings_branca_rs"))
    if conv is None or branca is None or savings is None:
        return None
    f = {
        "cycles": str(v.get("cycles")),
        "convencional": brl(conv),
        "branca": brl(branca),
        "savings": brl_abs(savings),
        "breakeven": pct(v.get("breakeven_ponta_share")),
        "share": pct((v.get("share_by_posto") or {}).get("ponta")),
    }
    out: list[str] = []
    shifted = v.get("branca_shifted") or {}
    shifted_savings = as_decimal(v.get("savings_branca_shifted_rs"))
    if shifted.get("total_rs") is not None and shifted_savings is not None:
        f.update(
            pct=pct(v.get("shift_pct")),
            branca_shifted=brl(shifted.get("total_rs")),
            savings=brl_abs(shifted_savings),
        )
        out.append(
            t("answer.tariffs.shift_better" if shifted_savings > 0 else "answer.tariffs.shift_worse", **f)
        )
        out.append(t("answer.tariffs.shift_baseline", **f))
    elif v.get("current_modality") == "branca":
        out.append(t("answer.tariffs.on_branca_good" if savings > 0 else "answer.tariffs.on_branca_bad", **f))
    else:
        out.append(
            t("answer.tariffs.branca_better" if savings > 0 else "answer.tariffs.convencional_better", **f)
        )
        if v.get("breakeven_ponta_share") is not None:
            out.append(t("answer.tariffs.breakeven", **f))
    if cues.weekend:
        out.append(t("answer.tariffs.weekend"))
    rules = next((i for i in result.issues if i.code == "issue.tariffs.switch_rules"), None)
    if cues.appliance in ("shower", "air_conditioning", "refrigeration", "standby"):
        out.append(t("answer.tariffs.appliance_pointer", name=_app_name(cues.appliance)))
    if rules is not None and (savings > 0 or (shifted_savings or 0) > 0 or cues.switch):
        nxt = t("answer.next.compare_tariffs", adhesion_days=rules.data.get("adhesion_days"))
    else:
        nxt = t("answer.next.compare_tariffs_plain")
    return Answer(out, next_step=nxt)


# ------------------------------------------------------------------ appliance_breakdown


def _app_name(key: str) -> str:
    return t(f"answer.appliance.name.{key}") if has(f"answer.appliance.name.{key}") else key


@composer("appliance_breakdown")
def _appliances(result: ToolResult[Any], cues: Cues, slots: Mapping[str, Any]) -> Answer | None:
    v = _v(result)
    items = [i for i in v.get("items") or [] if isinstance(i, dict) and i.get("appliance")]
    p = v.get("period") or {}
    if not items or not p:
        return None
    base = {"start": day(p.get("start")), "end": day(p.get("end")), "total": kwh(v.get("total_kwh"))}

    def fields(i: Mapping[str, Any]) -> dict[str, str]:
        name = _app_name(str(i["appliance"]))
        return {
            "name": name,
            "Name": name[:1].upper() + name[1:],
            "low": kwh(i.get("kwh_low")),
            "high": kwh(i.get("kwh_high")),
            "share_low": pct(i.get("share_low")),
            "share_high": pct(i.get("share_high")),
            **base,
        }

    asked = slots.get("appliance") or v.get("requested")
    chosen = next((i for i in items if i["appliance"] == asked), None)
    out: list[str] = []
    if chosen is not None:
        if (as_decimal(chosen.get("kwh_high")) or 0) <= 0:
            out.append(t("answer.appliance.one_none", **fields(chosen)))
        else:
            out.append(t("answer.appliance.one", **fields(chosen)))
    else:
        ranked = sorted(
            (i for i in items if i["appliance"] != "other"), key=lambda i: -(as_decimal(i.get("kwh_mid")) or 0)
        )
        if not ranked:
            return None
        out.append(t("answer.appliance.top", **fields(ranked[0])))
        rest = [
            t("answer.appliance.other_item", **fields(i))
            for i in ranked[1:]
            if (as_decimal(i.get("kwh_high")) or 0) > 0
        ]
        if rest:
            out.append(t("answer.appliance.others", items=_join(rest)))
    out.append(t("answer.appliance.estimate"))
    return Answer(out, next_step=t("answer.next.appliance_breakdown"))


# ------------------------------------------------------------------ efficiency_tips


def _tip_text(tip: Mapping[str, Any]) -> str | None:
    key = str(tip.get("key", ""))
    if not has(key):
        return None
    ph = {}
    for k, val in (tip.get("placeholders") or {}).items():
        d = as_decimal(val)
        if d is None:
            ph[k] = str(val)
        elif k.endswith("_w"):
            ph[k] = fmt_value(int(d.to_integral_value()), "")
        elif k.endswith("_pct"):
            ph[k] = fmt_value(d, "")
        elif k == "since":
            ph[k] = day(val)
        else:
            ph[k] = format_number(d, 1)
    try:
        return t(key, **ph)
    except (KeyError, IndexError):
        return None


@composer("efficiency_tips")
def _tips(result: ToolResult[Any], cues: Cues, slots: Mapping[str, Any]) -> Answer | None:
    v = _v(result)
    p = v.get("period") or {}
    tips = [x for x in v.get("tips") or [] if isinstance(x, dict)]
    f = {"start": day(p.get("start")), "end": day(p.get("end"))}
    appliance = slots.get("appliance") or extract_appliance(cues.norm)
    if appliance is None and re.search(r"\bar\b|ar condicionado|ar-condicionado", cues.norm):
        appliance = "air_conditioning"
    if appliance:
        tips.sort(key=lambda x: 0 if x.get("appliance") == appliance else 1)
    texts = [x for x in (_tip_text(tip) for tip in tips) if x]
    if cues.count:
        texts = texts[: cues.count]
    extra: list[str] = []
    general = f"answer.tips.general.{appliance}"
    if appliance and has(general) and not any(x.get("appliance") == appliance for x in tips):
        extra.append(t(general))  # the appliance asked about, even when the readings give no tip for it
    if cues.led:
        extra.insert(0, t("answer.tips.led"))
    if not texts and not extra:
        return Answer([t("answer.tips.none", **f)], next_step=t("answer.next.efficiency_tips"))
    n = len(texts) + (1 if extra and not cues.led else 0)
    out = [t("answer.tips.head", count=t("answer.count.tip", count=max(n, 1)), **f)]
    out += [t("answer.tips.item", text=x) for x in (extra if not cues.led else extra[1:]) + texts]
    if cues.led:
        out.insert(0, extra[0])
    return Answer(out, next_step=t("answer.next.efficiency_tips"))


# ------------------------------------------------------------------ gd_credits


@composer("gd_credits")
def _gd(result: ToolResult[Any], cues: Cues, slots: Mapping[str, Any]) -> Answer | None:
    v = _v(result)
    if v.get("balance_kwh") is None and not v.get("cycles"):
        return None
    cycles = [c for c in v.get("cycles") or [] if isinstance(c, dict)]
    table = [x for x in v.get("balance_by_expiry") or [] if isinstance(x, list | tuple) and len(x) == 2]
    out: list[str] = []
    balance = as_decimal(v.get("balance_kwh"))
    bal = t("answer.gd.balance", balance=kwh(balance)) if balance else t("answer.gd.no_balance")
    asked_month = slots.get("period") if isinstance(slots.get("period"), str) else None
    whole = [c for c in cycles if c.get("injected_kwh") is not None and c.get("days")]
    if cues.generation and len(whole) >= 2:
        # the last two cycles' injection, compared per day (cycles differ in length)
        cur, prev = whole[-1], whole[-2]
        per_day = [(as_decimal(c.get("injected_kwh")) or Decimal(0)) / Decimal(int(c["days"])) for c in (prev, cur)]
        down = per_day[1] < per_day[0]
        yes = down if cues.generation == "less" else not down
        out.append(
            t(
                f"answer.gd.generation_{'yes' if yes else 'no'}_{'down' if down else 'up'}",
                month=month(cur.get("bill_month")),
                days=cur.get("days"),
                kwh=kwh(cur.get("injected_kwh")),
                prev_month=month(prev.get("bill_month")),
                prev_days=prev.get("days"),
                prev_kwh=kwh(prev.get("injected_kwh")),
            )
        )
        out.append(t("answer.gd.generation_note"))
    elif cues.expired:
        expired = [c for c in cycles if (as_decimal(c.get("credits_expired_kwh")) or 0) > 0]
        if expired:
            out.append(
                t(
                    "answer.gd.expired_some",
                    kwh=", ".join(kwh(c.get("credits_expired_kwh")) for c in expired[:1]),
                    items=_join(
                        [
                            f"{kwh(c.get('credits_expired_kwh'))} em {month(c.get('bill_month'))}"
                            for c in expired
                        ]
                    ),
                )
            )
        else:
            out.append(t("answer.gd.expired_none"))
        out.append(bal)
    elif cues.expiry and table:
        out.append(
            t(
                "answer.gd.expiry_list",
                items=_join([t("answer.gd.expiry_item", kwh=kwh(k), month=month(m)) for m, k in table[:4]]),
            )
        )
        out.append(bal)
    elif cues.max_month and cycles:
        top = max(cycles, key=lambda c: as_decimal(c.get("injected_kwh")) or 0)
        out.append(
            t("answer.gd.max_cycle", month=month(top.get("bill_month")), kwh=kwh(top.get("injected_kwh")))
        )
    elif (
        asked_month
        and re.fullmatch(r"\d{4}-\d{2}", asked_month)
        and any(c.get("bill_month") == asked_month for c in cycles)
    ):
        c = next(c for c in cycles if c.get("bill_month") == asked_month)
        out.append(
            t(
                "answer.gd.injected_cycle",
                month=month(asked_month),
                start=day(c.get("start")),
                end=day(c.get("end")),
                kwh=kwh(c.get("injected_kwh")),
            )
        )
    elif (
        re.search(r"injet|mand\w* (pra|para) (a )?rede|gerou|gerei|produz", cues.norm)
        and v.get("injected_in_period_kwh") is not None
    ):
        out.append(
            t(
                "answer.gd.injected",
                start=day(v.get("period_start")),
                end=day(v.get("period_end")),
                kwh=kwh(v.get("injected_in_period_kwh")),
            )
        )
        out.append(bal)
    else:
        out.append(bal)
        if v.get("next_expiry_month"):
            out.append(
                t(
                    "answer.gd.next_expiry",
                    kwh=kwh(v.get("next_expiry_kwh")),
                    month=month(v.get("next_expiry_month")),
                )
            )
    return Answer(out, next_step=t("answer.next.gd_credits"))


# ------------------------------------------------------------------ tariff_flag


def _flag_definition(cues: Cues) -> str | None:
    if cues.who:
        return t("answer.define.bandeira_who")
    if not (cues.define or cues.why):
        return None
    if "vermelha" in cues.norm:
        return t("answer.define.bandeira_vermelha")
    if "amarela" in cues.norm:
        return t("answer.define.bandeira_amarela")
    return t("answer.define.bandeira")


@composer("tariff_flag")
def _flag(result: ToolResult[Any], cues: Cues, slots: Mapping[str, Any]) -> Answer | None:
    v = _v(result)
    f = {"month": month(v.get("month")), "kwh": kwh(v.get("kwh_month"))}
    out: list[str] = []
    definition = _flag_definition(cues)
    if definition:
        out.append(definition)
    flag = v.get("flag")
    if flag:
        rs100 = v.get("rs_per_100kwh")
        out.append(
            t(
                "answer.flag.known",
                flag=t(f"billing.flag.{flag}") if has(f"billing.flag.{flag}") else flag,
                rs_100=brl(rs100) if rs100 is not None else "",
                **f,
            )
        )
        effect = as_decimal(v.get("effect_rs"))
        if effect:
            out.append(t("answer.flag.effect", effect=brl(effect), **f))
        elif v.get("kwh_month") is not None:
            out.append(t("answer.flag.effect_none"))
    else:
        by = v.get("effect_by_flag_rs") or {}
        asked = str(v.get("month") or "")
        prov = result.provenance
        today = prov.today if prov and prov.today else dt.date.today()
        # this month's and past months' flags were announced: missing from our table, not unannounced
        past = bool(re.fullmatch(r"\d{4}-\d{2}", asked)) and asked <= f"{today.year:04d}-{today.month:02d}"
        out.append(t("answer.flag.unknown_past" if past else "answer.flag.unknown", **f))
        if by and v.get("kwh_month") is not None:
            out.append(
                t(
                    "answer.flag.options",
                    amarela=brl(by.get("amarela")),
                    vermelha_1=brl(by.get("vermelha_1")),
                    vermelha_2=brl(by.get("vermelha_2")),
                    **f,
                )
            )
    if cues.line == "social" or "tarifa social" in cues.norm:
        out.insert(0, t("answer.define.social"))
    nxt = t("answer.next.tariff_flag")
    direction = re.search(r"\b(subiu|aumentou|baixou|caiu|diminuiu)\b", cues.norm)
    if direction and cues.bill:
        nxt = t("answer.next.flag_bill", direction=direction.group(1))
    return Answer(out, next_step=nxt)


# ------------------------------------------------------------------ voltage_quality


_PHASE_MISSING = re.compile(r"\b(?:fase|meia fase|metade d[ao]s? (?:tomadas|lampadas|casa)|parte d[ao]s? (?:tomadas|lampadas|casa))\b")


@composer("voltage_quality")
def _voltage(result: ToolResult[Any], cues: Cues, slots: Mapping[str, Any]) -> Answer | None:
    v = _v(result)
    p = v.get("period") or {}
    if v.get("precaria_share") is None or not p:
        return None
    f = {
        "start": day(p.get("start")),
        "end": day(p.get("end")),
        "precaria": fmt_value(v.get("precaria_share"), "fraction"),
        "critica": fmt_value(v.get("critica_share"), "fraction"),
        "drp": fmt_value(v.get("drp_lim_pct"), "%"),
        "drc": fmt_value(v.get("drc_lim_pct"), "%"),
    }
    out = [t("answer.voltage.above" if v.get("violated") else "answer.voltage.within", **f)]
    if _PHASE_MISSING.search(cues.norm):  # "metade das tomadas": a missing phase, not the voltage level
        out.insert(0, t("answer.voltage.phase"))
    if v.get("violated") and v.get("compensation_rs") is not None:
        out.append(
            t(
                "answer.voltage.compensation",
                amount=brl(v.get("compensation_rs")),
                deadline=day(v.get("credit_deadline")),
            )
        )
    out.append(t("answer.voltage.complaint"))
    nxt = t("answer.next.voltage_bill") if cues.bill else t("answer.next.voltage_quality")
    return Answer(out, next_step=nxt)


# ------------------------------------------------------------------ consumption_profile


@composer("consumption_profile")
def _profile(result: ToolResult[Any], cues: Cues, slots: Mapping[str, Any]) -> Answer | None:
    v = _v(result)
    p = v.get("period") or {}
    if v.get("base_load_w") is None or not p:
        return None
    out: list[str] = []
    anomalies = [a for a in v.get("anomalies") or [] if isinstance(a, dict)]
    if cues.anomaly:
        texts = [
            issue_text(str(a.get("key")), a.get("data") or {}) for a in anomalies if has(str(a.get("key")))
        ]
        out += texts[:2] or [
            t("answer.profile.anomaly_none", start=day(p.get("start")), end=day(p.get("end")))
        ]
    base = t(
        "answer.profile.base",
        base_w=step_value(v.get("base_load_w"), "W"),
        base_kwh=kwh(v.get("base_load_kwh_day")),
    )
    peak = t("answer.profile.peak", hour=v.get("peak_hour"), peak_w=step_value(v.get("peak_hour_w"), "W"))
    night = t("answer.profile.night", night=pct(v.get("night_share")))
    if re.search(r"madrugada|noite|dormindo", cues.norm):
        out += [base, night]
    elif re.search(r"hora|horario|quando", cues.norm) and not cues.anomaly:
        out += [peak, base]
    else:
        out += [base, peak]
    return Answer(out, next_step=t("answer.next.consumption_profile"))


def known_line_definition(key: str) -> str | None:
    """One-sentence definition of a bill line or term (``answer.define.<key>``), or None."""
    return t(f"answer.define.{key}") if has(f"answer.define.{key}") else None


# ------------------------------------------------------------------ knowledge answers

def _define_term(cues: Cues) -> str | None:
    if cues.who and "bandeira" in cues.norm:
        return t("answer.define.bandeira_who")
    if cues.line == "gd_class":
        return t("answer.define.gd_class")
    if not cues.define:
        return None
    if cues.line == "social":
        return t("answer.define.social")
    if cues.line == "bandeira" or "bandeira" in cues.norm:
        return _flag_definition(cues)
    return known_line_definition(cues.line) if cues.line else None


def knowledge_answer(
    query: str, passages: list[dict[str, Any]], context: Sequence[Mapping[str, Any]] = (), focus: str = ""
) -> str:
    """The sentence that answers the question first, then the rest of its section.

    "o que é …" about a known term starts with its one-sentence definition (``answer.define``);
    otherwise every sentence of the best article (its retrieved passages and the other sections in
    ``context``) is scored against the question (:func:`knowledge.sentences.rank_sentences`: shared
    words with pt-BR normalisation and synonyms, plus the kind of answer asked: a deadline, a
    permission, a definition, a figure) and the best one leads, followed by its section. ``focus``
    is the latest message when ``query`` also carries the conversation's topic (a follow-up).
    """
    cues = read_cues(query)
    top_id = passages[0].get("article_id")
    top = split_sentences(str(passages[0].get("text", "")))
    if not top:
        return _define_term(cues) or ""
    first = _define_term(cues)
    rest = [] if cues.line == "kwh" else top  # the unit's definition stands alone (no article is about it)
    if first is None:
        others = [p for p in [*passages[1:], *context] if p.get("article_id") == top_id]
        others.sort(key=_chunk_position)
        article = [passages[0], *others]
        texts = [str(p.get("text", "")) for p in article]
        heads = [str(p.get("section", "")) for p in article]
        intro = next((i for i, p in enumerate(article) if _chunk_position(p) == 0), None)
        ranked = rank_sentences(
            query, texts, heads, intro=intro, title=str(passages[0].get("title", "")), focus=focus
        )
        best = ranked[0] if ranked and ranked[0].overlap > 0 else None
        if best is None:
            first = top[0]
        else:
            first = best.sentence
            section = split_sentences(texts[best.passage])
            after, before = section[best.position + 1 :], section[: best.position]
            rest = after + (before if best.passage == 0 else top)
        rest = [x for x in rest if x != first]
        first = first.removeprefix("• ")
    body: list[str] = []
    size = len(first)
    for x in rest:
        if size + len(x) > 700:
            break
        body.append(x)
        size += len(x) + 1
    return Answer([first, *body]).text()


def _chunk_position(passage: Mapping[str, Any]) -> int:
    tail = str(passage.get("chunk_id", "")).rpartition("#")[2]
    return int(tail) if tail.isdigit() else 1_000_000


# composers kept in their own modules register themselves on import (after everything above exists)
from assistant import answers_challenges  # noqa: E402,F401
