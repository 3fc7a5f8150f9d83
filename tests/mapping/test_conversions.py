"""Date-time and unit conversions keep what the source said and normalise what it meant."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gateway.mapping import timevalues
from tests.mapping.conftest import run, status_mapping


def occurred(compile_yaml, spec: str, tree: dict) -> dict:
    text = status_mapping("").replace("occurredAt: {datetime: {from: doc.at, format: iso}}", f"occurredAt: {spec}")
    return run(compile_yaml(text), tree)[0]["data"]["occurredAt"]


def test_an_rfc3339_time_keeps_its_offset_and_gives_utc(compile_yaml):
    value = occurred(compile_yaml, "{datetime: {from: doc.t}}", {"t": "2019-11-12T07:41:00+08:30"})
    assert value["instant"] == "2019-11-12T07:41:00+08:30" and value["instantUtc"] == "2019-11-11T23:11:00Z"
    assert value["utcOffset"] == "+08:30" and value["sourceText"] == "2019-11-12T07:41:00+08:30"


def test_a_date_only_value_stays_a_date_not_midnight_utc(compile_yaml):
    value = occurred(compile_yaml, "{datetime: {from: doc.t, format: date}}", {"t": "2024-08-05T00:00:00Z"})
    assert value == {"localDate": "2024-08-05", "precision": "date", "sourceText": "2024-08-05T00:00:00Z"}


def test_a_local_time_with_an_iana_zone_becomes_an_instant(compile_yaml):
    value = occurred(compile_yaml, "{datetime: {from: doc.t, tz: {from: doc.zone}}}",
                     {"t": "2024-07-01T09:00:00", "zone": "Asia/Jakarta"})
    assert value["instant"] == "2024-07-01T09:00:00+07:00" and value["tz"] == "Asia/Jakarta"


def test_an_x12_local_time_code_keeps_local_date_and_time_only(compile_yaml):
    value = occurred(compile_yaml, "{datetime: {format: x12, date: {from: doc.d}, time: {from: doc.t}, tz_code: {from: doc.c}}}",
                     {"d": "20240315", "t": "1430", "c": "LT"})
    assert value == {"localDate": "2024-03-15", "localTime": "14:30:00", "precision": "minute",
                     "sourceText": "20240315 1430"}


def test_an_x12_eastern_time_code_follows_daylight_saving(compile_yaml):
    spec = "{datetime: {format: x12, date: {from: doc.d}, time: {from: doc.t}, tz_code: {from: doc.c}}}"
    winter = occurred(compile_yaml, spec, {"d": "20240115", "t": "0800", "c": "ET"})
    summer = occurred(compile_yaml, spec, {"d": "20240715", "t": "0800", "c": "ET"})
    assert winter["utcOffset"] == "-05:00" and summer["utcOffset"] == "-04:00"


def test_epoch_seconds_become_an_instant(compile_yaml):
    value = occurred(compile_yaml, "{datetime: {from: doc.tst, format: epoch}}", {"tst": 1569421230})
    assert value["instant"] == "2019-09-25T14:20:30Z"


def test_a_strptime_pattern_reads_compact_dates(compile_yaml):
    value = occurred(compile_yaml, "{datetime: {from: doc.t, format: '%Y%m%d%H%M%S', tz: UTC}}", {"t": "20240423091519"})
    assert value["instantUtc"] == "2024-04-23T09:15:19Z"


def test_an_unreadable_date_names_the_field(compile_yaml):
    import pytest

    from gateway.mapping import MappingError
    text = status_mapping("")
    with pytest.raises(MappingError, match=r"field data\.occurredAt: 'yesterday' is not an ISO 8601"):
        run(compile_yaml(text), {"at": "yesterday"})


def measurement(compile_yaml, value, unit, kind="grossWeight") -> dict:
    text = status_mapping(f"      measurements: [{{measure: {{kind: {kind}, value: {{from: doc.v}}, unit: {{from: doc.u}}}}}}]")
    return run(compile_yaml(text), {"v": value, "u": unit})[0]["data"]["measurements"][0]


def test_pounds_arrive_in_kilograms_with_the_original_kept(compile_yaml):
    assert measurement(compile_yaml, "1000", "LB") == {
        "kind": "grossWeight", "value": 453.59237, "unit": "KGM", "source": {"value": 1000, "unit": "LB"}}


def test_grams_arrive_in_kilograms(compile_yaml):
    assert measurement(compile_yaml, "82000", "G")["value"] == 82


def test_fahrenheit_arrives_in_celsius(compile_yaml):
    assert measurement(compile_yaml, "41", "FAH", "temperature")["value"] == 5


def test_an_unknown_unit_in_a_message_names_the_field(compile_yaml):
    import pytest

    from gateway.mapping import MappingError
    with pytest.raises(MappingError, match="unknown unit 'furlongs'"):
        measurement(compile_yaml, "3", "furlongs")


def test_an_instant_with_a_known_zone_also_gives_the_local_date_and_time_there(compile_yaml):
    value = occurred(compile_yaml, "{datetime: {from: doc.t, tz: {from: doc.zone}}}",
                     {"t": "2024-07-01T02:00:00Z", "zone": "America/Detroit"})
    assert value["instant"] == "2024-07-01T02:00:00Z" and value["tz"] == "America/Detroit"
    assert (value["localDate"], value["localTime"]) == ("2024-06-30", "22:00:00")


def test_datetime_text_can_be_cleaned_before_it_is_read(compile_yaml):
    spec = ("{datetime: {from: {from: doc.d, apply: [{replace: {old: '/Date(', new: ''}}, "
            "{replace: {old: ')/', new: ''}}]}, format: epoch_ms}}")
    assert occurred(compile_yaml, spec, {"d": "/Date(1471392000000)/"})["instantUtc"] == "2016-08-17T00:00:00Z"


@pytest.mark.parametrize("zone", ["America/Chicago", "Europe/London", "Asia/Kathmandu", "America/St_Johns",
                                  "Africa/Monrovia", "UTC", "+05:30", "-03:00"])
@pytest.mark.parametrize("day", ["19370615", "19700101", "20240310", "20241103", "20690630"])
def test_an_x12_instant_reads_as_the_zone_database_says(zone, day):
    value = timevalues.parse_x12(day, "0230", zone)
    moment = datetime(int(day[:4]), int(day[4:6]), int(day[6:]), 2, 30, tzinfo=timevalues.resolve_zone(zone)[0])
    instant, utc = moment.isoformat(), moment.astimezone(UTC).isoformat()
    if moment.tzinfo is UTC:
        instant = instant.replace("+00:00", "Z")
    assert value["instant"] == instant and value["instantUtc"] == utc.replace("+00:00", "Z")
