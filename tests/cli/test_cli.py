"""The `gateway` command as a user runs it: real processes, real corpus files."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from tests.x12.helpers import concatenated

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus"


def gateway(*args: str, cwd: Path = REPO, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gateway", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "PYTHONPATH": str(REPO)})


def test_every_mapping_passes_its_fixture_tests():
    result = gateway("mappings", "test", "mappings")
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 failed" in result.stdout


def test_mappings_lint_finds_no_problem_in_the_shipped_mappings():
    result = gateway("mappings", "lint")
    assert result.returncode == 0, result.stdout + result.stderr


def test_translate_recognises_a_carrier_webhook_and_prints_json_lines():
    result = gateway("translate", str(CORPUS / "carrier" / "easypost-tracker-updated-webhook-fedex.json"))
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(events) == 7 and {e["mapping"] for e in events} == {"easypost-tracker@1"}


def test_translate_with_a_named_mapping_uses_it(tmp_path):
    sample = tmp_path / "t.json"
    sample.write_text(json.dumps({"object": "Tracker", "tracking_code": "EZ1", "tracking_details": []}))
    result = gateway("translate", "--mapping", "easypost-tracker", str(sample))
    assert result.returncode == 0 and result.stdout == ""


def test_translate_of_malformed_json_says_where_and_exits_non_zero(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"object": "Tracker",\n  "tracking_code": }')
    result = gateway("translate", str(bad))
    assert result.returncode == 1
    assert "line 2, column" in result.stderr and "malformed JSON" in result.stderr


def test_translate_of_a_document_no_mapping_fits_names_the_candidates(tmp_path):
    odd = tmp_path / "odd.json"
    odd.write_text('{"hello": "world"}')
    result = gateway("translate", str(odd))
    assert result.returncode == 1 and "NoMappingMatched" in result.stderr and "easypost-tracker" in result.stderr


def test_config_check_names_file_line_and_problem(tmp_path):
    config = tmp_path / "gateway.yaml"
    config.write_text("partners:\n  acme:\n    api_keys_file: k\n    hmac_secret: plaintext\n")
    result = gateway("config", "check", str(config))
    assert result.returncode == 1
    assert f"{config}:4:18: partners.acme.hmac_secret: a secret must be {{env: NAME}} or {{file: PATH}}" in result.stderr


def test_config_check_accepts_the_demo_configuration_shape(tmp_path):
    config = tmp_path / "gateway.yaml"
    text = (REPO / "ops" / "demo" / "gateway.yaml").read_text()
    config.write_text(text.replace("$RECEIVER_URL", "http://127.0.0.1:9")
                      .replace("$MAPPINGS_DIR", str(REPO / "mappings")))
    result = gateway("config", "check", str(config))
    assert result.returncode == 0, result.stderr


def _config_with_guide_overrides(tmp_path: Path, overrides: str) -> Path:
    (tmp_path / "guides").mkdir()
    (tmp_path / "guides" / "truckline.yaml").write_text(overrides)
    config = tmp_path / "gateway.yaml"
    config.write_text("partners:\n  truckline:\n    api_keys_file: k\n    x12:\n      guide_overrides: guides/truckline.yaml\n"
                      f"gateway: {{mappings_dir: {REPO / 'mappings'}}}\n")
    return config


def test_config_check_reads_a_partners_guide_overrides_next_to_the_config(tmp_path):
    config = _config_with_guide_overrides(tmp_path, 'envelope: {ISA07: ["1B"]}\n"214":\n  elements:\n    L1101: {usage: S}\n')
    result = gateway("config", "check", str(config))
    assert result.returncode == 0, result.stderr


def test_config_check_names_a_guide_override_that_fits_no_guide(tmp_path):
    config = _config_with_guide_overrides(tmp_path, '"214":\n  elements:\n    AT799: {usage: S}\n')
    result = gateway("config", "check", str(config))
    assert result.returncode == 1
    assert (f"{config}:5:24: partners.truckline.x12.guide_overrides: {tmp_path / 'guides' / 'truckline.yaml'}:2:3: "
            "overrides name ['AT799'], which guide 214/004010 does not have") in result.stderr


def test_serve_refuses_to_start_with_a_guide_override_file_that_is_missing(tmp_path):
    config = tmp_path / "gateway.yaml"
    config.write_text("partners:\n  truckline:\n    api_keys_file: k\n    x12:\n      guide_overrides: nowhere.yaml\n")
    result = gateway("serve", "--config", str(config), "--port", str(_free_port()), timeout=60)
    assert result.returncode == 2
    assert f"{config}:5:24: partners.truckline.x12.guide_overrides: cannot read guide overrides" in result.stderr
    assert "nowhere.yaml" in result.stderr and "cannot read file" in result.stderr


def test_translate_with_a_config_applies_the_partners_guide_overrides_and_ack_kind(tmp_path):
    config = _config_with_guide_overrides(tmp_path, '"214":\n  elements:\n    L1101: {usage: S}\n')
    config.write_text(config.read_text().replace("guide_overrides: guides/truckline.yaml",
                                                 "guide_overrides: guides/truckline.yaml\n      ack: '999'"))
    sample = str(CORPUS / "x12" / "214" / "canadapost-214-multi-st.edi")
    events = gateway("translate", "--config", str(config), "--partner", "truckline", sample)
    ack = gateway("translate", "--ack", "--config", str(config), "--partner", "truckline", sample)
    assert events.returncode == 3 and len(events.stdout.splitlines()) == 11   # 10 without the overrides
    assert "set 000000004" not in events.stderr and "set 000000003" in events.stderr
    assert "ST*999*" in ack.stdout and "AK9*P*19*19*11" in ack.stdout


def _check_tender_rules(tmp_path: Path, rules: str) -> tuple[Path, subprocess.CompletedProcess[str]]:
    config = tmp_path / "gateway.yaml"
    config.write_text("partners:\n  acme: {api_keys_file: k}\ntender_rules:\n" + rules)
    return config, gateway("config", "check", str(config))


def test_config_check_names_a_tender_rule_whose_decision_a_990_cannot_carry(tmp_path):
    config, result = _check_tender_rules(tmp_path, "  - {name: all, decision: ACCEPTED}\n  - name: bad\n    decision: MAYBE\n")
    assert result.returncode == 1
    assert f"{config}:6:15: tender_rules.1.decision: 'MAYBE' is not one of ['ACCEPTED', 'DECLINED']" in result.stderr


def test_config_check_names_the_line_of_a_reason_on_an_accepting_tender_rule(tmp_path):
    config, result = _check_tender_rules(tmp_path, "  - name: all\n    decision: ACCEPTED\n    reason: DRIVER_UNAVAILABLE\n")
    assert result.returncode == 1
    assert f"{config}:6:13: tender_rules[0]: a reason goes with a decline, not an acceptance" in result.stderr


def test_mappings_new_scaffolds_a_mapping_listing_the_sample_paths():
    result = gateway("mappings", "new", "--from", str(CORPUS / "carrier" / "shippo-track-usps-delivered.json"))
    assert result.returncode == 0
    assert "mapping: shippo-track-usps-delivered" in result.stdout
    assert "#   doc.tracking_number = \"9205590164917337534322\"" in result.stdout


def _config_with_partner(tmp_path: Path) -> Path:
    config = tmp_path / "gateway.yaml"
    config.write_text(f"""\
