"""API key files: hashed at rest, verified in constant time by key id, rotated with overlap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway.credentials import KeyFileError, append_key, issue_key, key_id_of, load_keys, rotate
from gateway.http.auth import Keychain
from gateway.http.problems import Problem

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def test_issued_key_starts_with_its_public_key_id():
    key, record = issue_key("acme")
    assert key_id_of(key) == record.id
    assert key.startswith(record.id + ".")


def test_plaintext_key_is_never_written_to_the_keys_file(tmp_path):
    key, record = issue_key("acme")
    append_key(tmp_path / "k", record)
    text = (tmp_path / "k").read_text()
    assert key.split(".", 1)[1] not in text
    assert record.sha256 in text


def test_keys_file_is_created_readable_by_its_owner_only(tmp_path):
    append_key(tmp_path / "k", issue_key("acme")[1])
    assert (tmp_path / "k").stat().st_mode & 0o077 == 0


def test_verify_returns_the_record_of_a_valid_key(tmp_path):
    key, record = issue_key("acme")
    append_key(tmp_path / "k", record)
    assert load_keys(tmp_path / "k").verify(key) == record


def test_verify_refuses_a_key_with_a_known_id_but_wrong_secret(tmp_path):
    _, record = issue_key("acme")
    append_key(tmp_path / "k", record)
    assert load_keys(tmp_path / "k").verify(record.id + ".guess") is None


def test_rotation_keeps_old_keys_valid_until_the_overlap_ends(tmp_path):
    key, record = issue_key("acme", now=NOW)
    append_key(tmp_path / "k", record)
    assert rotate(tmp_path / "k", overlap_seconds=3600, now=NOW) == 1
    ring = load_keys(tmp_path / "k")
    assert ring.verify(key, now=(NOW + timedelta(minutes=59)).timestamp()) is not None
    assert ring.verify(key, now=(NOW + timedelta(minutes=61)).timestamp()) is None


def test_rotation_never_extends_a_key_that_expires_sooner(tmp_path):
    _, record = issue_key("acme", now=NOW, not_after=NOW + timedelta(minutes=5))
    append_key(tmp_path / "k", record)
    assert rotate(tmp_path / "k", overlap_seconds=3600, now=NOW) == 0
    assert (tmp_path / "k").read_text().count("12:05:00Z") == 1


def test_a_bad_line_is_reported_with_file_and_line(tmp_path):
    append_key(tmp_path / "k", issue_key("acme")[1])
    with (tmp_path / "k").open("a") as f:
        f.write('{"id": "x"}\n')
    with pytest.raises(KeyFileError, match=r"k:2: not a key record"):
        load_keys(tmp_path / "k")


def test_missing_keys_file_is_an_empty_ring(tmp_path):
    assert len(load_keys(tmp_path / "absent")) == 0


def test_running_keychain_picks_up_a_key_appended_after_start(tmp_path):
    chain = Keychain({"acme": tmp_path / "k"}, reload_interval=0.0)
    key, record = issue_key("acme")
    append_key(tmp_path / "k", record)
    assert chain.authenticate(key, now=NOW.timestamp()) == "acme"


def test_keychain_answers_with_the_file_owner_not_the_records_partner_field(tmp_path):
    key, record = issue_key("acme")
    append_key(tmp_path / "globex.keys", record)  # acme's record, copied into globex's file
    assert Keychain({"globex": tmp_path / "globex.keys"}).authenticate(key, NOW.timestamp()) == "globex"


def test_keychain_keeps_the_last_good_keys_when_a_file_is_corrupted(tmp_path):
    key, record = issue_key("acme")
    append_key(tmp_path / "k", record)
    chain = Keychain({"acme": tmp_path / "k"}, reload_interval=0.0)
    (tmp_path / "k").write_text("garbage\n")
    assert chain.authenticate(key, NOW.timestamp()) == "acme"


def test_keychain_tells_an_expired_key_from_a_wrong_one(tmp_path):
    key, record = issue_key("acme", now=NOW, not_after=NOW + timedelta(seconds=1))
    append_key(tmp_path / "k", record)
    chain = Keychain({"acme": tmp_path / "k"})
    with pytest.raises(Problem) as expired:
        chain.authenticate(key, (NOW + timedelta(seconds=2)).timestamp())
    with pytest.raises(Problem) as wrong:
        chain.authenticate(key + "x", NOW.timestamp())
    assert (expired.value.slug, wrong.value.slug) == ("key-expired", "credentials-invalid")
