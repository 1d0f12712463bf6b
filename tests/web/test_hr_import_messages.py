"""HR import messages on the page and in the API (a fresh tester's report): a file with no
one in it is refused with one message in both, with no import button (item 7); a file without
a required column names the field, and only the command line speaks of flags (item 8)."""

from __future__ import annotations

import io

import pytest

from tests.web.test_hr_import_pages import _hr, _token, _upload

ORACLE_HEADER = b"Employee ID,First Name,Last Name,Work Email,Job Code,Department,Hire Date\n"


def _api(client, csrf: str, data: bytes, name: str, mode: str):
    return client.post(
        f"/api/v1/org/imports?source=demo&mode={mode}&dry_run=true",
        data={"file": (io.BytesIO(data), name)},
        headers={"X-CSRFToken": csrf},
    )


@pytest.mark.parametrize("mode", ["delta", "full"])
def test_a_file_with_no_one_in_it_is_refused_on_the_page_and_in_the_api(app, demo, mode):
    client, csrf = _hr(app)
    token = _token(_upload(client, csrf, ORACLE_HEADER, name="header_only.csv", mode=mode))
    page = client.get(f"/hr/imports/preview/{token}").get_data(as_text=True)
    said = "This file has no one in it: it has a header row and no rows of people."
    assert said in page and "no rows of people under the header row" in page
    assert "Import header_only.csv" not in page and "changes nothing" not in page
    api = _api(client, csrf, ORACLE_HEADER, "header_only.csv", mode)
    assert api.status_code == 422 and api.get_json()["message"].startswith(said)
    if mode == "full":  # never everyone a leaver
        assert "would make everyone of demo a leaver" in api.get_json()["message"]


def test_a_missing_column_is_named_on_the_page_and_the_command_line_adds_its_flags(
    app, demo, tmp_path
):
    """Item 8: the page and the API name the field the file has no column for, without
    command-line flags; the command line adds them."""
    client, csrf = _hr(app)
    data = b"Employee ID,First Name,Work Email\n1,Ann,ann@x.org\n"
    token = _token(_upload(client, csrf, data, name="no_last_name.csv"))
    page = client.get(f"/hr/imports/preview/{token}").get_data(as_text=True)
    said = "The file has no column for Last name."
    assert said in page and "no column “Last Name” for Last name" in page
    assert "--profile" not in page and "command line" not in page
    assert "save an import profile for them" in page  # the page's way to name other columns
    api = _api(client, csrf, data, "no_last_name.csv", "delta")
    assert api.status_code == 422 and api.get_json()["message"].startswith(said)
    assert "--profile" not in api.get_json()["message"]
    path = tmp_path / "no_last_name.csv"
    path.write_bytes(data)
    refused = app.test_cli_runner().invoke(args=["org", "import", str(path)])
    assert refused.exit_code == 1 and said in refused.output
    assert "Choose an import profile: --profile NAME, or --mapping FILE" in refused.output