gateway: {{mappings_dir: {REPO / 'mappings'}}}
partners:
  easypost: {{api_keys_file: keys/easypost.keys}}
channels:
  easypost-webhook: {{partner: easypost, content_types: [application/json], mapping: easypost-tracker}}
""")
    return config


def test_partners_add_shows_the_key_once_and_stores_only_its_hash(tmp_path):
    config = _config_with_partner(tmp_path)
    result = gateway("partners", "add", "easypost", "--config", str(config))
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip()
    stored = (tmp_path / "keys" / "easypost.keys").read_text()
    assert key.startswith("gwk_") and key not in stored and key.split(".")[0] in stored


def test_planners_add_issues_a_key_into_the_planners_own_file_and_refuses_an_unknown_planner(tmp_path):
    config = tmp_path / "gateway.yaml"
    config.write_text("gateway:\n  planners:\n    jane: {api_keys_file: keys/jane.keys}\n")
    added, unknown = gateway("planners", "add", "jane", "--config", str(config)), \
        gateway("planners", "add", "bob", "--config", str(config))
    assert added.returncode == 0 and added.stdout.strip().split(".")[0] in (tmp_path / "keys" / "jane.keys").read_text()
    assert unknown.returncode == 1 and "unknown planner 'bob'; add gateway.planners.bob.api_keys_file" in unknown.stderr


def test_partners_rotate_keeps_the_old_key_until_the_overlap_ends(tmp_path):
    from gateway.credentials import load_keys
    config = _config_with_partner(tmp_path)
    old = gateway("partners", "add", "easypost", "--config", str(config)).stdout.strip()
    new = gateway("partners", "rotate", "easypost", "--config", str(config), "--overlap-hours", "1").stdout.strip()
    ring = load_keys(tmp_path / "keys" / "easypost.keys")
    assert ring.verify(old) is not None and ring.verify(new) is not None
    assert ring.verify(old, now=9e9) is None and ring.verify(new, now=9e9) is not None


def test_partners_certify_writes_a_field_by_field_report(tmp_path):
    config = _config_with_partner(tmp_path)
    broken = tmp_path / "no-tracking-code.json"
    broken.write_text(json.dumps({"object": "Tracker", "tracking_details": [{"status": "delivered",
                                                                             "datetime": "2024-01-01T00:00:00Z"}]}))
    report = tmp_path / "report.md"
    result = gateway("partners", "certify", "easypost", str(CORPUS / "carrier" / "easypost-tracker-retrieve-usps.json"),
                     str(broken), "--config", str(config), "--report", str(report))
    assert result.returncode == 1
    text = report.read_text()
    assert "1 of 2 samples passed" in text and "| map |" in text and "data.subject.value" in text
    assert json.loads(report.with_suffix(".json").read_text())["passed"] is False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_demo_delivers_the_good_samples_and_quarantines_the_broken_one(tmp_path):
    result = gateway("demo", "--exit", "--port", str(_free_port()), "--receiver-port", str(_free_port()),
                     "--workdir", str(tmp_path / "demo"), timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "quarantined on purpose" in result.stdout and "0 duplicates, 0 bad signatures" in result.stdout
    assert "load tender accepted by rule accept-truckline-tenders; 990 sent back to the partner" in result.stdout


def test_a_config_without_limits_gets_the_documented_defaults(tmp_path):
    from gateway.config import load_config
    config_path = _config_with_partner(tmp_path)
    config = load_config(config_path)
    assert config.gateway.max_body_bytes == 5 * 1024 * 1024
    assert config.partners["easypost"].max_body_bytes == 5 * 1024 * 1024


def test_translate_ack_prints_the_997_with_rejected_sets_pointing_at_the_fault():
    result = gateway("translate", "--ack", str(CORPUS / "x12" / "214" / "canadapost-214-multi-st.edi"))
    assert result.returncode == 0, result.stderr
    assert "ST*997*0001" in result.stdout and "AK1*QM*000001644" in result.stdout
    assert "AK2*214*000000004\nAK3*L11*12**8\nAK4*1*127*1\nAK5*R*5" in result.stdout
    assert "AK9*P*19*19*10" in result.stdout


def test_translate_ack_answers_a_broken_envelope_with_a_ta1():
    result = gateway("translate", "--ack", str(CORPUS / "x12" / "940" / "ediengine-940-control-number-mismatch.edi"))
    assert result.returncode == 0 and "TA1*000003438*101127*1719*R*001" in result.stdout


def test_translate_of_an_x12_file_with_refused_sets_prints_the_good_ones_and_names_the_bad():
    result = gateway("translate", str(CORPUS / "x12" / "214" / "canadapost-214-multi-st.edi"))
    assert result.returncode == 3
    assert len(result.stdout.splitlines()) == 10
    assert "set 000000004: 214 rejected" in result.stderr and "L1101 (element 127): mandatory element is missing" in result.stderr


def test_translate_prints_what_the_reader_tolerated_as_warnings_and_still_exits_zero():
    result = gateway("translate", str(CORPUS / "x12" / "856" / "oop-856-003060.edi"))
    assert result.returncode == 0
    assert [json.loads(line)["type"] for line in result.stdout.splitlines()] == ["org.logistics-gateway.ship.notice.v1"]
    assert ("oop-856-003060.edi: warning: interchange 000000001 / group 1 / set 0001: no guide for set 856 "
            "version '003060'; body kept flat") in result.stderr


def test_translate_of_a_large_x12_file_in_two_processes_prints_what_one_process_prints(tmp_path):
    names = ["214/alnk-214-single-line.edi", "204/gtlogistics-204.edi", "214/stedi-fedex-ground-214.edi",
             "214/canadapost-214-multi-st.edi", "204/otmos-patrick-204.edi"]
    big = tmp_path / "big.edi"
    big.write_bytes(concatenated([CORPUS / "x12" / name for name in names], 240))  # 2.3 MB, 1,200 interchanges
    runs = [gateway("translate", "--jobs", jobs, str(big)) for jobs in ("1", "2")]
    assert [r.returncode for r in runs] == [3, 3]  # the Canada Post sets its guide refuses
    outputs = []
    for run in runs:
        received = json.loads(run.stdout.splitlines()[0])["data"]["receivedAt"]
        outputs.append(run.stdout.replace(received, "RECEIVED"))
    assert outputs[0] == outputs[1] and len(outputs[0].splitlines()) == 4_320
    assert sorted(runs[0].stderr.splitlines()) == sorted(runs[1].stderr.splitlines())


def test_translate_of_an_x12_file_whose_every_set_is_refused_exits_non_zero():
    result = gateway("translate", str(CORPUS / "x12" / "204" / "conard-fedex-204-newline-multi-st.edi"))
    assert result.returncode == 1 and result.stdout == "" and "rejected" in result.stderr


def test_replay_of_an_unknown_message_says_nothing_was_replayed(tmp_path):
    config = _config_with_partner(tmp_path)
    listed = gateway("replay", "--config", str(config), "--list")
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == {"quarantined": [], "dead_letters": []}
    result = gateway("replay", "--config", str(config), "--message", "01JNOSUCHMESSAGE0000000000")
    assert result.returncode == 1 and "nothing replayed" in result.stderr


def test_translate_ack_kind_999_builds_a_999():
    result = gateway("translate", "--ack", "--ack-kind", "999", str(CORPUS / "x12" / "214" / "cleo-epes-214.edi"))
    assert result.returncode == 0 and "ST*999*" in result.stdout and "IK5*A" in result.stdout


def test_config_check_accepts_an_x12_target_and_refuses_one_without_its_envelope(tmp_path):
    config = _config_with_partner(tmp_path)
    base = config.read_text()
    config.write_text(base + """\
