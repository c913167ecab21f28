"""Text normalisation for pt-BR chat: lowercase, no accents, WhatsApp abbreviations expanded."""

from __future__ import annotations

import re
import unicodedata

_ABBREV = {
    "qto": "quanto", "qnto": "quanto", "qt": "quanto", "qnt": "quanto", "qta": "quanta", "qtas": "quantas",
    "qtos": "quantos", "pq": "por que", "pk": "por que", "porq": "por que", "porque": "por que",
    "vc": "voce", "vcs": "voces", "q": "que", "oq": "o que", "tb": "tambem", "tbm": "tambem",
    "msm": "mesmo", "mto": "muito", "mt": "muito", "hj": "hoje", "ontm": "ontem", "td": "tudo",
    "blz": "beleza", "obg": "obrigado", "vlw": "valeu", "pfv": "por favor", "pfvr": "por favor",
    "pls": "por favor", "n": "nao", "ñ": "nao", "naum": "nao", "eh": "e", "neh": "ne", "mes": "mes",
    "kwh": "kwh", "kw": "kw", "c": "com", "cm": "como", "dps": "depois", "agr": "agora", "tá": "esta",
    "ta": "esta", "to": "estou", "tô": "estou", "pra": "para", "pro": "para o", "p": "para", "d": "de",
    "ngm": "ninguem", "alg": "algum", "min": "minutos", "hrs": "horas", "hr": "hora", "h": "horas",
    "ar condicionado": "ar-condicionado", "arcondicionado": "ar-condicionado",
    "fatura": "fatura", "ft": "fatura", "cnta": "conta", "contra": "contra",
    "luz": "luz", "enegia": "energia", "energya": "energia", "consummo": "consumo", "cosumo": "consumo",
    "consumi": "consumi", "gastey": "gastei", "tarifa": "tarifa", "trafia": "tarifa",
}

_WORD = re.compile(r"[a-z0-9\-]+|[^\sa-z0-9]")


def strip_accents(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def normalize(text: str) -> str:
    """Lowercase, strip accents, expand common WhatsApp abbreviations, squeeze spaces."""
    s = strip_accents(text.lower())
    s = re.sub(r"[!?;:()\"']+|(?<!\d)[.,]|[.,](?!\d)", " ", s)
    s = re.sub(r"(\d)\s*(mil|milhao|milhoes)\b", r"\1 \2", s)
    words = [_ABBREV.get(w, w) for w in s.split()]
    s = " ".join(words)
    s = re.sub(r"([a-z])\1{2,}", r"\1", s)  # "muiiito" → "muito" (letters only: digits matter)
    return re.sub(r"\s+", " ", s).strip()


def tokens(text: str) -> list[str]:
    return _WORD.findall(normalize(text))
