"""Reading a practice management system's CSV export: every row checked, each bad row
reported by line number and reason, the good ones kept."""

from __future__ import annotations

import datetime as dt

import pytest

from portals.appointments import FileRefused, parse_appointments

TODAY = dt.date(2026, 11, 27)
KNOWN = {"meridian", "cascade", "northwind", "summit"}
HEADER = ("Appointment ID,Patient Name,DOB,Carrier,Member ID,Visit Date,Visit Time,"
          "Provider,Procedure Codes\n")


def parse(text: str | bytes) -> object:
    data = text.encode() if isinstance(text, str) else text
    return parse_appointments(data, KNOWN, today=TODAY)


def test_good_rows_become_visits_with_every_field() -> None:
    parsed = parse(HEADER + 'A-1,"Testperson, Ana",1980-04-02,Meridian,MER100200,'
                   '2026-11-30,2:30 PM,Dr. Zed Example,99213; 97110\n'
                   'A-2,"Sample, Bo",04/15/1975,cascade,CD7781,12/01/2026,08:05,Dr. Y,D0120\n')
    assert parsed.errors == []
    first, second = parsed.visits
    assert (first.carrier, first.member_id, first.last_name, first.first_name) == \
        ("meridian", "MER100200", "Testperson", "Ana")
    assert first.date_of_birth == dt.date(1980, 4, 2)
    assert (first.visit_date, first.visit_time) == (dt.date(2026, 11, 30), dt.time(14, 30))
    assert first.procedure_codes == ("99213", "97110")
    assert first.visit_key == "id:A-1"
    assert second.date_of_birth == dt.date(1975, 4, 15)
    assert second.visit_time == dt.time(8, 5)
    assert parsed.rows == 2


@pytest.mark.parametrize(("row", "reason"), [
    (',"Testperson, Ana",1980-04-02,meridian,,2026-11-30,09:00,Dr. Z,', "missing member id"),
    (',,1980-04-02,meridian,M1,2026-11-30,09:00,Dr. Z,', "missing patient name"),
    (',"Testperson, Ana",1980-02-30,meridian,M1,2026-11-30,09:00,Dr. Z,',
     "date of birth '1980-02-30' is not a real date"),
    (',"Testperson, Ana",2030-01-01,meridian,M1,2026-11-30,09:00,Dr. Z,',
     "date of birth 2030-01-01 is impossible"),
    (',"Testperson, Ana",1980-04-02,meridian,M1,2026-13-01,09:00,Dr. Z,',
     "visit date '2026-13-01' is not a real date"),
    (',"Testperson, Ana",1980-04-02,meridian,M1,2026-11-30,25:00,Dr. Z,',
     "visit time '25:00' is not a real time"),
    (',"Testperson, Ana",1980-04-02,meridian,M1,2026-11-30,9am,Dr. Z,',
     "visit time '9am' is not a time"),
    (',"Testperson, Ana",1980-04-02,Acme Health,M1,2026-11-30,09:00,Dr. Z,',
     "unknown carrier 'Acme Health'"),
    (',"Testperson, Ana",1980-04-02,meridian,M 1,2026-11-30,09:00,Dr. Z,',
     "member ID 'M 1' is not one"),
    (',"Testperson, Ana",1980-04-02,meridian,M1,2026-11-30,09:00,Dr. Z,99213;XYZ',
     "procedure code 'XYZ' is not a CPT, HCPCS or CDT code"),
    (',"Testperson, Ana",1980-04-02,meridian,M1,2031-11-30,09:00,Dr. Z,',
     "visit date 2031-11-30 is not within"),
    (',"Test\x00person, Ana",1980-04-02,meridian,M1,2026-11-30,09:00,Dr. Z,',
     "holds control characters"),
    (',"=cmd|calc, Ana",1980-04-02,meridian,M1,2026-11-30,09:00,Dr. Z,',
     "last name '=cmd|calc' is not a name"),
])
def test_each_bad_row_is_refused_by_line_with_its_reason(row: str, reason: str) -> None:
    good = 'A-9,"Good, Row",1970-01-01,summit,SU1,2026-12-02,10:00,Dr. G,\n'
    parsed = parse(HEADER + good + row + "\n" + good.replace("A-9", "A-10"))
    assert [e.line for e in parsed.errors] == [3]
    assert reason in parsed.errors[0].reason
    assert [v.external_id for v in parsed.visits] == ["A-9", "A-10"]


