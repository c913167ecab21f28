"""WhatsApp presentation: WhatsApp markup, short lines, charts with title/axes/units, and a signed
conversation on a real server where the CPF digits are understood before the bot asks.

``SMARTMETER_SCREENSHOT_DIR=docs/screenshots`` also writes the transcript and the chart image there.
"""

from __future__ import annotations

import io
import os
import re
import uuid
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest
from PIL import Image
from twilio.request_validator import RequestValidator

from channels.charts import nice_ticks, series, to_png, to_svg
from channels.config import ChannelSettings
from channels.whatsapp import format_reply
from tests.channels.server import free_port, running_server
from tools.api.admin import demo_metadata

TOKEN = "twilio-test-token"


def test_markdown_becomes_whatsapp_markup():
    text = "Quando a luz cai.\n\n## Os indicadores\n- **DIC**: horas sem energia.\n- **FIC**: vezes."
    assert format_reply(text) == "Quando a luz cai.\n\n*Os indicadores*\n• *DIC*: horas sem energia.\n• *FIC*: vezes."


def test_first_figure_bold_and_long_paragraph_one_sentence_per_line():
    text = ("Sua conta de novembro/2026 (consumo de 19/10/2026 a 17/11/2026, 30 dias) ficou estimada em R$ 198,97, "
            "para 213,0 kWh. Impostos incluídos: ICMS R$ 35,81. Em relação à conta anterior, R$ 13,90 a menos.")
    out = format_reply(text).split("\n")
    assert out[0].endswith("ficou estimada em *R$ 198,97*, para 213,0 kWh.")  # the first figure, once
    assert out[1] == "Impostos incluídos: ICMS R$ 35,81."
    assert out[2] == "Em relação à conta anterior, R$ 13,90 a menos."
    assert "art. 284" in format_reply("Veja a REN 1.000/2021, art. 284. " + "x" * 160)  # "art. 2" is not a sentence end


def test_chart_axes_units_and_pt_br_labels():
    daily = {"kind": "bar", "key": "daily",
             "data": [{"day": f"2026-11-{d:02d}", "kwh": "6.9" if d % 2 else "4.25", "coverage": 1.0} for d in range(1, 31)]}
    s = series(daily)
    assert s.title == "Consumo por dia (kWh)" and s.unit == "kWh"
    assert s.labels[0] == "01/11" and s.long_labels[0] == "01/11/2026"
    assert nice_ticks(6.9) == [0, 2, 4, 6, 8]  # 6,9 rounds up to the next step of 2
    svg = to_svg(daily)
    assert "<title>01/11/2026: 6,9 kWh</title>" in svg  # pt-BR tooltip, not "6.9"
    assert ">8 kWh</text>" in svg and ">0 kWh</text>" in svg  # y-axis with unit
    assert nice_ticks(9.6) == [0, 2.5, 5, 7.5, 10]
    tall = {"kind": "bar", "key": "daily", "data": [{"day": "2026-11-01", "kwh": "9.6"}, {"day": "2026-11-02", "kwh": "3"}]}
    assert ">7,5 kWh</text>" in to_svg(tall) and ">2,5 kWh</text>" in to_svg(tall)  # not rounded to "8" and "2"
    hourly = {"kind": "bar", "key": "hourly", "data": [{"hour": h, "mean_w": 100.0 + 60 * h} for h in range(24)]}
    hs = series(hourly)
    assert hs.labels[18] == "18h" and hs.long_labels[18] == "18h às 19h" and hs.unit == "W"
    assert ">1.500 W</text>" in to_svg(hourly)  # 1.480 W peak → axis up to 1.500 W, pt-BR thousands
    assert to_svg({"kind": "bar", "key": "daily", "data": [{"day": "2026-11-25", "kwh": "7.1"}]}) == ""  # one bar says nothing
    img = Image.open(io.BytesIO(to_png(daily)))
    assert img.size == (800, 440)
    dark = sum(1 for px in img.crop((0, 0, 800, 50)).getdata() if px[0] < 120)
    assert dark > 200  # the title is drawn in the top band


