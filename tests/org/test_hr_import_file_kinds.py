"""A file that is no HR export (an image, a PDF, an archive, an old Excel file, binary junk)
uploaded as the HR file is refused as such, "This file is not a CSV or XLSX file: it looks
like a PNG image", on the page, the API and the command line's reader; never as a decoding
error or an unknown header (a fresh tester's finding, issue 13)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest
from openpyxl import Workbook

from learnhub.core.errors import ValidationFailed
from learnhub.org.hr_import.tables import read_table
from tests.conftest import sign_in


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 2, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + b"\xff\x00\x00" * 2)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


PDF = (
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Length 40 >>\nstream\n"
    + zlib.compress(b"BT /F1 12 Tf (Staff) Tj ET" * 5)
    + b"\nendstream\nendobj\n%%EOF\n"
)
FILES = {
    "png": (_png(), "people.csv", "a PNG image"),
    "jpeg": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(200), "people.csv", "a JPEG image"),
    "pdf": (PDF, "people.pdf", "a PDF document"),
    "zip of text": (_zip({"notes.txt": b"a,b\n"}), "people.zip", "a ZIP archive that holds"),
    "zip named xlsx": (_zip({"people.csv": b"a,b\n"}), "people.xlsx", "a ZIP archive that"),
    "docx": (_zip({"word/document.xml": b"<w/>"}), "people.docx", "a Word document (.docx)"),
    "ods": (
        _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}),
        "people.ods",
        "an OpenDocument spreadsheet (.ods)",
    ),
    "xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "people.xls", "(.xls)"),
    "gzip": (b"\x1f\x8b\x08\x00" + bytes(100), "people.csv.gz", "gzip"),
    "unknown binary": (bytes(range(256)) * 4, "people.csv", "binary data, not text"),
}


@pytest.mark.parametrize("name", sorted(FILES))
def test_a_file_that_is_no_csv_or_xlsx_says_what_it_looks_like(name):
    data, filename, looks_like = FILES[name]
    with pytest.raises(ValidationFailed) as caught:
        list(read_table(data, filename).rows)
    message = caught.value.message
    assert message.startswith("This file is not a CSV or XLSX file: it looks like "), message
    assert looks_like in message
    assert [(i.where, i.message) for i in caught.value.errors] == [
        ("file", f"starts with the bytes {data[:8].hex(' ')}")
    ]


def test_real_csv_and_xlsx_files_are_still_read():
    book = Workbook()
    book.active.append(["employee_number", "email"])
    book.active.append(["1", "ann@x.org"])
    out = io.BytesIO()
    book.save(out)
    assert read_table(out.getvalue(), "p.xlsx").headers == ["employee_number", "email"]
    # UTF-16 without a byte-order mark has a NUL in every other byte: text, not binary
    utf16 = "employee_number,email\n1,ann@x.org\n".encode("utf-16-le")
    assert read_table(utf16, "p.csv").headers == ["employee_number", "email"]
    # a damaged workbook is still the XLSX reader's to word
    with pytest.raises(ValidationFailed) as caught:
        read_table(out.getvalue()[:200], "p.xlsx")
    assert caught.value.message == "The HR file is not a readable XLSX workbook."


@pytest.mark.parametrize("cut", [4, 200])
def test_a_broken_workbook_is_refused_in_words_not_zipfiles(cut):
    """Tester's finding F20 (issue 13): garbage.xlsx (a ZIP signature then junk) showed
    Python's "File is not a zip file" in the error table."""
    book = Workbook()
    book.active.append(["employee_number", "email"])
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()[:cut] + b"\xff" * 300
    with pytest.raises(ValidationFailed) as caught:
        read_table(data, "people.xlsx")
    [(where, words)] = [(i.where, i.message) for i in caught.value.errors]
    assert where == "file" and words.startswith("This file is not an Excel workbook (.xlsx)")
    assert "zip" not in words.lower()


def test_the_page_and_the_api_say_the_file_is_a_png(app, demo):
    png = _png()
    client = app.test_client()
    csrf = sign_in(client, "hr@example.org")
    form = {
        "csrf_token": csrf,
        "file": (io.BytesIO(png), "people.csv"),
        "profile": "",
        "source": "demo",
        "mode": "",
        "encoding": "",
        "max_leavers": "20",
    }
    answer = client.post("/hr/imports", data=form, content_type="multipart/form-data")
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "This file is not a CSV or XLSX file: it looks like a PNG image." in page
    assert "decode" not in page and "code page" not in page
    api = client.post(
        "/api/v1/org/imports?source=demo",
        data={"file": (io.BytesIO(png), "people.png")},
        content_type="multipart/form-data",
        headers={"X-CSRFToken": csrf},
    )
    assert api.status_code == 422, api.get_data(as_text=True)[:500]
    body = api.get_json()
    assert body["message"].startswith("This file is not a CSV or XLSX file: it looks like a PNG")
    assert body["errors"]["issues"] == [
        {"where": "file", "message": "starts with the bytes 89 50 4e 47 0d 0a 1a 0a"}
    ]
