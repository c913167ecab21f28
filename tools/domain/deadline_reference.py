"""Reference data of the regulated service deadlines: ``tools/reference/deadlines.json`` parsed.

One :class:`DeadlineRule` per request type (REN 1.000/2021 Anexo IV and arts. 362-365, 408-409,
438), the compensation coefficients of arts. 440-441 (:class:`CompensationParams`), counting and
evidence settings, and the request-type lookup by family, key or alias. The engine is
:mod:`tools.domain.deadlines`; the file is read by :mod:`tools.reference.deadlines` (this module
does no I/O).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from tools.types import TrailRef
from tools.units import d

Unit = Literal["hours", "days", "business_days"]
StartRule = Literal["business_hours", "any_time", "art656"]


@dataclass(frozen=True, slots=True)
class DeadlineRule:
    """Deadline of one request type (one row of ``deadlines.json``)."""

    request_type: str
    family: str
    unit: Unit
    amount_urbana: int
    amount_rural: int
    article: str
    anexo_iv_type: int | None  # 1, 2, 3 or None (no Anexo IV compensation)
    start: StartRule
    evidence: str | None  # reconnection | voltage_week | first_reading | None
    status: str  # confirmed | unconfirmed | reference
    wrongful_suspension: bool = False
    note: str = ""

    def amount(self, area: str | None) -> int:
        return self.amount_rural if (area or "").lower() == "rural" else self.amount_urbana

    @property
    def ref(self) -> TrailRef:
        return TrailRef(self.article, self.status)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class CompensationParams:
    """Coefficients of arts. 440-441 and the reference monetary bases."""

    k1_share: Decimal  # of the custo administrativo de inspecao
    k2: Mapping[str, Mapping[int, Decimal]]  # group (A|B) -> Anexo IV tipo -> k2
    inspection_cost: Mapping[str, Decimal]  # monofasico | bifasico | trifasico | grupo_a [R$]
    fio_b_rs_kwh: Decimal  # TUSD Fio B [R$/kWh]
    art441_multiplier: Decimal
    hours_per_month: Decimal
    art441_min_share: Decimal
    art440_ref: TrailRef
    art440_coeff_ref: TrailRef
    art441_ref: TrailRef
    inspection_ref: TrailRef
    fio_b_ref: TrailRef
    art440_equation: str
    art441_equation: str


@dataclass(frozen=True, slots=True)
class DeadlineReference:
    version: str
    rules: Mapping[str, DeadlineRule]
    aliases: Mapping[str, str]
    compensation: CompensationParams
    business_open: dt.time
    business_close: dt.time
    counting_ref: TrailRef
    start_shift_ref: TrailRef
    religacao_start_ref: TrailRef
    reconnection_codes: tuple[int, ...]
    suspension_code: int
    closed_tolerance: dt.timedelta
    voltage_search_days: int
    voltage_ref: TrailRef


def _status(s: Any) -> Any:
    return s if s in ("confirmed", "unconfirmed", "reference") else "reference"


def parse_reference(data: Mapping[str, Any]) -> DeadlineReference:
    """Build the :class:`DeadlineReference` from the parsed ``deadlines.json``."""
    rules: dict[str, DeadlineRule] = {}
    for key, r in data["request_types"].items():
        amount = r["amount"]
        rules[key] = DeadlineRule(
            request_type=key,
            family=r["family"],
            unit=r["unit"],
            amount_urbana=int(amount["urbana"]),
            amount_rural=int(amount.get("rural", amount["urbana"])),
            article=r["article"],
            anexo_iv_type=None if r.get("anexo_iv_type") is None else int(r["anexo_iv_type"]),
            start=r["start"],
            evidence=r.get("evidence"),
            status=_status(r.get("status")),
            wrongful_suspension=bool(r.get("wrongful_suspension", False)),
            note=r.get("note", ""),
        )
    c = data["compensation"]
    a440, a441 = c["art440"], c["art441"]
    insp, fio_b = c["custo_administrativo_inspecao_rs"], c["tusd_fio_b_rs_mwh"]
    params = CompensationParams(
        k1_share=d(a440["k1_share_of_inspection_cost"]),
        k2={g: {int(t): d(v) for t, v in m.items()} for g, m in a440["k2"].items()},
        inspection_cost={k: d(v) for k, v in insp["values"].items()},
        fio_b_rs_kwh=d(fio_b["value"]) / 1000,
        art441_multiplier=d(a441["multiplier"]),
        hours_per_month=d(a441["hours_per_month"]),
        art441_min_share=d(a441["minimum_share_of_inspection_cost"]),
        art440_ref=TrailRef(f"{a440['article']} (equation form)", _status(a440["equation_status"])),
        art440_coeff_ref=TrailRef(
            f"{a440['article']} (k1, k2, VRC, Pv, PR)", _status(a440["coefficients_status"])
        ),
        art441_ref=TrailRef(a441["article"], _status(a441["equation_status"])),
        inspection_ref=TrailRef(insp["source"], _status(insp["status"])),
        fio_b_ref=TrailRef(fio_b["source"], _status(fio_b["status"])),
        art440_equation=a440["equation"],
        art441_equation=a441["equation"],
    )
    cnt, bh, ev = data["counting"], data["religacao_business_hours"], data["evidence"]
    return DeadlineReference(
        version=str(data.get("version", "")),
        rules=rules,
        aliases=dict(data.get("aliases", {})),
        compensation=params,
        business_open=dt.time.fromisoformat(bh["opens"]),
        business_close=dt.time.fromisoformat(bh["closes"]),
        counting_ref=TrailRef(cnt["article"], _status(cnt["status"])),
        start_shift_ref=TrailRef(
            f"{cnt['article']}, \u00a7 3 (start day on a non-business day)",
            _status(cnt["start_shift_status"]),
        ),
        religacao_start_ref=TrailRef(bh["article"], _status(bh["status"])),
        reconnection_codes=tuple(int(x) for x in ev["reconnection_codes"]),
        suspension_code=int(ev["suspension_code"]),
        closed_tolerance=dt.timedelta(minutes=int(ev["closed_tolerance_minutes"])),
        voltage_search_days=int(ev["voltage"]["search_days"]),
        voltage_ref=TrailRef(ev["voltage"]["article"], _status(ev["voltage"]["status"])),
    )


def load_reference() -> DeadlineReference:
    """The packaged ``tools/reference/deadlines.json``, as read by its loader
    (:func:`tools.reference.deadlines.load_deadline_reference`, read once): the default of the
    functions here and in :mod:`tools.domain.deadlines` when no reference is passed."""
    from tools.reference.deadlines import load_deadline_reference  # the loader imports this module

    return load_deadline_reference()


def resolve_request_types(query: str | None, ref: DeadlineReference | None = None) -> tuple[str, ...]:
    """Request types of a family (``religacao``), of a type key or of an alias; all when None.

    A word that is both a family and a type (``ligacao_nova``) gives the whole family.
    Unknown words give an empty tuple. Matching ignores case, accents, spaces and hyphens.
    """
    ref = ref or load_reference()
    if query is None or not str(query).strip():
        return tuple(sorted(ref.rules))
    q = unicodedata.normalize("NFKD", str(query)).encode("ascii", "ignore").decode("ascii")
    q = q.strip().lower().replace(" ", "_").replace("-", "_")
    q = ref.aliases.get(q, q)
    family = tuple(sorted(k for k, r in ref.rules.items() if r.family == q))
    if family:
        return family
    return (q,) if q in ref.rules else ()
