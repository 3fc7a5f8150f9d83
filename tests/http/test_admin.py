"""Admin endpoints authenticate with the admin key and hand the request to the runtime's hooks."""

from __future__ import annotations

from .conftest import ADMIN_KEY, assert_problem

ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


def test_replay_calls_the_replay_hook_with_the_json_body_and_answers_202(make_gateway):
    calls = []

    async def replay(request):
        calls.append(request)
        return {"replayed": len(request["message_ids"])}

    gw = make_gateway(replay=replay)
    r = gw.client.post("/v1/admin/replay", json={"message_ids": ["a", "b"]}, headers=ADMIN)
    assert (r.status_code, r.json()) == (202, {"replayed": 2})
    assert calls == [{"message_ids": ["a", "b"]}]


def test_preview_calls_a_sync_preview_hook_and_answers_200(make_gateway):
    gw = make_gateway(preview=lambda request: {"events": [], "mapping": request["mapping"]})
    r = gw.client.post("/v1/mappings/preview", json={"mapping": "easypost"}, headers=ADMIN)
    assert (r.status_code, r.json()) == (200, {"events": [], "mapping": "easypost"})


def test_hook_refusing_the_request_is_422_with_its_reason(make_gateway):
    def preview(request):
        raise ValueError("unknown mapping 'nope'")

    gw = make_gateway(preview=preview)
    body = assert_problem(gw.client.post("/v1/mappings/preview", json={"mapping": "nope"}, headers=ADMIN),
                          422, "invalid-request")
    assert body["detail"] == "unknown mapping 'nope'"


def test_admin_body_that_is_not_a_json_object_is_422(make_gateway):
    gw = make_gateway(replay=lambda request: {})
    assert_problem(gw.client.post("/v1/admin/replay", json=[1], headers=ADMIN), 422, "malformed-body")


def test_missing_hook_is_501(gw):
    assert_problem(gw.client.post("/v1/admin/replay", json={}, headers=ADMIN), 501, "hook-not-configured")


def test_admin_endpoint_without_key_is_401(gw):
    assert_problem(gw.client.post("/v1/admin/replay", json={}), 401, "credentials-missing")


def test_partner_key_is_not_an_admin_key(gw):
    assert_problem(gw.client.post("/v1/admin/replay", json={}, headers=gw.bearer()), 401, "credentials-invalid")
