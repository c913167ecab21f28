"""Versioned reference data for billing: tariffs, bandeiras, taxes, CIP, SCEE, postos, rules.

The data live as TOML files in ``tools/reference/data/`` (one per topic, tariffs one per
distributor) and are read with :mod:`importlib.resources`; floats are parsed as
:class:`decimal.Decimal` so every value is exact. Each record keeps its ``source`` and a
``status`` (``confirmed`` | ``unconfirmed`` | ``reference``); values marked UNCONFIRMED in
``shared/domain/regulation.md`` stay unconfirmed here, and documented defaults/stand-ins are
``reference``. See ``docs/reference-data.md``.

Usage::

    from tools.reference import load_reference
    ref = load_reference()
    ref.tariff_lines("CPFL_PAULISTA", "B1", "branca", "residencial", date(2026, 10, 1))
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import replace
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from tools.domain.billing_reference import (
    BandeiraMonth,
    BandeiraValue,
    Cip,
    FioB,
    IcmsBand,
    PisCofins,
    Ref,
    ReferenceData,
    Rules,
    TariffRecord,
    weakest,
)
from tools.domain.calendar import PostoSchedule

__all__ = ["ReferenceData", "load_reference", "read_file", "reference_files"]

_PKG = "tools.reference"


def _data_dir() -> Any:
    return resources.files(_PKG) / "data"


def reference_files() -> list[str]:
    """Relative names of all data files (``tariffs/cpfl_paulista.toml`` ...)."""
    base = _data_dir()
    out = [e.name for e in base.iterdir() if e.name.endswith(".toml")]
    out += [f"tariffs/{e.name}" for e in (base / "tariffs").iterdir() if e.name.endswith(".toml")]
    return sorted(out)


def read_file(name: str) -> dict[str, Any]:
    """Parse one data file (floats as Decimal)."""
    node = _data_dir()
    for part in name.split("/"):
        node = node / part
    return tomllib.loads(node.read_text(encoding="utf-8"), parse_float=Decimal)


def _ref(rec: dict[str, Any], defaults: dict[str, Any] | None = None) -> Ref:
    d = {**(defaults or {}), **rec}
    return Ref(
        str(d.get("source", "")),
        d.get("status", "confirmed"),
        str(d.get("url", "")),
        str(d.get("note", "")),
        str(d.get("cite", "")),
    )


def _dec(x: Any) -> Decimal:
    return x if isinstance(x, Decimal) else Decimal(str(x))


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def _tariffs(doc: dict[str, Any]) -> list[TariffRecord]:
    dist = doc["meta"]["distributor"]
    defaults = doc.get("defaults", {})
    out: list[TariffRecord] = []
    for rec in doc.get("tariff", []):
        d = {**defaults, **rec}
        out.append(
            TariffRecord(
                distributor=dist,
                subgroup=d["subgroup"],
                modality=d["modality"],
                subclass=d["subclass"],
                posto=d["posto"],
                component=d.get("component", "energy"),
                tusd=_dec(d["tusd"]),
                te=_dec(d["te"]),
                reh=d["reh"],
                valid_from=d["valid_from"],
                valid_to=d["valid_to"],
                ref=_ref(rec, defaults),
                detail=d.get("detail", "normal"),
            )
        )
    for st in doc.get("stand_in", []):
        for rec in [r for r in out if r.reh == st["copy_of_reh"]]:
            out.append(
                replace(
                    rec,
                    reh=f"{rec.reh} (stand-in)",
                    valid_from=st["valid_from"],
                    valid_to=st["valid_to"],
                    ref=Ref(st["source"], "reference", rec.ref.url, st.get("note", ""), rec.ref.cite),
                )
            )
    for sg in doc.get("subgroup_stand_in", []):
        for rec in [
            r
            for r in out
            if r.subgroup == sg["copy_of_subgroup"]
            and r.subclass == sg["copy_of_subclass"]
            and r.detail == "normal"
        ]:
            out.append(
                replace(
                    rec,
                    subgroup=sg["subgroup"],
                    subclass="any",
                    reh=rec.reh if rec.reh.endswith("(stand-in)") else f"{rec.reh} (stand-in)",
                    ref=Ref(
                        f"{sg['source']}; {rec.reh}", "reference", rec.ref.url, rec.ref.note, rec.ref.cite
                    ),
                )
            )
    return out


@cache
def load_reference() -> ReferenceData:
    """Load and validate every reference file (cached)."""
    versions: dict[str, str] = {}
    tariffs: list[TariffRecord] = []
    for name in reference_files():
        doc = read_file(name)
        versions[name] = str(doc.get("meta", {}).get("version", ""))
        if name.startswith("tariffs/"):
            tariffs.extend(_tariffs(doc))

    band = read_file("bandeiras.toml")
    bandeira_values = tuple(
        BandeiraValue(v["flag"], _dec(v["rs_mwh"]), v["valid_from"], v["valid_to"], _ref(v))
        for v in band.get("value", [])
    )
    bandeira_months = tuple(BandeiraMonth(m["month"], m["flag"], _ref(m)) for m in band.get("month", []))

    taxes = read_file("taxes_sp.toml")
    icms = tuple(
        IcmsBand(
            b["state"],
            b["customer_class"],
            _dec(b["max_kwh"]) if "max_kwh" in b else None,
            _dec(b["rate"]),
            b["valid_from"],
            _ref(b),
        )
        for b in taxes.get("icms", [])
    )
    pis_cofins = tuple(
        PisCofins(p["distributor"], p["month"], _dec(p["pis"]), _dec(p["cofins"]), _ref(p))
        for p in taxes.get("pis_cofins", [])
    )

    cip = tuple(
        Cip(c["municipality"], _dec(c["amount"]), _ref(c)) for c in read_file("cip.toml").get("cip", [])
    )

    scee = read_file("scee.toml")
    fio_b = tuple(
        FioB(
            f["distributor"],
            f["modality"],
            f["posto"],
            _dec(f["rs_mwh"]),
            f["valid_from"],
            f["valid_to"],
            _ref(f),
        )
        for f in scee.get("fio_b", [])
    )
    shares = {int(s["year"]): (_dec(s["share"]), _ref(s)) for s in scee.get("fio_b_share", [])}

    postos_doc = read_file("postos.toml").get("postos", {})
    postos = {
        dist: PostoSchedule(
            distributor=dist,
            ponta=tuple((_minutes(a), _minutes(b)) for a, b in p["ponta"]),
            intermediario=tuple((_minutes(a), _minutes(b)) for a, b in p.get("intermediario", [])),
            status=weakest(p.get("ponta_status", "reference"), p.get("intermediario_status", "reference")),
            source=p.get("source", ""),
            cite=p.get("cite", ""),
        )
        for dist, p in postos_doc.items()
    }

    rules_doc = read_file("rules.toml").get("rule", {})
    rules = Rules(
        values={k: _dec(v["value"]) for k, v in rules_doc.items()},
        refs={k: _ref(v) for k, v in rules_doc.items()},
    )
    ref = ReferenceData(
        tariffs=tuple(tariffs),
        bandeira_values=bandeira_values,
        bandeira_months=bandeira_months,
        icms=icms,
        pis_cofins=pis_cofins,
        cip=cip,
        fio_b=fio_b,
        fio_b_share=shares,
        postos=postos,
        rules=rules,
        versions=versions,
    )
    _validate(ref)
    return ref


def _validate(ref: ReferenceData) -> None:
    """Structural checks that catch a mistyped file early."""
    statuses = {"confirmed", "unconfirmed", "reference"}
    for t in ref.tariffs:
        if t.ref.status not in statuses:
            raise ValueError(f"bad status {t.ref.status!r} in tariff {t}")
        if t.valid_to < t.valid_from:
            raise ValueError(f"tariff validity reversed: {t}")
        if t.component == "energy" and not (Decimal(0) < t.total < Decimal(5000)):
            raise ValueError(f"energy tariff out of range (R$/MWh): {t}")
    for b in ref.bandeira_months:
        dt.date.fromisoformat(b.month + "-01")
    if not ref.rules.values:
        raise ValueError("rules.toml is empty")
