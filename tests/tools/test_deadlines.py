"""Deadline engine (pure) and the demo request generator, on hand-worked timelines.

Calendar facts used below (2026): Mon 12/10 (Nossa Senhora Aparecida), Mon 02/11 (Finados),
Fri 20/11 (Consciencia Negra) and Tue 17/02 (Carnaval) are national holidays.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from tools.demo.service_requests import HEADER, generate_service_requests
from tools.domain import deadlines as dl
from tools.domain.deadline_reference import load_reference, resolve_request_types

D = dt.datetime


@pytest.mark.parametrize(
    ("rtype", "opened", "area", "start", "due"),
    [
        # Fri before the Finados holiday, after 18:00 -> next business day is Tue 03/11
        ("religacao_normal", D(2026, 10, 30, 19, 0), "urbana", D(2026, 11, 3, 8, 0), D(2026, 11, 4, 8, 0)),
        # regulation.md 9.2: paid Fri 17:30 in business hours -> Sat 17:30 (weekends do not stop the count)
        (
            "religacao_normal",
            D(2026, 10, 30, 17, 30),
            "urbana",
            D(2026, 10, 30, 17, 30),
            D(2026, 10, 31, 17, 30),
        ),
        (
            "religacao_normal",
            D(2026, 10, 30, 17, 30),
            "rural",
            D(2026, 10, 30, 17, 30),
            D(2026, 11, 1, 17, 30),
        ),
        # urgent rural on Saturday before the Mon 12/10 holiday -> Tue 13/10 08:00 + 8 h
        (
            "religacao_urgencia",
            D(2026, 10, 10, 10, 0),
            "rural",
            D(2026, 10, 13, 8, 0),
            D(2026, 10, 13, 16, 0),
        ),
        ("religacao_urgencia", D(2026, 10, 30, 19, 0), "urbana", D(2026, 11, 3, 8, 0), D(2026, 11, 3, 12, 0)),
        # before 08:00 on a business day -> 08:00 of the same day (reading recorded in deadlines.json)
        ("religacao_normal", D(2026, 11, 4, 6, 30), "urbana", D(2026, 11, 4, 8, 0), D(2026, 11, 5, 8, 0)),
        # wrongful suspension reported on a Sunday: any day and time, 4 h
        (
            "religacao_suspensao_indevida",
            D(2026, 11, 1, 10, 0),
            "urbana",
            D(2026, 11, 1, 10, 0),
            D(2026, 11, 1, 14, 0),
        ),
    ],
)
def test_religacao_hours(
    rtype: str, opened: dt.datetime, area: str, start: dt.datetime, due: dt.datetime
) -> None:
    x = dl.deadline_for(rtype, opened, area)
    assert (x.count_start, x.due_at) == (start, due)


@pytest.mark.parametrize(
    ("rtype", "opened", "area", "due", "start_shifted", "due_shifted"),
    [
        # 5 dias uteis from Fri 30/10: Tue 03, Wed 04, Thu 05, Fri 06, Mon 09/11
        ("reclamacao_sem_visita", D(2026, 10, 30, 14, 0), "urbana", dt.date(2026, 11, 9), False, False),
        # regulation.md 6.3 example: protocol Mon 03/08 -> Mon 10/08
        ("reclamacao_sem_visita", D(2026, 8, 3, 10, 0), "urbana", dt.date(2026, 8, 10), False, False),
        # opened on Saturday: cientificacao moves to Tue 03/11 (Mon is Finados), 5 d.u. -> Tue 10/11
        ("reclamacao_sem_visita", D(2026, 10, 31, 10, 0), "urbana", dt.date(2026, 11, 10), True, False),
        ("reclamacao_com_visita", D(2026, 10, 30, 14, 0), "urbana", dt.date(2026, 11, 16), False, False),
        # Carnaval Tue 17/02 skipped: Mon 16, Wed 18, Thu 19, Fri 20, Mon 23
        ("reclamacao_sem_visita", D(2026, 2, 13, 9, 0), "urbana", dt.date(2026, 2, 23), False, False),
        # titularidade 3 d.u. urban / 5 rural across Fri 20/11 (Consciencia Negra)
        ("alteracao_titularidade", D(2026, 11, 18, 11, 0), "urbana", dt.date(2026, 11, 24), False, False),
        ("alteracao_titularidade", D(2026, 11, 18, 11, 0), "rural", dt.date(2026, 11, 26), False, False),
        # 30 continuous days from Fri 09/10 end on Sun 08/11 -> Mon 09/11
        ("inspecao_medidor", D(2026, 10, 9, 10, 0), "urbana", dt.date(2026, 11, 9), False, True),
        # regulation.md 9.3: damage claim Thu 12/03; refrigerator 1 d.u. -> Fri 13/03; TV 10 days -> Sun 22 -> Mon 23/03
        (
            "ressarcimento_verificacao_refrigeracao",
            D(2026, 3, 12, 10, 0),
            "urbana",
            dt.date(2026, 3, 13),
            False,
            False,
        ),
        ("ressarcimento_verificacao", D(2026, 3, 12, 10, 0), "urbana", dt.date(2026, 3, 23), False, True),
        # result 15 days after a verification on Fri 20/03 -> Sat 04/04 -> Mon 06/04
        ("ressarcimento_danos", D(2026, 3, 20, 10, 0), "urbana", dt.date(2026, 4, 6), False, True),
        # payment 20 days after the result of Mon 06/04 -> Sun 26/04 -> Mon 27/04
        ("ressarcimento_pagamento", D(2026, 4, 6, 10, 0), "urbana", dt.date(2026, 4, 27), False, True),
        # voltage complaint: 15 days from Wed 01/10 -> Thu 16/10
        ("verificacao_tensao", D(2026, 10, 1, 10, 0), "urbana", dt.date(2026, 10, 16), False, False),
    ],
)
def test_day_counted(
    rtype: str, opened: dt.datetime, area: str, due: dt.date, start_shifted: bool, due_shifted: bool
) -> None:
    x = dl.deadline_for(rtype, opened, area)
    assert x.due_date == due
    assert x.due_at == dt.datetime.combine(due, dt.time(23, 59, 59))
    assert (x.start_shifted, x.due_shifted) == (start_shifted, due_shifted)


def test_business_days_pv_and_compensation() -> None:
    """regulation.md 6.3: P = 5 d.u., protocol Mon 03/08, solved Wed 12/08 -> Pv = 7; Tipo 2 (k2 = 20).

    k1 = 0.5 x 60 = 30 (monofasico, reference value); VRC = 40 -> C = 30 + 20 x 40 x 2/5 = 350.
    """
    r = dl.assess_one(
        "reclamacao_sem_visita",
        D(2026, 8, 3, 10, 0),
        as_of=D(2026, 9, 1),
        status="closed",
        closed_at=D(2026, 8, 12, 15, 0),
        vrc=Decimal("40"),
    )
    assert (r["state"], r["pv"], r["pr"], r["apuracao_month"]) == ("late", Decimal(7), 5, "2026-08")
    assert r["compensation"] == Decimal("350.00")
    # executing on the non-business day right after the deadline is already late (art. 440 par. 3 I)
    r2 = dl.assess_one(
        "reclamacao_sem_visita",
        D(2026, 8, 7, 10, 0),
        as_of=D(2026, 9, 1),
        status="closed",
        closed_at=D(2026, 8, 15, 9, 0),
        vrc=Decimal("40"),
    )
    assert r2["due_date"] == dt.date(2026, 8, 14) and r2["late"] and r2["pv"] == Decimal(6)


def test_urgent_rural_compensation_group_a_and_tri() -> None:
    """Urgent rural, Sat 10/10 10:00 -> due Tue 13/10 16:00, done 18:15: Pv = 10.25 h, PR = 8.

    Group B trifasico: k1 = 0.5 x 120 = 60, k2 = 30 (Tipo 3): 60 + 30 x 18.60 x 2.25/8 = 216.9375.
    Group A: k1 = 0.5 x 250 = 125, k2 = 25: 125 + 25 x 18.60 x 2.25/8 = 255.78125.
    """
    kw = {
        "area": "rural",
        "as_of": D(2026, 11, 1),
        "status": "closed",
        "closed_at": D(2026, 10, 13, 18, 15),
        "vrc": Decimal("18.60"),
    }
    b = dl.assess_one("religacao_urgencia", D(2026, 10, 10, 10, 0), phases=3, **kw)  # type: ignore[arg-type]
    assert b["pv"] == Decimal("10.25") and b["comp_440"] == Decimal("216.9375")
    assert b["compensation"] == Decimal("216.94")
    a = dl.assess_one("religacao_urgencia", D(2026, 10, 10, 10, 0), group_code="A", **kw)  # type: ignore[arg-type]
    assert a["compensation"] == Decimal("255.78")


def test_wrongful_suspension_441() -> None:
    """Suspended Thu 05/11 10:00, reported Sat 07/11 09:00, restored Sat 15:30 (late: due 13:00).

    art. 441: T = 53.5 h; VRC = 1000 -> 1000 x 53.5/730 = 73.287... (> minimum 30);
    art. 440: Pv = 6.5 h, PR = 4 -> 30 + 30 x 1000 x 2.5/4 = 18780. Both are added (art. 441 par. 2).
    """
    r = dl.assess_one(
        "religacao_suspensao_indevida",
        D(2026, 11, 7, 9, 0),
        as_of=D(2026, 11, 26),
        status="closed",
        closed_at=D(2026, 11, 7, 15, 30),
        suspension_start=D(2026, 11, 5, 10, 0),
        vrc=Decimal("1000"),
    )
    assert r["suspension_hours"] == Decimal("53.50")
    assert r["comp_441"] == Decimal("1000") * Decimal("53.50") / Decimal(730)
    assert r["comp_440"] == Decimal("18780")
    assert r["compensation"] == Decimal("18853.29")
    small = dl.assess_one(
        "religacao_suspensao_indevida",
        D(2026, 11, 7, 9, 0),
        as_of=D(2026, 11, 26),
        status="closed",
        closed_at=D(2026, 11, 7, 12, 0),
        suspension_start=D(2026, 11, 5, 10, 0),
        vrc=Decimal("36"),
    )
    assert small["comp_440"] == 0 and small["compensation"] == Decimal("30.00")  # minimum 50 % x 60


def test_meter_evidence_decides() -> None:
    """CRM closed on time, the meter reconnected after the deadline: late and flagged."""
    frame = pd.DataFrame(
        [
            {
                "request_id": "hidden",
                "request_type": "religacao_normal",
                "area": "urbana",
                "status": "closed",
                "opened_at": D(2026, 11, 3, 10, 0),
                "closed_at": D(2026, 11, 4, 9, 0),
                "evidence_at": D(2026, 11, 4, 13, 0),
            },
            {
                "request_id": "ok",
                "request_type": "religacao_normal",
                "area": "urbana",
                "status": "closed",
                "opened_at": D(2026, 11, 3, 10, 0),
                "closed_at": D(2026, 11, 3, 15, 10),
                "evidence_at": D(2026, 11, 3, 15, 0),
            },
            {
                "request_id": "no_meter",
                "request_type": "religacao_normal",
                "area": "urbana",
                "status": "closed",
                "opened_at": D(2026, 11, 3, 10, 0),
                "closed_at": D(2026, 11, 3, 15, 0),
                "evidence_at": None,
            },
            {
                "request_id": "still_open",
                "request_type": "religacao_normal",
                "area": "urbana",
                "status": "open",
                "opened_at": D(2026, 11, 3, 10, 0),
                "closed_at": None,
                "evidence_at": D(2026, 11, 3, 12, 0),
            },
            {
                "request_id": "open_late",
                "request_type": "religacao_urgencia",
                "area": "urbana",
                "status": "open",
                "opened_at": D(2026, 11, 5, 10, 0),
                "closed_at": None,
                "evidence_at": None,
            },
            {
                "request_id": "weird",
                "request_type": "nao_existe",
                "area": "urbana",
                "status": "open",
                "opened_at": D(2026, 11, 5, 10, 0),
                "closed_at": None,
                "evidence_at": None,
            },
        ]
    )
    out = dl.evaluate_timing(frame, D(2026, 11, 5, 15, 0)).set_index("request_id")
    assert out.loc["hidden", "state"] == "late" and out.loc["hidden", "hidden_late"]
    assert out.loc["hidden", "meter_flag"] == "closed_before_meter" and out.loc["hidden", "pv"] == Decimal(27)
    assert (out.loc["ok", "state"], out.loc["ok", "meter_flag"]) == ("on_time", "confirmed")
    assert (out.loc["no_meter", "done_source"], out.loc["no_meter", "meter_flag"]) == (
        "system",
        "closed_not_confirmed",
    )
    assert (out.loc["still_open", "state"], out.loc["still_open", "meter_flag"]) == (
        "on_time",
        "meter_done_still_open",
    )
    assert out.loc["open_late", "state"] == "open_late" and out.loc[
        "open_late", "remaining_hours"
    ] == Decimal("-1.00")
    assert out.loc["weird", "state"] == "unknown_type"


def test_resolve_request_types() -> None:
    assert resolve_request_types("religacao") == (
        "religacao_normal",
        "religacao_suspensao_indevida",
        "religacao_urgencia",
    )
    assert resolve_request_types("Religa\u00e7\u00e3o") == resolve_request_types("religacao")
    assert resolve_request_types("aferi\u00e7\u00e3o") == ("inspecao_medidor",)
    assert resolve_request_types("ligacao nova") == (
        "ligacao_nova",
        "ligacao_nova_mt",
        "orcamento_conexao",
    )
    assert resolve_request_types("xyz") == ()


def test_reference_statuses() -> None:
    ref = load_reference()
    assert ref.compensation.art440_ref.status == "reference"
    assert ref.compensation.inspection_ref.status == "unconfirmed"
    assert all(r.status == "confirmed" and r.anexo_iv_type in (1, 2, 3) for r in ref.rules.values())
    assert ref.rules["religacao_normal"].amount("rural") == 48


# ----------------------------------------------------------------------------- generator


def _fleet(tmp: Path) -> None:
    (tmp / "installations.csv").write_text(
        "installation_id,meter_id,area,municipality\n"
        "40010025,M25,urbana,Campinas\n40010026,M26,urbana,Limeira\n40010027,M27,urbana,Campinas\n"
        "40010001,M1,urbana,Campinas\n40010002,M2,rural,Limeira\n",
        encoding="utf-8",
    )
    (tmp / "events_2026-10.csv").write_text(
        "installation_id,ts,code,value\n"
        "40010025,2026-10-16 09:40:00,30,\n40010025,2026-10-16 15:45:00,31,\n"
        "40010026,2026-10-30 14:05:00,30,\n40010026,2026-11-01 16:35:00,31,\n"
        "40010001,2026-10-20 10:00:00,12,\n40010001,2026-10-21 03:00:00,1,\n40010001,2026-10-21 04:00:00,2,\n"
        "40010002,2026-11-20 10:00:00,30,\n",
        encoding="utf-8",
    )
    meta = {
        "start": "2026-09-01",
        "end": "2026-11-25",
        "suspensions": [
            {
                "installation_id": "40010025",
                "disconnect_ts": "2026-10-16 09:40:00",
                "payment_ts": "2026-10-16 11:35:00",
                "reconnect_ts": "2026-10-16 15:45:00",
            },
            {
                "installation_id": "40010026",
                "disconnect_ts": "2026-10-30 14:05:00",
                "payment_ts": "2026-10-31 10:20:00",
                "reconnect_ts": "2026-11-01 16:35:00",
            },
        ],
    }
    (tmp / "metadata.json").write_text(json.dumps(meta), encoding="utf-8")


def test_generator_stream(tmp_path: Path) -> None:
    _fleet(tmp_path)
    n = generate_service_requests(tmp_path, seed=7)
    df = pd.read_csv(tmp_path / "service_requests.csv", dtype=str, keep_default_na=False)
    assert tuple(df.columns) == HEADER and len(df) == n
    assert df["request_id"].is_unique
    rel = df[df["request_type"].str.startswith("religacao")].set_index("installation_id")
    # paid Sat 31/10 10:20 -> count from Tue 03/11 08:00 (Mon Finados) -> due Wed 04/11 08:00: on time
    assert rel.loc["40010026", "opened_at"] == "2026-10-31 10:20:00"
    assert rel.loc["40010026", "status"] in ("closed", "open")
    # still suspended at the end of the data: open request, no closing
    assert rel.loc["40010002", "status"] == "open" and rel.loc["40010002", "closed_at"] == ""
    closed = df[df["status"] != "open"]
    assert (pd.to_datetime(closed["closed_at"]) >= pd.to_datetime(closed["opened_at"])).all()
    assert (pd.to_datetime(df["opened_at"]) < pd.Timestamp("2026-11-26")).all()
    assert set(df["request_type"]) <= set(load_reference().rules)
    assert {"verificacao_tensao", "medicao_tensao_168h"} & set(
        df["request_type"]
    )  # undervoltage -> complaint
    # deterministic
    first = (tmp_path / "service_requests.csv").read_bytes()
    generate_service_requests(tmp_path, seed=7)
    assert (tmp_path / "service_requests.csv").read_bytes() == first


def test_generator_hides_a_late_reconnection(tmp_path: Path) -> None:
    """Paid Tue 10:20, meter reconnected 30 h later: late by the meter, closed on time in the CRM."""
    _fleet(tmp_path)
    meta = json.loads((tmp_path / "metadata.json").read_text())
    meta["suspensions"][1].update(payment_ts="2026-11-03 10:20:00", reconnect_ts="2026-11-04 16:35:00")
    (tmp_path / "metadata.json").write_text(json.dumps(meta))
    generate_service_requests(tmp_path, seed=3)
    df = pd.read_csv(tmp_path / "service_requests.csv", dtype=str, keep_default_na=False)
    row = df[(df["installation_id"] == "40010026") & (df["request_type"] == "religacao_normal")].iloc[0]
    assert row["status"] == "closed"
    assert pd.Timestamp(row["closed_at"]) <= pd.Timestamp("2026-11-04 10:20:00")  # before the 24 h deadline
    out = dl.evaluate_timing(
        pd.DataFrame([{**row.to_dict(), "evidence_at": D(2026, 11, 4, 16, 35)}]), D(2026, 11, 26)
    )
    assert bool(out.iloc[0]["hidden_late"])
