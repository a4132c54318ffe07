"""Reading appointment exports with the quirks real practice systems produce."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from generator.intake.appointments import AppointmentListError, normalise_header, read_appointments

HEADER = "form,given_name,family_name,date_of_birth,record_number,procedure_date,clinician"


def write(tmp_path, data: bytes, name: str = "list.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_bom_crlf_quoted_commas_and_line_breaks(tmp_path):
    data = (
        "\ufeff" + HEADER + "\r\n"
        'laser-acne-scar,"María, José","Ruiz\r\nGómez",1990-03-07,00123,2026-12-01,Dr Lee\r\n'
        "laser-acne-scar,Bo,Li,1991-01-01,00124,2026-12-01,Dr Lee\r\n"
    ).encode("utf-8")
    rows = read_appointments(write(tmp_path, data)).rows
    assert [row.number for row in rows] == [2, 3]  # a quoted line break stays in row 2
    assert rows[0].values["given_name"] == "María, José"
    assert rows[0].values["family_name"] == "Ruiz\r\nGómez"
    assert rows[0].values["record_number"] == "00123"
    assert rows[0].form_id == "laser-acne-scar"


def test_semicolons_and_header_names_in_any_case(tmp_path):
    data = "Form; Given Name ;FAMILY-NAME;Date of Birth;Record Number;Procedure_Date;Clinician\n"
    data += "laser-acne-scar;Ana;Ruiz;1990-03-07;007;2026-12-01;Dr Lee\n"
    (row,) = read_appointments(write(tmp_path, data.encode())).rows
    assert row.values["family_name"] == "Ruiz" and row.values["record_number"] == "007"


def test_excel_sep_line_names_the_delimiter_and_is_not_a_row(tmp_path):
    data = (
        "sep=;\r\n" + HEADER.replace(",", ";") + "\r\nlaser-acne-scar;Ana;Ruiz, Jr;1990-03-07;1;2026-12-01;Dr Lee\r\n"
    )
    (row,) = read_appointments(write(tmp_path, data.encode())).rows
    assert row.number == 2
    assert row.values["family_name"] == "Ruiz, Jr"


def test_old_mac_line_endings(tmp_path):
    data = HEADER + "\rlaser-acne-scar,Ana,Ruiz,1990-03-07,1,2026-12-01,Dr Lee\r"
    (row,) = read_appointments(write(tmp_path, data.encode())).rows
    assert (row.number, row.values["clinician"]) == (2, "Dr Lee")


def test_blank_rows_are_skipped_but_row_numbers_stay_as_the_spreadsheet_shows(tmp_path):
    data = HEADER + "\n,,,,,,\nlaser-acne-scar,Ana,Ruiz,1990-03-07,1,2026-12-01,Dr Lee\n,,,,,,\n\n  ,,\n"
    rows = read_appointments(write(tmp_path, data.encode())).rows
    assert [row.number for row in rows] == [3]


def test_excel_text_formula_cells_keep_leading_zeros(tmp_path):
    data = HEADER + '\nlaser-acne-scar,Ana,Ruiz,1990-03-07,="00123",2026-12-01,Dr Lee\n'
    (row,) = read_appointments(write(tmp_path, data.encode())).rows
    assert row.values["record_number"] == "00123"


def test_not_utf8_names_the_line_and_suggests_cp1252(tmp_path):
    data = (HEADER + "\nlaser-acne-scar,Zoë,Ruiz,1990-03-07,1,2026-12-01,Dr Lee\n").encode("cp1252")
    with pytest.raises(AppointmentListError) as caught:
        read_appointments(write(tmp_path, data))
    assert str(caught.value) == (
        "list.csv line 2 is not valid UTF-8 text (byte 0xEB). "
        "If it was saved by Excel on Windows, run again with --encoding cp1252."
    )
    (row,) = read_appointments(write(tmp_path, data), encoding="cp1252").rows
    assert row.values["given_name"] == "Zoë"


def test_an_unknown_encoding_is_explained(tmp_path):
    with pytest.raises(AppointmentListError, match='"klingon" is not a text encoding'):
        read_appointments(write(tmp_path, HEADER.encode()), encoding="klingon")


def test_a_missing_required_column_stops_everything_naming_it(tmp_path):
    data = "form,given_name,family_name,dob,record_number,procedure_date,clinician\n"
    with pytest.raises(AppointmentListError) as caught:
        read_appointments(write(tmp_path, data.encode()))
    assert "list.csv has no column date_of_birth." in str(caught.value)
    assert "Column names found: form, given_name, family_name, dob" in str(caught.value)


def test_an_unknown_column_is_a_warning(tmp_path):
    data = HEADER + ",Notes\nlaser-acne-scar,Ana,Ruiz,1990-03-07,1,2026-12-01,Dr Lee,VIP\n"
    result = read_appointments(write(tmp_path, data.encode()))
    assert result.warnings == ["column notes is not one consent uses; it was ignored."]
    assert "notes" not in result.rows[0].values


def test_a_repeated_column_is_refused(tmp_path):
    with pytest.raises(AppointmentListError, match="has the column given_name more than once"):
        read_appointments(write(tmp_path, (HEADER + ",Given Name\n").encode()))


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("missing.csv", None, "does not exist"),
        ("empty.csv", b"", "is empty"),
        ("old.xls", b"\xd0\xcf", "Save it as .xlsx"),
        ("broken.xlsx", b"not a zip", "cannot be read as an Excel workbook"),
    ],
)
def test_unusable_files_are_explained(tmp_path, name, data, says):
    path = tmp_path / name
    if data is not None:
        path.write_bytes(data)
    with pytest.raises(AppointmentListError, match=says):
        read_appointments(path)


def test_xlsx_first_sheet_with_date_cells_and_text_record_numbers(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.append(["laser-acne-scar", "Ana", "Ruiz", datetime(1990, 3, 7), "00123", date(2026, 12, 1), "Dr Lee"])
    sheet.append([None] * 7)
    sheet.append(["laser-acne-scar", "Bo", "Li", "1991-01-01", 456, "2026-12-01", "Dr Lee"])
    workbook.create_sheet("Other").append(["ignored"])
    path = tmp_path / "list.xlsx"
    workbook.save(path)
    rows = read_appointments(path).rows
    assert [row.number for row in rows] == [2, 4]
    assert rows[0].values["date_of_birth"] == date(1990, 3, 7)
    assert rows[0].values["record_number"] == "00123"
    assert rows[1].values["record_number"] == "456"


def test_header_normalisation():
    assert normalise_header("  Given  Name ") == "given_name"
    assert normalise_header("\ufeffFORM") == "form"
    assert normalise_header("date-of-birth") == "date_of_birth"


def _workbook_with_a_wrong_dimension(tmp_path):
    """Three appointments and an interpreter column, in a sheet whose
    <dimension> says A1:G2, as some exporters write it."""
    import re
    import zipfile

    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([*HEADER.split(","), "interpreter"])
    for record, interpreter in (("00123", "Marc Martin"), ("00124", None), ("00125", "Ivan Petrov")):
        sheet.append(["laser-acne-scar", "Ana", "Ruiz", "1990-03-07", record, "2026-12-01", "Dr Lee", interpreter])
    workbook.save(tmp_path / "right.xlsx")
    wrong = tmp_path / "wrong.xlsx"
    with zipfile.ZipFile(tmp_path / "right.xlsx") as source, zipfile.ZipFile(wrong, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data, count = re.subn(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:G2"/>', data)
                assert count == 1
            out.writestr(item, data)
    return wrong


def test_an_xlsx_whose_dimension_understates_the_sheet_gives_every_row_and_column(tmp_path):
    rows = read_appointments(_workbook_with_a_wrong_dimension(tmp_path)).rows
    assert [row.values["record_number"] for row in rows] == ["00123", "00124", "00125"]
    assert [row.values.get("interpreter") for row in rows] == ["Marc Martin", None, "Ivan Petrov"]


def _damage(path, how: str):
    import zipfile

    data = path.read_bytes()
    if how == "truncated":
        return data[: len(data) // 2]
    if how == "crc":
        # Flip one byte of the sheet's compressed data: its CRC no longer matches.
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("xl/worksheets/sheet1.xml")
        start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 5
        return data[:start] + bytes([data[start] ^ 0x01]) + data[start + 1 :]
    raise AssertionError(how)


def _malformed_xml(path, target):
    import zipfile

    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", b"<row><c></sheetData>")
            out.writestr(item, data)


@pytest.mark.parametrize("how", ["truncated", "crc", "malformed XML"])
def test_a_damaged_xlsx_is_refused_with_a_message(tmp_path, how):
    good = _workbook_with_a_wrong_dimension(tmp_path)
    damaged = tmp_path / "damaged.xlsx"
    if how == "malformed XML":
        _malformed_xml(good, damaged)
    else:
        damaged.write_bytes(_damage(good, how))
    with pytest.raises(
        AppointmentListError, match=r'"damaged.xlsx" cannot be read as an Excel workbook: it is damaged'
    ):
        read_appointments(damaged)


def test_an_unclosed_quote_names_the_line_it_opened_on(tmp_path):
    data = (
        HEADER + "\n"
        "laser-acne-scar,Ana,Ruiz,1990-03-07,00123,2026-12-01,Dr Lee\n"
        'laser-acne-scar,"Bo,Li,1991-01-01,00124,2026-12-01,Dr Lee\n'
        "laser-acne-scar,Cy,Zhou,1992-02-02,00125,2026-12-01,Dr Lee\n"
        "laser-acne-scar,Dee,Okafor,1993-03-03,00126,2026-12-01,Dr Lee\n"
    ).encode()
    with pytest.raises(AppointmentListError, match=r"line 3 opens a quote mark .* never closed, so lines 3 to 5"):
        read_appointments(write(tmp_path, data))


@pytest.mark.parametrize("encoding", ["rot13", "hex", "base64", "zlib", "punycode", "undefined"])
def test_an_encoding_that_is_not_for_text_is_refused(tmp_path, encoding):
    with pytest.raises(AppointmentListError, match=f'"{encoding}" is not a text encoding'):
        read_appointments(write(tmp_path, (HEADER + "\n").encode()), encoding=encoding)


def test_a_cell_past_the_csv_field_limit_is_named(tmp_path):
    data = HEADER + "\nlaser-acne-scar," + "A" * 200_000 + ",Ruiz,1990-03-07,00123,2026-12-01,Dr Lee\n"
    with pytest.raises(AppointmentListError, match="line 2 has a cell of more than 131,072 characters"):
        read_appointments(write(tmp_path, data.encode()))


def test_a_pipe_given_as_the_list_is_named(tmp_path):
    import os

    os.mkfifo(tmp_path / "list.csv")
    with pytest.raises(AppointmentListError, match="is not an ordinary file"):
        read_appointments(tmp_path / "list.csv")


def test_a_workbook_that_unpacks_to_too_much_is_refused(tmp_path, monkeypatch):
    import zipfile

    import generator.intake.appointments

    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    workbook.active.append(HEADER.split(","))
    workbook.save(tmp_path / "bomb.xlsx")
    # Two megabytes that pack into a few kilobytes, as a huge inline cell would.
    with zipfile.ZipFile(tmp_path / "bomb.xlsx", "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * (2 << 20))
    monkeypatch.setattr(generator.intake.appointments, "MAX_WORKBOOK_UNPACKED", 1 << 20)
    with pytest.raises(AppointmentListError, match="unpacks to 2 MB, far more than an appointment list"):
        read_appointments(tmp_path / "bomb.xlsx")


def test_times_and_odd_cells_in_a_workbook(tmp_path, run_cli):
    from datetime import datetime, time, timedelta

    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.append(["laser-acne-scar", "Ana", "Ruiz", "1990-03-07", "00123", datetime(2026, 12, 1, 10, 30), "Dr Lee"])
    sheet.append(["laser-acne-scar", "Bo", "Li", "1991-01-01", "00124", "2026-12-01", timedelta(days=1)])
    sheet.append(["laser-acne-scar", "Cy", "Zhou", "1992-02-02", time(10, 0), "2026-12-01", "Dr Lee"])
    sheet.append(["laser-acne-scar", "Dee", "Okafor", "1993-03-03", "00126", "2026-12-01", "x" * 5_000])
    workbook.save(tmp_path / "day.xlsx")
    result = run_cli("batch", "day.xlsx", "--out-dir", "out")
    assert result.exit_code == 3, result.output
    errors = (tmp_path / "out" / "errors.csv").read_text(encoding="utf-8-sig")
    assert "Clinician holds a duration (1 day, 0:00:00), not text" in errors
    assert "Record number holds a time of day (10:00:00), not text" in errors
    assert "The clinician cell holds 5,000 characters" in errors
    assert "1 of 4 rows done" in result.output  # the appointment at 10:30 is made for its date


def test_utf16_without_its_byte_order_mark_gets_its_hint(tmp_path):
    data = (HEADER + "\n").encode("utf-16-le")
    with pytest.raises(AppointmentListError, match="looks like UTF-16 text without its byte-order mark"):
        read_appointments(write(tmp_path, data))
