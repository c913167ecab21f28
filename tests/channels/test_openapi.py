"""The OpenAPI contract an integrator builds on: typed 200s, an X-API-Key scheme, problem+json 4xx,
described parameters with enums, offline docs — and every real response validated against the schema."""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from channels.apikeys import ApiKeyStore
from channels.config import ChannelSettings
from tests.channels.server import free_port, running_server
from tests.tiny import build_tiny

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def api(tmp_path_factory):  # type: ignore[no-untyped-def]
    home = build_tiny(tmp_path_factory.mktemp("openapi"))
    keys = ApiKeyStore(home)
    integrator = keys.create("app", "integrator", ("40010001",))
    operator = keys.create("ops", "operator")
    port = free_port()
    settings = ChannelSettings(home=str(home), public_url=f"http://127.0.0.1:{port}", rate_anonymous_per_min=1000)
    with running_server(settings, port) as base:
        spec = httpx.get(base + "/openapi.json").json()
        yield {"base": base, "spec": spec, "integrator": integrator, "operator": operator}


def _validator(spec: dict[str, Any], schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    root = Resource.from_contents({"components": spec["components"], "$schema": "https://json-schema.org/draft/2020-12/schema"},
                                  default_specification=DRAFT202012)
    registry = Registry().with_resource("urn:spec", root)
    rewritten = _rewrite_refs(schema)
    return jsonschema.Draft202012Validator(rewritten, registry=registry)


def _rewrite_refs(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: ("urn:spec" + v if k == "$ref" and v.startswith("#/") else _rewrite_refs(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_rewrite_refs(v) for v in node]
    return node


def _check(api: dict[str, Any], path: str, method: str, r: httpx.Response) -> None:
    """The response matches what the spec documents for its status and content type."""
    op = api["spec"]["paths"][path][method]
    doc = op["responses"].get(str(r.status_code))
    assert doc is not None, f"{method.upper()} {path}: status {r.status_code} undocumented ({r.text[:200]})"
    ctype = r.headers["content-type"].split(";")[0]
    assert ctype in doc.get("content", {}), f"{path} {r.status_code}: {ctype} undocumented"
    errors = sorted(_validator(api["spec"], doc["content"][ctype]["schema"]).iter_errors(r.json()), key=str)
    assert not errors, f"{method.upper()} {path} {r.status_code}: {errors[0].message} at {list(errors[0].absolute_path)}"


def test_spec_is_typed_secured_and_described(api):
    spec = api["spec"]
    assert spec["components"]["securitySchemes"]["ApiKey"] == {
        "type": "apiKey", "in": "header", "name": "X-API-Key",
        "description": spec["components"]["securitySchemes"]["ApiKey"]["description"]}
    for path, item in spec["paths"].items():
        for op in item.values():
            names = [p["name"].lower() for p in op.get("parameters", [])]
            assert "x-api-key" not in names and "authorization" not in names, path  # the scheme, not a parameter
            ok = op["responses"]["200"]
            for ctype, body in ok.get("content", {}).items():
                if ctype == "application/json":
                    assert body["schema"].get("$ref") or body["schema"].get("type") == "object" and \
                        body["schema"].get("properties"), f"{path}: free-form 200"
            for status, resp in op["responses"].items():
                if status.startswith("4"):
                    assert list(resp["content"]) == ["application/problem+json"], (path, status)
            for p in op.get("parameters", []):
                assert p.get("description"), f"{path}: parameter {p['name']} without description"
            if op.get("security") == [{"ApiKey": []}]:
                assert {"401", "403", "429"} <= set(op["responses"]), path
    params = {p["name"]: p for p in spec["paths"]["/v1/fleet/quality-ranking"]["get"]["parameters"]}
    assert params["indicator"]["schema"]["enum"] == ["DRP", "DRC", "DIC", "FIC", "DMIC"]
    assert params["level"]["schema"]["enum"] == ["meter", "transformer", "feeder"]
    events = {p["name"]: p for p in spec["paths"]["/v1/fleet/events"]["get"]["parameters"]}
    assert events["kind"]["schema"]["anyOf"][0]["enum"] == ["event", "alarm"]
    consumption = spec["paths"]["/v1/installations/{installation_id}/consumption"]["get"]
    assert "granularity" not in [p["name"] for p in consumption["parameters"]]  # not offered when not honoured
    value = spec["components"]["schemas"]["ConsumptionSummaryResult"]["properties"]["value"]
    assert value.get("$ref")  # the tool's own typed result


def test_every_route_response_matches_the_schema(api):
    base, integ, oper = api["base"], {"X-API-Key": api["integrator"]}, {"X-API-Key": api["operator"]}
    calls = [
        ("/v1/installations/{installation_id}/consumption", "/v1/installations/40010001/consumption?period=last_30_days", integ),
        ("/v1/installations/{installation_id}/consumption",
         "/v1/installations/40010001/consumption?start=2026-11-01&end=2026-11-10", integ),
        ("/v1/installations/{installation_id}/bills", "/v1/installations/40010001/bills?months=2", integ),
        ("/v1/installations/{installation_id}/bills/{ref}/explanation", "/v1/installations/40010001/bills/last_bill/explanation", integ),
        ("/v1/installations/{installation_id}/tariff-comparison", "/v1/installations/40010001/tariff-comparison?shift_pct=0.2", integ),
        ("/v1/installations/{installation_id}/gd-credits", "/v1/installations/40010001/gd-credits", integ),
        ("/v1/installations/{installation_id}/quality", "/v1/installations/40010001/quality?period=2026-11", integ),
        ("/v1/fleet/quality-ranking", "/v1/fleet/quality-ranking?indicator=DIC&level=feeder", oper),
        ("/v1/fleet/compensation-exposure", "/v1/fleet/compensation-exposure?group_by=transformer", oper),
        ("/v1/fleet/events", "/v1/fleet/events?kind=alarm", oper),
        ("/v1/fleet/completeness", "/v1/fleet/completeness?group=B", oper),
        ("/healthz", "/healthz", {}),
        ("/readyz", "/readyz", {}),
    ]
    for path, url, headers in calls:
        r = httpx.get(base + url, headers=headers, timeout=60)
        assert r.status_code in (200, 404), (url, r.text[:300])  # 404 problem: a documented "no data"
        _check(api, path, "get", r)
    r = httpx.post(base + "/v1/costs/estimate", headers=oper, json={"meters": 1000}, timeout=60)
    assert r.status_code == 200, r.text[:300]
    _check(api, "/v1/costs/estimate", "post", r)
    r = httpx.post(base + "/v1/chat", json={"text": "oi", "channel": "web"}, timeout=60)
    _check(api, "/v1/chat", "post", r)


def test_examples_match_their_parameter_schemas(api):
    for path, item in api["spec"]["paths"].items():
        for op in item.values():
            for p in op.get("parameters", []):
                for example in p["schema"].get("examples", []) + p.get("examples", []) if isinstance(
                        p.get("examples", []), list) else p["schema"].get("examples", []):
                    errors = list(_validator(api["spec"], p["schema"]).iter_errors(example))
                    assert not errors, f"{path} {p['name']}: example {example!r} invalid"


MALFORMED = ["2026-13", "2026-02-31", "x" * 5000, "'; DROP TABLE x;--", "-1", "1e309", "%00", "💡", "[]", "{}"]


def test_malformed_input_is_a_4xx_problem_never_a_500(api):
    base, integ, oper = api["base"], {"X-API-Key": api["integrator"]}, {"X-API-Key": api["operator"]}
    targets = [
        ("/v1/installations/{installation_id}/consumption", "/v1/installations/40010001/consumption", ["period", "start", "end"], integ),
        ("/v1/installations/{installation_id}/bills", "/v1/installations/40010001/bills", ["months"], integ),
        ("/v1/installations/{installation_id}/tariff-comparison", "/v1/installations/40010001/tariff-comparison", ["shift_pct"], integ),
        ("/v1/fleet/quality-ranking", "/v1/fleet/quality-ranking", ["indicator", "level", "period", "limit"], oper),
        ("/v1/fleet/events", "/v1/fleet/events", ["kind", "code", "group_by", "period"], oper),
        ("/v1/fleet/completeness", "/v1/fleet/completeness", ["group", "period"], oper),
    ]
    for path, url, params, headers in targets:
        for name in params:
            for bad in MALFORMED:
                r = httpx.get(base + url, params={name: bad}, headers=headers, timeout=60)
                assert 400 <= r.status_code < 500, (url, name, bad[:20], r.status_code, r.text[:200])
                _check(api, path, "get", r)
    for bad_path in ("/v1/installations/40010001/bills/2026-13/explanation", "/v1/installations/abc/consumption",
                     "/v1/knowledge/articles/..%2F..%2Fetc", "/v1/media/abc.png"):
        r = httpx.get(base + bad_path, headers=integ, timeout=60)
        assert 400 <= r.status_code < 500 and r.headers["content-type"].startswith("application/problem+json"), bad_path
    r = httpx.get(base + "/v1/fleet/quality-ranking", params={"indicator": "XYZ"}, headers=oper)
    body = r.json()
    assert body["errors"][0]["field"] == "indicator" and body["errors"][0]["allowed"] == ["DRP", "DRC", "DIC", "FIC", "DMIC"]
    assert "indicator" in body["detail"] and "DMIC" in body["detail"]
    r = httpx.get(base + "/v1/fleet/quality-ranking", params={"peroid": "2026-10"}, headers=oper)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "peroid"  # a typo is not silently ignored
    for body in ({"text": 5}, {"text": "oi", "channel": "fax"}, {"text": ""}, {"text": "oi", "audience": "root"}, [], "oi"):
        r = httpx.post(base + "/v1/chat", json=body)
        assert r.status_code == 422, (body, r.text[:200])
        _check(api, "/v1/chat", "post", r)
    r = httpx.post(base + "/v1/chat", json={"text": "oi", "channel": "fax"})
    assert r.json()["errors"][0]["field"] == "channel" and "whatsapp" in r.json()["errors"][0]["allowed"]
    r = httpx.post(base + "/v1/chat", content=b"{bad", headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body"
    r = httpx.post(base + "/v1/chat", content=b'{"text": "' + b"a" * 10_000_000 + b'"}',
                   headers={"Content-Type": "application/json"}, timeout=60)
    assert 400 <= r.status_code < 500 and r.headers["content-type"].startswith("application/problem+json")


def test_docs_are_served_without_a_cdn(api):
    base = api["base"]
    for page in ("/docs", "/redoc"):
        html = httpx.get(base + page).text
        assert "cdn.jsdelivr" not in html and "unpkg" not in html and "fonts.googleapis" not in html, page
        assert "/static-offline-docs/" in html
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"):
        r = httpx.get(f"{base}/static-offline-docs/{asset}")
        assert r.status_code == 200 and len(r.content) > 10_000, asset
