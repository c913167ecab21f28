"""The copilot's engagement page under Streamlit's AppTest, on the demo store: the figures shown
are those of engagement_figures run directly, in Brazilian formats, and the calls-avoided figure
carries its assumption in plain words."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from assistant.render import fmt_value

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "operator_ui" / "streamlit_app.py")


@pytest.fixture(scope="module", autouse=True)
def ui_home(demo_home: Path) -> Any:
    from operator_ui import resources

    mp = pytest.MonkeyPatch()
    mp.setenv("SMARTMETER_HOME", str(demo_home))
    resources.clear()
    yield demo_home
    resources.clear()
    mp.undo()


def _metric(at: AppTest, label: str) -> str:
    values = [m.value for m in at.metric if m.label.replace("\\$", "$") == label]
    assert values, f"no metric {label!r} in {[m.label for m in at.metric]}"
    return str(values[0])


def test_engagement_page_shows_the_tool_figures(demo_home: Path) -> None:
    from tools.api import Scope, ToolContext, run_tool
    from tools.api.admin import open_store

    store = open_store(demo_home, read_only=True)
    try:
        fig = run_tool("engagement_figures", ToolContext(store=store, scope=Scope.operator()), None,
                       {"period": "last_30_days"}).value
    finally:
        store.close()
    at = AppTest.from_file(APP, default_timeout=180).run()
    at.switch_page("app_pages/engagement.py").run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == "Engajamento"
    assert _metric(at, "Avisos de falta de energia") == "12"
    assert _metric(at, "Participantes dos desafios") == fmt_value(fig.participants) == "1"
    assert _metric(at, "Consumo na ponta antes do desafio") == fmt_value(fig.ponta_share_before, "fraction")
    assert _metric(at, "Consumo na ponta durante o desafio") == fmt_value(fig.ponta_share_after, "fraction")
    assert _metric(at, "Avisos de falta enviados") == "12"
    assert _metric(at, "Ligações evitadas (estimativa)") == "1,2"  # 12 avisos x 10 %
    assert any("1 em cada 10 clientes avisados" in c.value for c in at.caption)
    assert len(at.get("vega_lite_chart")) >= 1
    at.selectbox(key="e_period").set_value("this_month").run()
    assert not at.exception
