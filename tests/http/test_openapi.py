"""The OpenAPI document stays true to the app: same routes, same problem types."""

from __future__ import annotations

from starlette.routing import Route

from gateway.http import openapi_document
from gateway.http.problems import PROBLEMS, problem_type_uri


def _app_operations(app) -> set[tuple[str, str]]:
    ops = set()
    for route in app.routes:
        assert isinstance(route, Route)
        for method in route.methods - {"HEAD"}:
            ops.add((route.path, method.lower()))
    return ops


def test_every_route_is_documented_and_every_documented_operation_exists(gw):
    doc = openapi_document()
    documented = {(path, method) for path, item in doc["paths"].items() for method in item}
    assert documented == _app_operations(gw.app)


def test_every_problem_type_is_documented_with_its_status_and_title():
    documented = openapi_document()["x-problem-types"]
    assert documented == {slug: {"type": problem_type_uri(slug), "status": p.status, "title": p.title}
                          for slug, p in PROBLEMS.items()}


def test_security_schemes_cover_api_key_signature_and_admin_key():
    schemes = openapi_document()["components"]["securitySchemes"]
    assert {"apiKey", "partnerId", "hmacSignature", "adminKey"} <= schemes.keys()


def test_every_operation_refers_only_to_declared_responses_and_schemes():
    doc = openapi_document()
    responses, schemes = doc["components"]["responses"], doc["components"]["securitySchemes"]
    for item in doc["paths"].values():
        for op in item.values():
            for requirement in op.get("security", []):
                assert requirement.keys() <= schemes.keys()
            for response in op["responses"].values():
                if "$ref" in response:
                    assert response["$ref"].rsplit("/", 1)[1] in responses
