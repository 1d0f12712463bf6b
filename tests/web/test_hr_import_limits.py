"""Two HR-import findings of a fresh tester: an upload over the size limit gets LearnHub's own
page (plain words, the limit in MB, a link back to the import page), and an employee number
differing only in letter case from an existing one ("e1007" beside "E1007") is warned about,
naming both."""

from __future__ import annotations

from tests.web.test_hr_import_pages import DEMO, _hr, _token, _upload


def test_an_upload_over_the_limit_gets_the_import_s_own_page(app, demo, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2**18)  # (a body under 500 KB:
    # the test client keeps it in memory)
    client, csrf = _hr(app)
    refused = _upload(client, csrf, DEMO + b"x" * (2**18 + 10), name="big.csv")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 413
    assert "The file is too large" in text and "larger than 0.25 MB" in text
    assert 'href="/hr/imports"' in text and "Nothing was imported" in text
    assert "Back to my learning" not in text and "data value transmitted" not in text


def test_a_number_differing_only_in_case_is_warned_about(app, demo):
    client, csrf = _hr(app)
    header = DEMO.split(b"\n")[0].rstrip(b"\r")
    row = b"e1007,Evan,Price,evan.other@example.org,CASE_OFF,Officer,Benefits Casework,E1003,"
    data = header + b"\n" + row + b"2021-02-15\n"
    token = _token(_upload(client, csrf, data, mode="delta"))
    page = client.get(f"/hr/imports/preview/{token}").get_data(as_text=True)
    assert "employee e1007 differs only in letter case from E1007" in page
