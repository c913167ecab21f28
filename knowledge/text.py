"""Portuguese text normalisation for lexical search (pure, standard library + snowballstemmer).

The same :func:`tokenize` is applied to documents and queries, so accents, WhatsApp spelling
("pq", "vc", "qto") and inflections all land on the same tokens:

1. lower-case, split on anything that is not a letter or digit;
2. strip accents (``religação`` and ``religacao`` become the same string);
3. expand common chat abbreviations and drop stopwords;
4. put the nasal endings back (``cao`` -> ``ção``, ``oes`` -> ``ões``) so the Snowball
   Portuguese stemmer sees the suffixes it knows (``religação`` -> ``relig``, like ``religar``);
5. stem, and strip accents from the stem.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

_WORD = re.compile(r"[^\W_]+", re.UNICODE)

#: WhatsApp spellings -> the words they stand for (accent-free): the one table shared by the
#: assistant's normalisation (:mod:`assistant.text` adds its spelling fixes) and this tokenizer
CHAT_ABBREVIATIONS: dict[str, str] = {
    "pq": "por que",
    "vc": "voce",
    "vcs": "voces",
    "qto": "quanto",
    "qnto": "quanto",
    "qt": "quanto",
    "tb": "tambem",
    "tbm": "tambem",
    "hj": "hoje",
    "q": "que",
    "n": "nao",
    "eh": "e",
    "ta": "esta",
    "to": "estou",
    "pra": "para",
    "pro": "para o",
    "dps": "depois",
    "mto": "muito",
    "mt": "muito",
    "td": "tudo",
    "ngm": "ninguem",
    "obg": "obrigado",
    "vlw": "valeu",
}

#: what search expands (before stopword removal): the chat spellings and a few more words
ABBREVIATIONS: dict[str, str] = {
    **CHAT_ABBREVIATIONS,
    "oq": "o que",
    "qdo": "quando",
    "qnd": "quando",
    "msg": "mensagem",
    "cel": "celular",
}

#: Portuguese function words (accent-free). Domain words are never stopwords.
STOPWORDS: frozenset[str] = frozenset(
    """
    a o as os um uma uns umas ao aos de do da dos das dum duma em no na nos nas num numa
    por pelo pela pelos pelas para pra pro com sem sob sobre ate apos entre contra desde
    e ou mas nem que se porque pois como quando onde quanto quanta quantos quantas qual quais
    quem cujo cuja isso isto aquilo esse essa esses essas este esta estes estas aquele aquela
    aqueles aquelas ele ela eles elas eu tu voce voces nos vos me te lhe lhes meu minha meus
    minhas teu tua seu sua seus suas nosso nossa nossos nossas dele dela deles delas mim ti si
    ja ainda tambem so muito muita muitos muitas pouco mais menos tao tanto tudo todo toda
    todos todas nada algo alguem ninguem cada outro outra outros outras mesmo mesma
    ser sou es e somos sao era eram foi foram fui sera seria sido sendo esta estou estamos estao
    estava estavam esteve estive ter tenho tem temos tinha tinham teve tive tera teria tido
    haver ha havia houve fazer faz fiz fez fazem feito vai vou vao ir ia
    pode posso podem poderia consigo consegue dar deu dou
    aqui ai ali la ca entao agora hoje sim nao ne
    oi ola bom boa obrigado obrigada favor por_favor valeu
    queria quero gostaria saber sei preciso precisa
    """.split()
)

_STEMMER = snowballstemmer.stemmer("portuguese")

_NASAL_ENDINGS: tuple[tuple[str, str], ...] = (
    ("coes", "ções"),
    ("cao", "ção"),
    ("oes", "ões"),
    ("aes", "ães"),
    ("ao", "ão"),
)


def strip_accents(text: str) -> str:
    """Remove combining marks (``ç`` -> ``c``, ``ã`` -> ``a``)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _reaccent(word: str) -> str:
    for plain, accented in _NASAL_ENDINGS:
        if word.endswith(plain) and len(word) > len(plain) + 1:
            return word[: -len(plain)] + accented
    return word


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Accent-free Snowball stem of one accent-free, lower-case word."""
    if word.isdigit() or len(word) <= 2:
        return word
    return strip_accents(_STEMMER.stemWord(_reaccent(word)))


def words(text: str) -> list[str]:
    """Lower-case, accent-free words with chat abbreviations expanded (stopwords kept)."""
    out = []
    for raw in _WORD.findall(strip_accents(text.lower())):
        out.extend(ABBREVIATIONS.get(raw, raw).split())
    return out


def tokenize(text: str) -> list[str]:
    """Tokens for BM25: words without stopwords, stemmed."""
    return [stem(w) for w in words(text) if w not in STOPWORDS]
