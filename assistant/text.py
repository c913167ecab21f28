"""Text normalisation for pt-BR chat: lowercase, no accents, WhatsApp abbreviations expanded."""

from __future__ import annotations

import re
import unicodedata

_ABBREV = {
    "qto": "quanto",
    "qnto": "quanto",
    "qt": "quanto",
    "qnt": "quanto",
    "qta": "quanta",
    "qtas": "quantas",
    "qtos": "quantos",
    "pq": "por que",
    "pk": "por que",
    "porq": "por que",
    "porque": "por que",
    "vc": "voce",
    "vcs": "voces",
    "q": "que",
    "oq": "o que",
    "tb": "tambem",
    "tbm": "tambem",
    "msm": "mesmo",
    "mto": "muito",
    "mt": "muito",
    "hj": "hoje",
    "ontm": "ontem",
    "td": "tudo",
    "blz": "beleza",
    "obg": "obrigado",
    "vlw": "valeu",
    "pfv": "por favor",
    "pfvr": "por favor",
    "pls": "por favor",
    "n": "nao",
    "ñ": "nao",
    "naum": "nao",
    "eh": "e",
    "neh": "ne",
    "mes": "mes",
    "kwh": "kwh",
    "kw": "kw",
    "c": "com",
    "cm": "como",
    "dps": "depois",
    "agr": "agora",
    "tá": "esta",
    "ta": "esta",
    "to": "estou",
    "tô": "estou",
    "pra": "para",
    "pro": "para o",
    "p": "para",
    "d": "de",
    "ngm": "ninguem",
    "alg": "algum",
    "min": "minutos",
    "hrs": "horas",
    "hr": "hora",
    "h": "horas",
    "ar condicionado": "ar-condicionado",
    "arcondicionado": "ar-condicionado",
    "fatura": "fatura",
    "ft": "fatura",
    "cnta": "conta",
    "contra": "contra",
    "luz": "luz",
    "enegia": "energia",
    "energya": "energia",
    "consummo": "consumo",
    "cosumo": "consumo",
    "consumi": "consumi",
    "gastey": "gastei",
    "tarifa": "tarifa",
    "trafia": "tarifa",
    "fds": "fim de semana",
    "qnts": "quantos",
    "qnd": "quando",
    "qdo": "quando",
    "qndo": "quando",
    "tah": "esta",
    "aki": "aqui",
    "aq": "aqui",
    "kd": "cade",
    "nd": "nada",
    "qq": "qualquer",
    "qlq": "qualquer",
    "smp": "sempre",
    "sp": "sempre",
    "qm": "quem",
    "cmg": "comigo",
    "ctz": "certeza",
    "vdd": "verdade",
    "fzr": "fazer",
    "msg": "mensagem",
    "dnv": "de novo",
    "vo": "vou",
    "vou": "vou",
    "mta": "muita",
    "mtas": "muitas",
    "mtos": "muitos",
    "tava": "estava",
    "tao": "tao",
    "fatra": "fatura",
    "faturra": "fatura",
    "enrgia": "energia",
    "energiaa": "energia",
    "consumu": "consumo",
    "comsumo": "consumo",
    "consulmo": "consumo",
    "gastu": "gasto",
    "quantu": "quanto",
    "qnta": "quanta",
    "qntas": "quantas",
    "qntos": "quantos",
    "cobraro": "cobraram",
    "kilowatts": "quilowatts",
    "killowatts": "quilowatts",
    "kwhs": "kwh",
    "standby": "standby",
    "stand-by": "standby",
    "ar-condicionado": "ar-condicionado",
}
# multi-word forms, applied after accents are stripped
_PHRASES = (
    (re.compile(r"\bstand\s+by\b"), "standby"),
    (re.compile(r"\bar\s+condicionado\b|\barcondicionado\b"), "ar-condicionado"),
    (re.compile(r"\bkw\s*/?\s*h\b"), "kwh"),
    (re.compile(r"\b2a\s+via\b|\b2\s+via\b|\bsegunda-via\b"), "segunda via"),
    (re.compile(r"\bsegunda\s+feira\b"), "segunda-feira"),
)

_WORD = re.compile(r"[a-z0-9\-]+|[^\sa-z0-9]")


def strip_accents(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def normalize(text: str) -> str:
    """Lowercase, strip accents, expand common WhatsApp abbreviations, squeeze spaces."""
    s = strip_accents(text.lower())
    s = re.sub(r"[!?;:()\"']+|(?<!\d)[.,]|[.,](?!\d)", " ", s)
    s = re.sub(r"(\d)\s*(mil|milhao|milhoes)\b", r"\1 \2", s)
    for pat, rep in _PHRASES:
        s = pat.sub(rep, s)
    words = [_ABBREV.get(w, w) for w in s.split()]
    s = " ".join(words)
    s = re.sub(r"([a-z])\1{2,}", r"\1", s)  # "muiiito" → "muito" (letters only: digits matter)
    return re.sub(r"\s+", " ", s).strip()


def tokens(text: str) -> list[str]:
    return _WORD.findall(normalize(text))
