"""Text normalisation for pt-BR chat: lowercase, no accents, WhatsApp abbreviations expanded."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import cache, lru_cache
from importlib import resources

from knowledge.text import CHAT_ABBREVIATIONS

_ABBREV = {
    **CHAT_ABBREVIATIONS,  # the WhatsApp spellings shared with the search tokenizer
    "qnt": "quanto",
    "qta": "quanta",
    "qtas": "quantas",
    "qtos": "quantos",
    "pk": "por que",
    "porq": "por que",
    "porque": "por que",
    "oq": "o que",
    "msm": "mesmo",
    "ontm": "ontem",
    "blz": "beleza",
    "pfv": "por favor",
    "pfvr": "por favor",
    "pls": "por favor",
    "ñ": "nao",
    "naum": "nao",
    "neh": "ne",
    "mes": "mes",
    "kwh": "kwh",
    "kw": "kw",
    "c": "com",
    "cm": "como",
    "agr": "agora",
    "tá": "esta",
    "tô": "estou",
    "p": "para",
    "d": "de",
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


@lru_cache(maxsize=8192)
def normalize(text: str) -> str:
    """Lowercase, strip accents, expand common WhatsApp abbreviations, fix one-typo words, squeeze spaces."""
    return correct(basic_normalize(text))


def basic_normalize(text: str) -> str:
    """:func:`normalize` without the spelling correction."""
    s = strip_accents(text.lower())
    s = re.sub(r"[!?;:()\"']+|(?<!\d)[.,]|[.,](?!\d)", " ", s)
    s = re.sub(r"(\d)\s*(mil|milhao|milhoes)\b", r"\1 \2", s)
    for pat, rep in _PHRASES:
        s = pat.sub(rep, s)
    words = [_ABBREV.get(w, w) for w in s.split()]
    s = " ".join(words)
    s = re.sub(r"([a-z])\1{2,}", r"\1", s)  # "muiiito" → "muito" (letters only: digits matter)
    return re.sub(r"\s+", " ", s).strip()


# ---------------------------------------------------------------- spelling: one typo away from a known word
_EXTRA_WORDS = (
    "janeiro fevereiro marco abril maio junho julho agosto setembro outubro novembro dezembro segunda terca quarta "
    "quinta sexta sabado domingo ontem anteontem semana passada passado retrasado retrasada ultimos ultimas "
    "quinzena feriado natal carnaval trimestre quanto quantos quantas consumo consumi gastei energia dobro triplo "
    "aquilo aquela aquele perguntei resultado entendi medidor defeito problema problemas errado errada funcionando "
    "funciona estranho estranha esquisito votar votacao eleicao eleicoes governo remedio peticao processo advogado "
    "faisca faiscando fumaca queimado choque oxigenio dialise emergencia socorro"
).split()


@cache
def _vocabulary() -> tuple[dict[tuple[str, int], list[str]], dict[str, int]]:
    """Words of the utterance banks (5+ letters), bucketed by first letter and length, commonest first."""
    counts: Counter[str] = Counter()
    for name in ("customer.txt", "operator.txt"):
        path = resources.files("assistant") / "utterances" / name
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith(("#", "[")):
                continue
            counts.update(w for w in basic_normalize(line).split() if w.isalpha() and len(w) >= 5)
    counts.update(dict.fromkeys(_EXTRA_WORDS, 1))
    buckets: dict[tuple[str, int], list[str]] = {}
    for word, _ in counts.most_common():
        buckets.setdefault((word[0], len(word)), []).append(word)
    return buckets, dict(counts)


def one_edit(a: str, b: str, substitution: bool = True) -> bool:
    """At most one insertion, deletion, adjacent transposition or (if allowed) substitution apart."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    i = 0
    while i < min(la, lb) and a[i] == b[i]:
        i += 1
    if la == lb:
        swapped = i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
        return swapped or (substitution and a[i + 1 :] == b[i + 1 :])
    return a[i + 1 :] == b[i:] if la > lb else a[i:] == b[i + 1 :]


def _fix(word: str) -> str:
    buckets, known = _vocabulary()
    if len(word) < 5 or word in known or not word.isalpha():
        return word
    squeezed = re.sub(r"([a-z])\1", r"\1", word)  # "connsumo", "contta"
    if squeezed in known:
        return squeezed
    firsts = {word[0], word[1]}  # a swapped first pair ("ocnta") lands in the second letter's bucket
    best, best_count = word, 0
    for n in (len(word), len(word) - 1, len(word) + 1):
        for first in firsts:
            for cand in buckets.get((first, n), ()):
                sub = len(cand) >= 7
                if known[cand] <= best_count or _inflection(word, cand):
                    continue
                if one_edit(word, cand, sub) or one_edit(squeezed, cand, sub):
                    best, best_count = cand, known[cand]
    return best


def _inflection(word: str, cand: str) -> bool:
    """Words differing only in their last letter are inflections ("vizinhos"/"vizinho",
    "gasto"/"gasta"), not typos: left alone."""
    return word[:-1] == cand or cand[:-1] == word or (len(word) == len(cand) and word[:-1] == cand[:-1])


def correct(norm: str) -> str:
    """Replace words one typo away from a word of the utterance banks ("consuno" → "consumo")."""
    return " ".join(_fix(w) for w in norm.split())


def tokens(text: str) -> list[str]:
    return _WORD.findall(normalize(text))
