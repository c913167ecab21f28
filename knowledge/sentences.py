"""Which sentence of an article answers the question (pure, standard library + :mod:`knowledge.text`).

Retrieval finds the article; this module finds, inside the passages of that article, the
sentence that carries the fact asked, so that the reply can start with it:

1. every passage is cleaned of Markdown and split into sentences (a bullet is a sentence);
2. question and sentences are reduced to the same tokens as the search (:func:`knowledge.text.tokenize`:
   accents, stopwords, chat spellings, Portuguese stems), and words that name the same thing in a
   question and in an article ("vender" / "comercializar" / "venda", "corte" / "suspensão" /
   "desligar", "aviso" / "notificação") are folded onto one token;
3. a sentence scores the weights of the question tokens it contains (rarer tokens in the article weigh
   more, words every article uses weigh little; its section heading counts at half weight), plus a
   bonus when it has the *kind* of answer the question asks for: a duration or deadline for "quanto
   tempo / prazo / quantos dias" (more inside a section on deadlines), a time of day for "que horas",
   a yes/no, permission or prohibition for "pode / posso / é permitido" (more for the rule opening a
   "Quem pode" / "Dá para…?" section), a definition for "o que é", a figure for "quanto", an
   instruction for "o que eu faço", the start of the named section for "quais são";
4. a worked example ("Por exemplo…", an "Exemplo" section) counts less than the rule it illustrates.

:func:`best_sentence` gives the winner.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.text import stem, strip_accents, tokenize, words

_MD_BULLET = re.compile(r"^\s*[-*]\s+", re.M)
_MD_HEADER = re.compile(r"^\s*#+\s.*$", re.M)
_SOURCE_LINE = re.compile(r"^\s*Fonte:.*$", re.M)
_SHORT_ANSWER = re.compile(r"^(?:Sim|Não|Nao|Pode ser \w+|Depende)[.!]$", re.IGNORECASE)
# a sentence ends at . ! ? before a capital, a digit or a bullet, but not after an abbreviation
# ("art. 440", "arts. 222 e 223", "inc. IV", "nº 3", "Dr. Silva")
_SENTENCE = re.compile(
    r"(?<!\b[aA]rt\.)(?<!\b[aA]rts\.)(?<!\b[iI]nc\.)(?<!\b[iI]ncs\.)(?<!\b[nN]\.)(?<!\b[nN]º\.)(?<!\b[eE]x\.)"
    r"(?<!\bDr\.)(?<!\bSr\.)(?<!\bSra\.)(?<=[.!?])\s+(?=[A-ZÁÉÍÓÚÂÊÔÃÕÇ0-9•])"
)

#: words a question and an article use for the same thing; each group folds onto its first word
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("venda", "vender", "vendo", "vendido", "comercializar", "comercializacao", "comercializado", "comprar",
     "compra", "negociar", "dinheiro"),
    ("corte", "cortar", "cortam", "cortada", "cortado", "suspensao", "suspender", "suspenso", "desligamento",
     "desligar", "desligada", "desligado", "desligam"),
    ("aviso", "avisar", "avisado", "notificacao", "notificar", "notificado", "comunicado", "antecedencia"),
    ("religacao", "religar", "religam", "religada", "religamento", "volta", "voltar", "restabelecer"),
    ("eliminacao", "eliminar", "apagar", "apaguem", "excluir", "exclusao", "deletar", "remover"),
    ("dados", "dado", "informacoes", "informacao"),
    ("excedente", "sobra", "sobrar", "sobrando", "sobrou", "sobram", "injetada", "injetado"),
    ("unidade", "unidades", "casa", "imovel", "endereco", "apartamento", "instalacao", "residencia"),
    ("titular", "dono", "nome", "cpf", "cnpj"),
    ("abater", "abate", "abatem", "abatido", "usar", "usado", "usados", "usadas", "aproveitar"),
    ("adesao", "aderir", "aderi", "adesoes"),
    ("troca", "trocar", "mudar", "mudanca", "alterar", "alteracao"),
    ("devolucao", "devolver", "devolvam", "reembolso", "estorno", "restituicao"),
    ("pedir", "pedido", "peca", "peco", "pecam", "solicitar", "solicitacao", "requerer"),
    ("indevido", "indevida", "engano", "erro", "errado", "errada", "injusto"),
    ("dano", "danos", "queimou", "queimar", "queimado", "estragou", "estragar", "danificado", "danificou"),
    ("verificacao", "verificar", "vistoria", "vistoriar", "inspecao", "examinar", "avaliar"),
    ("rural", "campo", "roca", "sitio", "fazenda", "chacara"),
    ("urbana", "cidade", "urbano"),
    ("sabado", "domingo", "feriado", "semana"),
    ("fase", "fases", "tomadas", "tomada", "metade", "meia"),
    ("taxa", "cobrar", "cobrada", "cobrado", "cobranca", "gratis", "custo"),
    ("nota", "fiscal", "recibo"),
    ("vizinho", "vizinha", "parente", "parentes", "sogra", "mae", "pai", "filho", "filha", "amigo", "irmao"),
)

#: expressions of several words that mean one folded word ("fim de semana" is "sábado")
PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(rf"\b{p}\b"), w)
    for p, w in (
        (r"(?:fim|fins|final|finais) de semana", "sabado"),
        (r"meia fase|uma fase", "fase"),
    )
)

_FOLD: dict[str, str] = {}
for _group in SYNONYMS:
    for _w in _group:
        _FOLD.setdefault(stem(_w), stem(_group[0]))

#: words almost every article uses: a match on them says little about which sentence answers
GENERIC: frozenset[str] = frozenset(
    stem(w) for w in ("energia", "luz", "conta", "distribuidora", "concessionaria", "empresa", "fornecimento",
                      "companhia", "enel", "cpfl", "cemig", "light", "coelba", "celpe", "copel")
)
GENERIC_WEIGHT = 0.25
#: a worked example repeats the question's words but does not state the rule
EXAMPLE_WEIGHT = 0.4
_EXAMPLE = re.compile(r"(?:por exemplo|exemplo|ex\.)\b")
#: words that say what *kind* of answer is wanted ("quanto tempo", "que horas", "quantos dias depois"):
#: the cues reward the kind of answer, so these words do not count as shared words
QUESTION_WORDS: frozenset[str] = frozenset(
    stem(w) for w in ("tempo", "hora", "horas", "horario", "depois", "antes", "prazo", "prazos", "demora",
                      "demorar", "dia", "dias", "mes", "meses", "ano", "anos", "minutos", "vez", "vezes",
                      "fica", "ficar", "ficam", "acontece", "acontecer")
)
#: a section heading's words count for each of its sentences at this weight
HEADING_WEIGHT = 0.5

_NUM_TIME = re.compile(r"\b\d+\s*(?:dias?|horas?|h\b|meses|mes|anos?)|\bdia util\b|\bdias uteis\b")
_ACTION_HEADING = re.compile(r"(?:o que fazer|como )")
_DEADLINE_HEADING = re.compile(r"\b(?:prazos?|validade|quanto tempo)\b")
_NUMBER = re.compile(r"\d")
_HOUR = re.compile(r"\b\d{1,2}\s*h\b|\b\d{1,2}h\d{0,2}\b")
_PERMISSION = re.compile(
    r"\b(?:pode|podem|nao pode|proibid\w*|vedad\w*|permitid\w*|nunca|precisa\w*|deve\w*|"
    r"obrigad\w*|nao e|nao tem|nao ha|nao vira|nao pod\w*)"
)
_DEFINITION = re.compile(r"\b(?:e|sao|chama|significa|quer dizer)\b")
_INSTRUCTION = re.compile(
    r"(?:^|[,;:]\s*)(?:• )?(?:primeiro,? )?(?:faca|peca|procure|avise|ligue|desligue|verifique|veja|olhe|informe|"
    r"guarde|registre|fale|confira|mostre|nao mexa|entre em contato)\b"
)

_ASKS_DURATION = re.compile(
    r"\b(?:quanto tempo|prazo|prazos|quantos dias|quantas horas|quantos meses|quantos anos|em quanto|ate quando|"
    r"demora|demoram|antecedencia|vencem|vence|validade|duram|dura|quando comeca|quando passa|quando vale|"
    r"tempo)\b"
)
_ASKS_PERMISSION = re.compile(
    r"\b(?:pode|podem|posso|podemos|permitido|proibido|da pra|da para|tem como|e possivel|consigo|"
    r"e obrigatorio|precisa|precisam|preciso|e legal)\b"
)
_PERMISSION_HEADING = re.compile(r"(?:quem pode|pode|posso|da para|da pra|e possivel|tem como)\b")
_ASKS_DEFINITION = re.compile(r"\b(?:o que e|o que sao|o que significa|que e isso|significa|o que acontece)\b")
_ASKS_AMOUNT = re.compile(r"\b(?:quanto|quanta|quantos|quantas|qual o valor|qual a multa|qual o juros|percentual)\b")
_ASKS_LIST = re.compile(r"\b(?:quais|quais sao|quais os|quais as|que tipos?)\b")
_ASKS_HOUR = re.compile(r"\b(?:que horas|horario|horarios|a noite|de madrugada)\b")
_ASKS_ACTION = re.compile(
    r"\b(?:o que (?:eu )?(?:faco|fazer|devo fazer)|como (?:e que )?(?:eu |a gente |que eu )?"
    r"(?:faco|fazer|faz|pe[cd]o|pedir|reclamar|solicito|solicitar|consigo))\b"
)

_PROHIBITION = re.compile(r"\b(?:proibid\w*|vedad\w*|nao (?:e )?permitid\w*)")


def _norm(text: str) -> str:
    return " ".join(strip_accents(text.lower()).split())


def tokens(text: str) -> list[str]:
    """Search tokens with synonyms folded (the same reduction for questions and sentences)."""
    text = _norm(text)
    for pattern, word in PHRASES:
        text = pattern.sub(word, text)
    return [_FOLD.get(tok, tok) for tok in tokenize(text)]


def clean(text: str) -> str:
    """A passage without Markdown headings, ``Fonte:`` lines, emphasis or list markers (bullets as •)."""
    text = _SOURCE_LINE.sub("", _MD_HEADER.sub("", text))
    text = _MD_BULLET.sub("• ", text)
    text = re.sub(r"(?<!\*)\*(?!\*)|`|__", "", text)
    return re.sub(r"\n{2,}", "\n", text).strip()


def split_sentences(text: str) -> list[str]:
    """The sentences of a passage (each line and each list item is at least one), Markdown removed.

    A bare "Sim." or "Não." stays with the sentence that follows it (it is the answer's first word).
    """
    out: list[str] = []
    for line in clean(text).split("\n"):
        carry = ""
        for x in _SENTENCE.split(line):
            x = x.strip()
            if not x:
                continue
            if _SHORT_ANSWER.match(x):
                carry = f"{carry} {x}".strip()
                continue
            out.append(f"{carry} {x}".strip())
            carry = ""
        if carry:
            out.append(carry)
    return out


def _sections(text: str, heading: str) -> list[tuple[str, str]]:
    """``(heading, body)`` of each section of a passage: a packed passage carries its later
    sections as ``## `` lines, and its ``section`` field joins the headings with " / "."""
    out: list[tuple[str, str]] = []
    current = heading.split(" / ")[0]
    buf: list[str] = []
    for line in text.splitlines():
        if line.startswith("## "):
            out.append((current, "\n".join(buf)))
            current, buf = line[3:].strip(), []
        else:
            buf.append(line)
    out.append((current, "\n".join(buf)))
    return out


@dataclass(frozen=True, slots=True)
class _Sentence:
    passage: int
    position: int
    text: str
    toks: set[str]
    head_toks: set[str]
    lead: bool  # first sentence of its section
    head_permission: bool  # its section heading asks who may / whether one may ("Quem pode", "Dá para…?")
    head_deadline: bool  # its section heading is about deadlines ("Prazos de aviso", "Validade")
    head_action: bool  # its section heading says what to do ("O que fazer…", "Como pedir")
    example: bool  # a worked example (sentence or section)


@dataclass(frozen=True, slots=True)
class Scored:
    sentence: str
    passage: int  # index of the passage the sentence comes from
    position: int  # index of the sentence within its passage
    score: float
    overlap: float  # the lexical part of the score (no cue bonus)


_ASKED_TERM = re.compile(
    r"\b(?:o que (?:e|sao|significa|quer dizer)|significado de)\s+(?:essa tal de |esse tal de |a tal de |o tal de |"
    r"esse |essa |os |as |um |uma |o |a )?([a-z][a-z0-9]{1,11})\b"
)


def _asked_term(question: str) -> str | None:
    """The term a definition question names ("o que é DRC mesmo?" → "drc")."""
    m = _ASKED_TERM.search(" ".join(words(question)))
    return m.group(1) if m else None


def _defines(term: str) -> re.Pattern[str]:
    """A sentence that spells ``term`` out: the term, then its expansion in brackets, a colon or "é"."""
    # on the sentence as written: "DRC é" defines, "DIC e FIC" does not
    return re.compile(rf"\b{re.escape(term)}\b\W{{0,3}}(?:\(|:|=|é |são |significa |quer dizer )")


def _cues(question: str) -> dict[str, bool]:
    q = " ".join(words(question))  # chat spellings expanded ("oq" -> "o que", "q" -> "que")
    duration = bool(_ASKS_DURATION.search(q))
    return {
        "duration": duration,
        # "em quanto tempo eles podem cortar?": the time answers; "podem" does not make it a yes/no
        "permission": bool(_ASKS_PERMISSION.search(q)) and not duration,
        "definition": bool(_ASKS_DEFINITION.search(q)),
        "amount": bool(_ASKS_AMOUNT.search(q)),
        "hour": bool(_ASKS_HOUR.search(q)),
        "action": bool(_ASKS_ACTION.search(q)),
        "list": bool(_ASKS_LIST.search(q)),
    }


def _bonus(sentence: str, cues: dict[str, bool], first_of_article: bool) -> float:
    s = _norm(sentence)
    bonus = 0.0
    if cues["duration"]:
        bonus += 1.5 if _NUM_TIME.search(s) else 0.0
    elif cues["amount"] and _NUMBER.search(s):
        bonus += 1.0
    if cues["hour"] and _HOUR.search(s):
        bonus += 2.5  # "que horas…?": a time of day is rare and is the answer
    if cues["permission"]:
        if re.match(r"(?:sim|nao)\b", s) or _PROHIBITION.search(s):
            bonus += 1.0  # a plain yes or no (or a prohibition) answers "posso…?"
        elif _PERMISSION.search(s):
            bonus += 0.5
    if cues["definition"] and (first_of_article or _DEFINITION.search(s)):
        bonus += 1.0 if first_of_article else 0.3
    if cues["action"] and _INSTRUCTION.search(s):
        bonus += 1.0
    return bonus


def rank_sentences(
    question: str,
    passages: Sequence[str],
    headings: Sequence[str] | None = None,
    *,
    intro: int | None = 0,
    title: str = "",
    focus: str = "",
) -> list[Scored]:
    """Every sentence of ``passages`` scored against ``question``, best first (ties: earlier first).

    ``headings`` (one per passage, optional) are the passages' ``section`` fields: a heading's words
    count (``HEADING_WEIGHT``) for every sentence under it, except the article ``title`` (the
    heading of the introduction), which every sentence shares. ``intro`` is the index of the
    article's introduction among ``passages`` (its first sentence is the article's definition), None
    if absent. A sentence that shares no word with the question (nor its heading) gets no cue bonus
    (a number alone does not answer); a worked example counts less than the rule it illustrates.

    ``focus`` is the latest message when ``question`` also carries the conversation's topic (a
    follow-up such as "e no fim de semana?"): the kind of answer is read from it alone and its words
    weigh double.
    """
    cues = _cues(focus or question)
    term = _asked_term(question) if cues["definition"] else None
    # the term a definition asks for always counts ("o que é o FIC": "fic" is also the stem of "ficar")
    q = (set(tokens(question)) - QUESTION_WORDS) | ({term} & set(tokens(question)) if term else set())
    focus_toks = set(tokens(focus)) if focus else set()
    heads = list(headings) if headings else ["" for _ in passages]
    ignore = _norm(title)
    sents: list[_Sentence] = []
    for pi, text in enumerate(passages):
        si = 0
        for head, body in _sections(text, heads[pi] if pi < len(heads) else ""):
            head_toks = set() if _norm(head) == ignore else set(tokens(head))
            example = bool(_EXAMPLE.match(_norm(head)))
            head_permission = _norm(head) != ignore and bool(_PERMISSION_HEADING.match(_norm(head)))
            head_deadline = _norm(head) != ignore and bool(_DEADLINE_HEADING.search(_norm(head)))
            head_action = _norm(head) != ignore and bool(_ACTION_HEADING.match(_norm(head)))
            for k, sentence in enumerate(split_sentences(body)):
                sents.append(_Sentence(pi, si, sentence, set(tokens(sentence)), head_toks, k == 0, head_permission, head_deadline, head_action,
                                       example or bool(_EXAMPLE.match(_norm(sentence)))))
                si += 1
    if not sents:
        return []
    n = len(sents)
    df: dict[str, int] = {}
    for x in sents:
        for tok in x.toks & q:
            df[tok] = df.get(tok, 0) + 1
    weight = {
        t: math.log(1 + n / (1 + df.get(t, 0))) * (GENERIC_WEIGHT if t in GENERIC else 1.0) * (2.0 if t in focus_toks else 1.0)
        for t in q
    }
    defines = _defines(term) if term else None  # compiled once per question, not per sentence
    scored: list[Scored] = []
    for x in sents:
        own = x.toks & q
        overlap = sum(weight[t] for t in own) + HEADING_WEIGHT * sum(weight[t] for t in x.head_toks & q)
        bonus = _bonus(x.text, cues, x.passage == intro and x.position == 0) if overlap > 0 else 0.0
        if cues["permission"] and x.head_permission and x.lead and overlap > 0:
            bonus += 1.5  # "posso…?" is answered by the rule that opens the section on who may / whether one may
        if cues["duration"] and x.head_deadline and overlap > 0 and _NUM_TIME.search(_norm(x.text)):
            bonus += 1.0  # "quanto tempo…?" is answered by the section on deadlines
        if cues["action"] and x.head_action and x.lead and overlap > 0:
            bonus += 1.0  # "o que eu faço?": the first step of the section on what to do
        if defines is not None and defines.search(x.text.lower()):
            bonus += 2.0  # "o que é DRC?": the sentence that spells the term out ("DRC (Duração ...)", "DRC é")
        if cues["list"] and x.lead and x.head_toks & q:
            bonus += 1.0  # "quais são…": the section named by the question, from its start
        score = overlap + bonus * _mean(weight)
        if x.example:
            score *= EXAMPLE_WEIGHT  # an example illustrates the rule; the rule answers
        scored.append(Scored(x.text, x.passage, x.position, round(score, 6), round(overlap, 6)))
    order = sorted(range(len(scored)), key=lambda i: (-scored[i].score, i))
    return [scored[i] for i in order]


def _mean(weight: dict[str, float]) -> float:
    return sum(weight.values()) / len(weight) if weight else 1.0


def best_sentence(
    question: str,
    passages: Sequence[str],
    headings: Sequence[str] | None = None,
    *,
    intro: int | None = 0,
    title: str = "",
    focus: str = "",
) -> Scored | None:
    """The sentence that best answers ``question`` (None when the passages are empty)."""
    ranked = rank_sentences(question, passages, headings, intro=intro, title=title, focus=focus)
    return ranked[0] if ranked else None