@pytest.mark.integration
def test_signed_whatsapp_conversation_cpf_before_asked_and_chart(demo_home, demo_store):
    # a customer no other test talks to (their WhatsApp session would continue here), read from the register
    [(inst, phone, cpf)] = demo_store.rows(
        "SELECT installation_id, phone, cpf FROM customers WHERE installation_id = '40010003'")
    cust = {"installation_id": inst, "phone": phone, "cpf_last4": cpf[-4:]}
    port = free_port()
    settings = ChannelSettings(home=str(demo_home), public_url=f"http://127.0.0.1:{port}", twilio_auth_token=TOKEN,
                               media_secret="whatsapp-format-media-secret-0123", rate_per_phone_per_min=1000)
    transcript: list[str] = []
    media: list[str] = []
    with running_server(settings, port) as base:
        url = base + "/v1/channels/whatsapp"

        def say(text: str, n: int) -> str:
            form = {"From": f"whatsapp:{cust['phone']}", "Body": text, "MessageSid": "SM" + uuid.uuid4().hex}
            sig = RequestValidator(TOKEN).compute_signature(url, form)
            r = httpx.post(url, data=form, headers={"X-Twilio-Signature": sig}, timeout=60)
            assert r.status_code == 200, r.text
            root = ElementTree.fromstring(r.text)
            bodies = [(m.text or "").strip() for m in root.iter("Message")]
            media.extend(m.text or "" for m in root.iter("Media"))
            transcript.append(f"Cliente: {text}")
            transcript.extend(f"Assistente: {b}" for b in bodies)
            return "\n".join(bodies)

        say("oi", 1)
        confirmed = say(cust["cpf_last4"], 2)  # sent before the bot asked: the registered phone's installation
        assert "identificação confirmada" in confirmed, transcript
        reply = say("quanto consumi nos últimos 30 dias?", 3)
        assert re.search(r"\*[\d.]+,\d kWh\*|\*R\$ [\d.]+,\d{2}\*", reply)  # the figure in WhatsApp bold
        assert "**" not in reply and not re.search(r"^#", reply, re.M)
        assert max(len(line) for line in reply.splitlines()) <= 400
        assert media, "a chart image URL"
        png = httpx.get(media[-1], timeout=30)
        assert png.status_code == 200 and png.headers["content-type"] == "image/png"
        say("faltou energia ontem?", 4)
    target = os.environ.get("SMARTMETER_SCREENSHOT_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        (Path(target) / "whatsapp-conversa.txt").write_text(
            "Conversa pelo WhatsApp (webhook Twilio assinado, servidor real, dados de demonstração)\n\n"
            + "\n\n".join(transcript).replace(cust["cpf_last4"], "••••") + "\n", encoding="utf-8")
        (Path(target) / "whatsapp-grafico.png").write_bytes(png.content)


def test_one_day_is_drawn_by_hour(demo_home, demo_store):
    """"Ontem" is one day: its chart is that day's kWh hour by hour, adding up to the day's total."""
    from channels.charts import with_hour_of_day
    from tools.api import Scope, ToolContext, run_tool

    inst = demo_metadata(demo_home)["demo_customer"]["installation_id"]
    day = run_tool("consumption_summary", ToolContext(store=demo_store, scope=Scope.operator()), inst, {"period": "yesterday"})
    one_bar = {"kind": "bar", "key": "daily", "data": [{"day": day.value.period.start.isoformat(), "kwh": "7.0"}]}
    [chart] = with_hour_of_day([one_bar], [day], demo_store)
    assert [r["hour"] for r in chart["data"]] == list(range(24))
    assert abs(sum(r["kwh"] for r in chart["data"]) - float(day.value.total_kwh)) < 0.05
    s = series(chart)
    assert s.unit == "kWh" and s.labels[18] == "18h" and s.title.startswith("Consumo por hora em ")
    daily = {"kind": "bar", "key": "daily", "data": [{"day": "2026-11-01", "kwh": "1"}, {"day": "2026-11-02", "kwh": "2"}]}
    assert with_hour_of_day([daily], [day], demo_store) == [daily]  # several days stay days
