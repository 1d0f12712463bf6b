"""The export writers (learnhub.reports.formats): CSV and XLSX cells neutralised, an XLSX
past Excel's row limit continues on a new worksheet; an export job's worksheet files sit in
the export folder, named after the job's file, and go when it is written or fails (tester
report E4, issue 13)."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook

from learnhub.reports import formats
from learnhub.reports.formats import csv_text


def test_csv_writer_neutralises_every_formula_start():
    rows = [["a", "b"], ["=1+2", "-3"], [None, [1, 2]]]
    assert "".join(csv_text(rows)) == '"a","b"\r\n"\'=1+2","\'-3"\r\n"","1;2"\r\n'


def test_xlsx_continues_on_a_new_sheet_past_the_row_limit(monkeypatch):
    monkeypatch.setattr(formats, "SHEET_ROWS", 2)
    handle = io.BytesIO()
    count = formats.write_xlsx([["n"], [1], [2], [3], ["=x"]], handle, title="T")
    book = load_workbook(handle)
    assert count == 4 and book.sheetnames == ["T", "T (2)"]
    assert [list(s.values) for s in book] == [[("n",), (1,), (2,)], [("n",), (3,), ("'=x",)]]


def _watched(rows: list[list], seen: list[set[str]], *folders) -> Iterator[list]:
    """``rows``, noting the files of ``folders`` once the header and a row are written."""
    for number, row in enumerate(rows):
        if number == 2:
            seen.extend({p.name for p in folder.iterdir()} for folder in folders)
        yield row


def test_xlsx_worksheet_files_sit_beside_the_scratch_name_and_go(tmp_path, monkeypatch):
    system = tmp_path / "tmp"
    system.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system))
    exports = tmp_path / "exports"
    exports.mkdir()
    monkeypatch.setattr(formats, "SHEET_ROWS", 2)
    seen: list[set[str]] = []
    rows = [["n"], [1], [2], [3]]
    with (exports / "17-tok.xlsx.part").open("wb") as handle:
        count = formats.write_xlsx(
            _watched(rows, seen, exports, system), handle, scratch=exports / "17-tok.xlsx.part"
        )
    # while written: the worksheet's file is in the export folder, named by the job's file
    assert seen == [{"17-tok.xlsx.part", "17-tok.xlsx.sheet1.part"}, set()]
    assert count == 3 and [p.name for p in exports.iterdir()] == ["17-tok.xlsx.part"]
    book = load_workbook(io.BytesIO((exports / "17-tok.xlsx.part").read_bytes()))
    assert [list(s.values) for s in book] == [[("n",), (1,), (2,)], [("n",), (3,)]]
    assert list(system.iterdir()) == []


def test_a_failed_xlsx_leaves_no_worksheet_file(tmp_path):
    def failing() -> Iterator[list]:
        yield ["n"]
        yield [1]
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError), (tmp_path / "1-t.xlsx.part").open("wb") as handle:
        formats.write_xlsx(failing(), handle, scratch=tmp_path / "1-t.xlsx.part")
    assert [p.name for p in tmp_path.iterdir()] == ["1-t.xlsx.part"]


def test_xlsx_instants_are_utc_date_time_cells_and_csv_jsonl_keep_the_text():
    """Excel users sort and filter by date (tester report E14): an instant is a date-time cell
    in UTC (Excel has no zones) in XLSX; CSV and JSON Lines keep the ISO text with Z."""
    brussels = timezone(timedelta(hours=1))
    at = datetime(2027, 1, 10, 13, 0, 5, tzinfo=brussels)  # 12:00:05 UTC
    rows = [["completed_at", "due_date"], [at, date(2027, 3, 28)], [None, None]]
    handle = io.BytesIO()
    formats.write_xlsx(rows, handle)
    sheet = load_workbook(handle).active
    assert sheet["A2"].value == datetime(2027, 1, 10, 12, 0, 5) and sheet["A2"].is_date
    assert sheet["A2"].number_format == "yyyy-mm-dd hh:mm:ss" and sheet["A3"].value is None
    assert sheet["B2"].value == datetime(2027, 3, 28) and sheet["B2"].number_format == "yyyy-mm-dd"
    assert "".join(csv_text(rows)).splitlines()[1] == '"2027-01-10T12:00:05Z","2027-03-28"'
    assert '"completed_at":"2027-01-10T12:00:05Z"' in "".join(formats.jsonl_text(rows))


def _stream_folder(tmp_path, monkeypatch) -> tuple:
    """An export folder and a system temp folder (``tempfile.tempdir``), both empty."""
    system, exports = tmp_path / "tmp", tmp_path / "exports"
    system.mkdir()
    exports.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system))
    return exports, system


def test_a_streamed_xlsx_keeps_its_files_in_the_export_folder_and_deletes_them(
    tmp_path, monkeypatch
):
    exports, system = _stream_folder(tmp_path, monkeypatch)
    seen: list[set[str]] = []
    rows = [["n"], [1], [2], [3]]
    body = b"".join(formats.xlsx_chunks(_watched(rows, seen, exports, system), folder=exports))
    # while written: the file and its worksheet's file, in the export folder, none in /tmp
    names, in_system = seen
    assert in_system == set() and len(names) == 2
    part = next(n for n in names if n.endswith(".xlsx.part"))
    assert part.startswith(formats.STREAM_PREFIX)
    assert names == {part, part.removesuffix(".part") + ".sheet1.part"}
    assert [list(s.values) for s in load_workbook(io.BytesIO(body))] == [[tuple(r) for r in rows]]
    assert list(exports.iterdir()) == [] and list(system.iterdir()) == []


def test_a_streamed_xlsx_closed_early_or_failing_leaves_no_file(tmp_path, monkeypatch):
    exports, system = _stream_folder(tmp_path, monkeypatch)
    monkeypatch.setattr(formats, "FILE_CHUNK", 100)  # a download of several chunks
    chunks = formats.xlsx_chunks([["n"], *([i] for i in range(50))], folder=exports)
    assert next(chunks).startswith(b"PK")
    assert [p.name.endswith(".xlsx.part") for p in exports.iterdir()] == [True]
    chunks.close()  # the client went away: Werkzeug closes the response's iterable
    assert list(exports.iterdir()) == []

    def failing() -> Iterator[list]:
        yield ["n"]
        yield [1]
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        b"".join(formats.xlsx_chunks(failing(), folder=exports))
    assert list(exports.iterdir()) == [] and list(system.iterdir()) == []
