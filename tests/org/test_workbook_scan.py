"""One streaming reader of an XLSX's worksheets and shared strings
(:func:`learnhub.org.hr_import.workbook_checks.scan_workbook`) serves both the import's checks
(:func:`~learnhub.org.hr_import.workbook_checks.check_workbook`: limits, formulas) and the
cheap row count that sends a large file to a worker (:func:`learnhub.org.import_jobs.count_rows`),
instead of two near-copies of the same loop."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from learnhub.core.errors import ValidationFailed
from learnhub.org import import_jobs
from learnhub.org.hr_import import workbook_checks
from learnhub.org.hr_import.tables import Limits
from learnhub.org.hr_import.workbook_checks import check_workbook, scan_workbook
from tests.org.test_hr_import_inputs import HEADER, _with_shared_strings, _xlsx

PEOPLE = [[str(n), f"P{n}", f"L{n}", f"p{n}@x.org", "Office", ""] for n in range(1, 41)]


def _book(*, formula: bool = False) -> bytes:
    """40 people in a shared-strings table plus 7 unused entries; ``formula``: one cell
    holds a formula."""
    rows: list[list[object]] = [HEADER.strip().split(","), *PEOPLE]
    if formula:
        rows.append(["41", "Q", '=UPPER("low")', "q@x.org", "Office", ""])
    return _with_shared_strings(_xlsx(rows), 7)


@pytest.mark.parametrize("chunk", [1 << 20, 5, 16, 17])
def test_one_pass_counts_rows_shared_strings_and_formulas_whatever_the_chunks(monkeypatch, chunk):
    """Tags cut by a chunk's end are counted once (chunks of 5 bytes cut almost every one)."""
    monkeypatch.setattr(workbook_checks, "STREAM_CHUNK", chunk)
    plain = scan_workbook(_book())
    # 41 rows; strings: 40 people x 5 text cells (the empty one is not a string) + header 6 + 7
    assert (plain.rows, plain.formulas) == (41, False)
    assert plain.shared_strings == 40 * 5 + 6 + 7
    assert plain.unpacked_bytes > 0
    with_formula = scan_workbook(_book(formula=True))
    assert (with_formula.rows, with_formula.formulas) == (42, True)


def test_the_largest_sheet_counts():
    book = Workbook()
    book.active.append(["only", "a", "header"])
    big = book.create_sheet("People")
    for n in range(30):
        big.append([n, "x"])
    out = io.BytesIO()
    book.save(out)
    assert scan_workbook(out.getvalue()).rows == 30
    assert import_jobs.count_rows(out.getvalue(), "people.xlsx") == 29


def test_the_checks_refuse_past_the_limits_from_the_same_reader():
    data = _book()
    assert check_workbook(data, Limits()) is False
    assert check_workbook(_book(formula=True), Limits()) is True
    with pytest.raises(ValidationFailed, match="more than 100 entries"):
        check_workbook(data, Limits(shared_strings=100))
    with pytest.raises(ValidationFailed, match="unpacks to more than 1,000 bytes"):
        check_workbook(data, Limits(unzipped_bytes=1_000))
    with pytest.raises(ValidationFailed, match="not a readable XLSX"):
        scan_workbook(b"PK\x03\x04 not a zip")


def test_the_row_count_stops_at_the_imports_limits(app, app_ctx, monkeypatch):
    """A workbook past the import's limits is counted 0 rows, read no further than the limit:
    the plan then refuses it in the request, in words, instead of a worker being queued
    after the whole archive was unpacked once just to count it."""
    data = _book()
    assert import_jobs.count_rows(data, "people.xlsx") == 40
    monkeypatch.setitem(app.config, "LEARNHUB_HR_IMPORT_MAX_SHARED_STRINGS", 100)
    assert import_jobs.count_rows(data, "people.xlsx") == 0
    monkeypatch.setitem(app.config, "LEARNHUB_HR_IMPORT_MAX_SHARED_STRINGS", 1_000)
    monkeypatch.setitem(app.config, "LEARNHUB_HR_IMPORT_MAX_UNZIPPED_BYTES", 1_000)
    assert import_jobs.count_rows(data, "people.xlsx") == 0
