"""Synthetic identities for the demo fleet: titular names, CPF (valid check digits), phones,
municipalities. Names are ASCII upper case, as many distributor registers keep them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tools.data import schema

DEMO_PHONE = "+5519990010001"
DEMO_CPF_BASE = "390533447"

#: (municipality, phone area code) served by each distributor.
PAULISTA_CITIES = tuple(
    tuple(x.split(":"))
    for x in (
        "Campinas:19,Ribeirao Preto:16,Bauru:14,Sao Jose do Rio Preto:17,Piracicaba:19,Araraquara:16,"
        "Sao Carlos:16,Franca:16,Limeira:19,Americana:19,Marilia:14,Presidente Prudente:18"
    ).split(",")
)
PIRATININGA_CITIES = tuple(
    tuple(x.split(":")) for x in "Sorocaba:15,Jundiai:11,Santos:13,Indaiatuba:19,Itu:11".split(",")
)
FIRST_NAMES = (
    "MARIA ANA FRANCISCA ANTONIA ADRIANA JULIANA MARCIA FERNANDA PATRICIA ALINE JOSE JOAO ANTONIO "
    "FRANCISCO CARLOS PAULO PEDRO LUCAS LUIZ MARCOS RAFAEL DANIEL BRUNA CAMILA TIAGO GABRIEL BEATRIZ LETICIA"
).split()
SURNAMES = (
    "SILVA SANTOS OLIVEIRA SOUZA RODRIGUES FERREIRA ALVES PEREIRA LIMA GOMES COSTA RIBEIRO MARTINS "
    "CARVALHO ALMEIDA LOPES SOARES FERNANDES VIEIRA BARBOSA ROCHA DIAS NASCIMENTO ANDRADE MOREIRA NUNES MENDES"
).split()
COMPANY_WORDS = "METALURGICA PLASTICOS ALIMENTOS TEXTIL EMBALAGENS CERAMICA LATICINIOS".split()


def cpf_check_digits(base9: str) -> str:
    """The two CPF check digits (mod 11) of a 9-digit base."""
    nums = [int(c) for c in base9]
    for _ in range(2):
        weights = range(len(nums) + 1, 1, -1)
        r = sum(n * w for n, w in zip(nums, weights, strict=True)) % 11
        nums.append(0 if r < 2 else 11 - r)
    return f"{nums[-2]}{nums[-1]}"


def _pick(rng: np.random.Generator, words: list[str]) -> str:
    return words[int(rng.integers(len(words)))]


def customers(inst: pd.DataFrame, ddd_of_feeder: dict[int, str], seed: int) -> pd.DataFrame:
    """Customer register (schema.CUSTOMER_COLUMNS): titular name, CPF, E.164 phone."""
    seen: set[str] = set()
    out = []
    for r in inst.itertuples():
        rng = np.random.default_rng([seed, int(r.idx), 2])
        if r.idx == 1:
            base, phone = DEMO_CPF_BASE, DEMO_PHONE
        else:
            base = ""
            while not base or len(set(base)) == 1 or base + cpf_check_digits(base) in seen:
                base = "".join(str(d) for d in rng.integers(0, 10, 9))
            phone = f"+55{ddd_of_feeder[int(r.feeder_no)]}98{int(r.idx):07d}"
        cpf = base + cpf_check_digits(base)
        seen.add(cpf)
        sur = _pick(rng, SURNAMES)
        if r.kind == "group_a":
            name = f"{_pick(rng, COMPANY_WORDS)} {sur} LTDA"
        elif r.kind == "commerce":
            name = {"padaria": f"PADARIA {sur} LTDA", "loja": f"LOJA {sur} ME"}.get(
                str(r.shop_kind), f"{sur} CONTABILIDADE ME"
            )
        else:
            name = f"{_pick(rng, FIRST_NAMES)} {sur} {_pick(rng, SURNAMES)}"
        out.append(
            {
                "customer_key": r.customer_key,
                "installation_id": r.installation_id,
                "titular_name": name,
                "cpf": cpf,
                "phone": phone,
            }
        )
    return pd.DataFrame(out, columns=list(schema.CUSTOMER_COLUMNS))
