"""Offline intent router: a linear classifier over character and word n-grams, trained at
start-up from the utterance bank, plus a few high-precision rules (refusals first).

Deterministic: same bank → same model → same routing. No network, no model weights.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, make_pipeline

from assistant.text import normalize

Audience = Literal["customer", "operator"]

# Intents that are not tools.
NON_TOOL_INTENTS = frozenset(
    {"greeting", "capabilities", "thanks", "out_of_scope", "other_customer", "write_request", "identify"}
)

_INJECTION = re.compile(
    r"ignor\w* (as |suas |todas as |)(instruc|regras|ordens)|esqueca (as |suas )?(instruc|regras)|"
    r"(liste|listar|mostre|mostrar|me passa|me de|exporte)\w* (todos|todas) (os |as )?(clientes|usuarios|instalacoes|cpfs|consumidores)|"
    r"voce agora e (um |o )?(admin|administrador|root)|modo (desenvolvedor|admin)|system prompt|prompt do sistema"
)
_OTHER_PERSON = re.compile(
    r"\b(vizinh\w*|outra pessoa|outro cliente|outra casa de|outro cpf|de terceiros|do meu (irmao|pai|primo|tio|amigo|chefe)|"
    r"da minha (irma|mae|prima|tia|amiga|vizinha)|casa ao lado)\b"
)
_WRITE = re.compile(
    r"^(desligu|deslig|corte|corta|religu|altere|alterar|mude|mudar o cadastro|apague|apagar|delete|deletar|remova|"
    r"atualize|atualizar|insira|inserir|zere|zerar|cadastre|crie|drop|update|insert|truncate)\w*\b"
)


@dataclass(frozen=True, slots=True)
class Route:
    intent: str
    confidence: float
    rule: str = ""  # set when a rule (not the model) decided
    alternatives: tuple[tuple[str, float], ...] = ()


def load_bank(audience: Audience) -> list[tuple[str, str]]:
    """(intent, utterance) pairs from ``assistant/utterances/<audience>.txt``."""
    text = (resources.files("assistant") / "utterances" / f"{audience}.txt").read_text(encoding="utf-8")
    pairs: list[tuple[str, str]] = []
    intent = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            intent = line[1:-1]
            continue
        pairs.append((intent, normalize(line)))
    return pairs


class IntentClassifier:
    """TF-IDF (char 2-5 + word 1-2 grams) → multinomial logistic regression."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        features = FeatureUnion(
            [
                ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=1)),
                ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"[a-z0-9\-]+")),
            ]
        )
        self.model = make_pipeline(features, LogisticRegression(C=20.0, max_iter=2000, random_state=0))
        labels = [p[0] for p in pairs]
        self.model.fit([p[1] for p in pairs], labels)
        self.classes: list[str] = list(self.model.classes_)

    def predict(self, text: str, top: int = 3) -> list[tuple[str, float]]:
        proba = self.model.predict_proba([normalize(text)])[0]
        order = np.argsort(-proba)[:top]
        return [(str(self.classes[i]), float(proba[i])) for i in order]


@cache
def classifier(audience: Audience) -> IntentClassifier:
    return IntentClassifier(load_bank(audience))


class OfflineRouter:
    """Rules for refusals and writes, then the classifier."""

    def __init__(self, audience: Audience) -> None:
        self.audience = audience
        self.clf = classifier(audience)

    def route(self, text: str, own_installation: str | None = None) -> Route:
        s = normalize(text)
        if _INJECTION.search(s):
            return Route("other_customer", 1.0, rule="injection")
        if self.audience == "operator" and _WRITE.search(s):
            return Route("write_request", 1.0, rule="write_verb")
        if self.audience == "customer":
            numbers = [n for n in re.findall(r"\b\d{7,15}\b", s) if n != own_installation]
            asks_data = re.search(r"consumo|conta|fatura|dados|instalac|medidor|leitura|gasto|cpf|telefone|endereco", s)
            if numbers and asks_data and not re.search(r"\b(cpf|final|termina|digitos)\b", s):
                return Route("other_customer", 1.0, rule="other_installation_number")
            if _OTHER_PERSON.search(s) and asks_data:
                return Route("other_customer", 1.0, rule="other_person")
        preds = self.clf.predict(text)
        intent, conf = preds[0]
        return Route(intent, conf, alternatives=tuple(preds[1:]))
