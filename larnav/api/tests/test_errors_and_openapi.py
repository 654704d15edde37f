"""Error format and language, and the OpenAPI document."""

import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import translation

from larnav.api.api import api

pytestmark = pytest.mark.django_db


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    return body


def in_language(language, message):
    with translation.override(language):
        return str(translation.gettext(message))


@pytest.mark.parametrize("path", ["/api/v1/finns-inte", "/api/v1/organisations/", "/api/v1/docs",
                                  "/api/v1/organisations/1"])
def test_unknown_paths_are_json_404(client, region, path):
    assert_error(client.get(path), 404, "not_found")


def test_messages_are_swedish_unless_the_client_prefers_english(client, region):
    swedish = client.get("/api/v1/finns-inte")
    assert swedish["Content-Language"] == "sv"
    assert swedish.json()["message"] == in_language("sv", "Not found.") == "Hittades inte."
    for header in ("en", "en-GB,en;q=0.9", "de-DE, en;q=0.5", "sv;q=0.2, en;q=0.8"):
        english = client.get("/api/v1/finns-inte", headers={"Accept-Language": header})
        assert english["Content-Language"] == "en", header
        assert english.json()["message"] == "Not found."
    for header in ("sv", "sv-SE,en;q=0.5", "de", "*", "garbage;;q=x"):
        assert client.get("/api/v1/finns-inte", headers={"Accept-Language": header})["Content-Language"] == "sv"


def test_the_api_language_ignores_the_ui_language_cookie_but_not_accept_language(client, region):
    client.cookies["django_language"] = "en"
    assert client.get("/api/v1/persons")["Content-Language"] == "sv"


def test_responses_vary_on_language_and_token(client, region):
    vary = client.get("/api/v1/organisations")["Vary"]
    assert "Accept-Language" in vary and "Authorization" in vary


def test_answers_to_a_token_are_never_stored_in_caches(client, region, make_token, bearer):
    assert "no-store" not in client.get("/api/v1/organisations").get("Cache-Control", "")
    response = client.get("/api/v1/persons", headers=bearer(make_token(region.samordnare)))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


@pytest.mark.parametrize("query", [
    "page=abc", "page=0", "page=-1", "page_size=0", "page_size=501", "page_size=1e3", "type=foo",
    "type=", "parent=abc", "parent=99999999999999999999999", "search=%00", "municipality=1.5",
    "page=99999999999999999999999999",
])
def test_garbage_parameters_are_422_json(client, region, query):
    body = assert_error(client.get(f"/api/v1/organisations?{query}"), 422, "invalid_parameters")
    name = query.split("=")[0]
    assert [e["parameter"] for e in body["errors"]] == [name]
    assert all(e["location"] == "query" and e["message"] and e["type"] for e in body["errors"])


def test_several_invalid_parameters_are_all_reported(client, region):
    body = client.get("/api/v1/organisations?page=x&page_size=900&type=bad").json()
    assert sorted(e["parameter"] for e in body["errors"]) == ["page", "page_size", "type"]
    assert [e for e in body["errors"] if e["parameter"] == "type"][0]["message"].count("kommun") == 1


def test_wrong_methods_are_json_405(client, region):
    response = client.post("/api/v1/organisations")
    assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET"


def test_unexpected_errors_are_json_500(client, region, monkeypatch, caplog):
    from larnav.api import selectors

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "organisations", broken)
    response = client.get("/api/v1/organisations")
    assert_error(response, 500, "server_error")
    assert "boom" not in response.content.decode()
    assert any("boom" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


def test_the_index_points_at_the_openapi_document(client, region):
    body = client.get("/api/v1/").json()
    assert body == {"name": "Lärnav API", "version": "1", "openapi": "http://testserver/api/v1/openapi.json"}


# --- OpenAPI ----------------------------------------------------------------------

def api_routes():
    """Every operation path the API's URLconf defines, as OpenAPI paths."""
    def walk(resolver, prefix):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                yield prefix + str(entry.pattern), entry

    import re

    routes = set()
    for route, entry in walk(get_resolver(), "/"):
        if not route.startswith("/api/v1/") or entry.name in ("openapi-json", "api-root", "api_index",
                                                              "api_not_found"):
            continue
        routes.add(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route))
    return routes


def resolve_refs(node, document, seen=()):
    if isinstance(node, dict):
        if "$ref" in node:
            ref = node["$ref"]
            assert ref.startswith("#/"), ref
            target = document
            for part in ref[2:].split("/"):
                target = target[part]
            if ref not in seen:
                resolve_refs(target, document, (*seen, ref))
        for value in node.values():
            resolve_refs(value, document, seen)
    elif isinstance(node, list):
        for value in node:
            resolve_refs(value, document, seen)


def test_the_openapi_document(client, region):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "Lärnav API"
    assert document["info"]["version"] == "1"
    routes = api_routes()
    assert routes == {"/api/v1/organisations", "/api/v1/persons", "/api/v1/activities", "/api/v1/sessions",
                      "/api/v1/sessions/{pk}", "/api/v1/sessions/{pk}/registrations",
                      "/api/v1/registrations/{pk}/cancel", "/api/v1/registrations/{pk}/attendance",
                      "/api/v1/statistics/participation"}
    assert set(document["paths"]) == routes
    operation_ids = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            writes = path.startswith("/api/v1/registrations/") or path.endswith("/registrations")
            assert method in (("post", "get") if path.endswith("/registrations") else ("post",) if writes
                              else ("get",)), (path, method)
            operation_ids.append(operation["operationId"])
            assert operation["summary"] and operation["description"]
            assert "200" in operation["responses"] and "422" in operation["responses"]
            assert "401" in operation["responses"]
            assert {"ApiToken": []} in operation["security"]
    assert len(operation_ids) == len(set(operation_ids))
    assert document["components"]["securitySchemes"]["ApiToken"] == {"type": "http", "scheme": "bearer"}
    resolve_refs(document, document)


def test_the_openapi_document_says_which_endpoints_need_a_token(client, region):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {} in paths["/api/v1/organisations"]["get"]["security"]
    assert paths["/api/v1/persons"]["get"]["security"] == [{"ApiToken": []}]
    assert "403" in paths["/api/v1/persons"]["get"]["responses"]
    page = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["OrganisationPage"]
    assert set(page["properties"]) == {"count", "next", "previous", "results"}


def test_no_docs_page_that_would_load_assets_from_a_cdn():
    assert api.docs_url is None