def test_duplicates_in_one_file_are_refused_naming_the_first_line() -> None:
    row = 'A-1,"Testperson, Ana",1980-04-02,meridian,MER1,2026-11-30,09:00,Dr. Z,99213\n'
    changed = row.replace("09:00", "10:00")
    parsed = parse(HEADER + row + row + changed)
    assert [(e.line, e.reason) for e in parsed.errors] == [
        (3, "duplicate of line 2"), (4, "the same visit as line 2 with other details")]
    assert len(parsed.visits) == 1


def test_without_an_appointment_id_a_visit_is_its_carrier_member_day_and_provider() -> None:
    header = "last_name,first_name,date_of_birth,carrier,member_id,visit_date,visit_time,provider\n"
    parsed = parse(header + "Testperson,Ana,1980-04-02,meridian,mer1,2026-11-30,09:00,Dr.  Z\n")
    assert parsed.visits[0].visit_key == "meridian|MER1|2026-11-30|dr. z"


def test_lines_that_are_not_utf8_are_refused_and_the_rest_imports() -> None:
    data = (HEADER.encode() + 'A-1,"Caf\xe9, Ana",1980-04-02,meridian,M1,2026-11-30,09:00,Dr. Z,\n'
            .encode("latin-1")
            + 'A-2,"Café, Bo",1980-04-02,meridian,M2,2026-11-30,09:00,Dr. Z,\n'.encode())
    parsed = parse(data)
    assert [(e.line, e.reason) for e in parsed.errors] == [
        (2, "not UTF-8 text: export the file as UTF-8 CSV")]
    assert [v.last_name for v in parsed.visits] == ["Café"]


def test_utf16_with_its_mark_and_utf8_with_a_bom_are_read() -> None:
    text = HEADER + 'A-1,"Café, Ana",1980-04-02,meridian,M1,2026-11-30,09:00,Dr. Z,\n'
    assert parse(text.encode("utf-16")).visits[0].last_name == "Café"
    assert parse(b"\xef\xbb\xbf" + text.encode()).visits[0].last_name == "Café"


def test_a_quoted_field_may_span_lines_and_line_numbers_stay_true() -> None:
    text = (HEADER + 'A-1,"Testperson, Ana",1980-04-02,meridian,M1,2026-11-30,09:00,"Dr. Z\n'
            'Suite 4",\n' + 'A-2,,1980-04-02,meridian,M2,2026-11-30,09:00,Dr. Z,\n')
    parsed = parse(text)
    assert parsed.visits[0].provider == "Dr. Z Suite 4"
    assert [e.line for e in parsed.errors] == [4]


@pytest.mark.parametrize(("data", "problem"), [
    (b"", "the file is empty"),
    (b"\n\n", "the file is empty"),
    (b"name,dob\nA,1980-01-01\n", "the header has no column for"),
    (b"\x00\x01\x02binary", "not text"),
    (b"\xff\xd8\xff\xe0JFIF", "the header is not UTF-8 text"),
])
def test_a_file_that_cannot_be_read_is_refused_whole(data: bytes, problem: str) -> None:
    with pytest.raises(FileRefused, match=problem):
        parse(data)


def test_a_missing_column_is_named() -> None:
    with pytest.raises(FileRefused, match="member id"):
        parse("Patient Name,DOB,Carrier,Visit Date,Visit Time,Provider\n")
