"""GET /v1/messages/{id}: a message's whole history, for its own partner only."""

from __future__ import annotations

from .conftest import ADMIN_KEY, assert_problem, sign


def test_partner_reads_the_history_of_its_own_message(gw):
    message_id = gw.post().json()["id"]
    r = gw.client.get(f"/v1/messages/{message_id}", headers=gw.bearer())
    assert r.status_code == 200
    history = r.json()
    assert history["id"] == message_id
    assert {"stages", "errors", "events", "deliveries", "status"} <= history.keys()
    assert history["stages"][0]["stage"] == "admit"


def test_another_partners_message_is_403(gw):
    message_id = gw.post().json()["id"]
    r = gw.client.get(f"/v1/messages/{message_id}", headers=gw.bearer(gw.globex_key))
    assert_problem(r, 403, "message-forbidden")


def test_unknown_message_is_404(gw):
    r = gw.client.get("/v1/messages/01ARZ3NDEKTSV4RRFFQ69G5FAV", headers=gw.bearer())
    assert_problem(r, 404, "message-not-found")


def test_history_needs_credentials(gw):
    message_id = gw.post().json()["id"]
    assert_problem(gw.client.get(f"/v1/messages/{message_id}"), 401, "credentials-missing")


def test_signed_partner_reads_history_by_signing_the_empty_body(gw):
    message_id = gw.post().json()["id"]
    r = gw.client.get(f"/v1/messages/{message_id}", headers={"X-Partner-Id": "acme", "X-Signature": sign(b"")})
    assert r.status_code == 200


def test_administrator_reads_any_partners_message(gw):
    message_id = gw.post().json()["id"]
    r = gw.client.get(f"/v1/messages/{message_id}", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    assert r.status_code == 200
    assert r.json()["partner"] == "acme"