targets:
  acme-edi:
    kind: x12
    url: http://127.0.0.1:9/edi
    x12: {sender_qualifier: "02", sender_id: ABCD, receiver_id: ACMESHIPPER, scac: ABCD}
""")
    assert gateway("config", "check", str(config)).returncode == 0
    config.write_text(base + "targets:\n  acme-edi: {kind: x12, url: http://127.0.0.1:9/edi}\n")
    result = gateway("config", "check", str(config))
    assert result.returncode == 1 and "an x12 target needs x12:" in result.stderr


def test_translate_writes_events_as_it_goes_and_exits_3_when_a_later_set_fails_its_mapping(tmp_path):
    # A 214 mapping that insists on a time code (AT707): the ALNK interchange has one, the first
    # Canada Post set after it does not.
    mapping = (REPO / "mappings" / "x12" / "x12-214.yaml").read_text()
    strict = mapping.replace('x12TimeCode: {from: "at7.AT707"}', 'x12TimeCode: {from: "at7.AT707", required: true}', 1)
    assert strict != mapping
    (tmp_path / "maps").mkdir()
    (tmp_path / "maps" / "x12-214.yaml").write_text(strict)
    both = tmp_path / "two-interchanges.edi"
    both.write_bytes((CORPUS / "x12" / "214" / "alnk-214-single-line.edi").read_bytes() + b"\n"
                     + (CORPUS / "x12" / "214" / "canadapost-214-multi-st.edi").read_bytes())
    result = gateway("translate", "--mappings", str(tmp_path / "maps"), str(both))
    assert result.returncode == 3
    assert len(result.stdout.splitlines()) == 4  # the ALNK set's four AT7 statuses, written before the failure
    assert "required value is missing" in result.stderr
