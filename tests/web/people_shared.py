"""What the People directory tests share: an HR account and its signed-in client, the
directory's rows, and (tests/web/conftest.py) the ``people`` organisation."""

import re
from urllib.parse import urlencode

from learnhub.extensions import db
from tests.conftest import sign_in
from tests.factories import EmployeeFactory

PASSWORD = "a-test-password"
HR_EMAIL = "hana.hr@example.test"


def page_text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def directory_numbers(response) -> list[str]:
    """The employee numbers of the directory table's rows, in order."""
    body = response.get_data(as_text=True)
    table = body.split('<table class="people">', 1)
    if len(table) == 1:
        return []
    return re.findall(r"<tr>\s*<th scope=\"row\"><a href=\"/people/([^\"]+)\"", table[1])


def make_hr(app, **fields) -> None:
    with app.app_context():
        EmployeeFactory(
            employee_number="H0001",
            first_name="Hana",
            last_name="Hr",
            email=HR_EMAIL,
            password=PASSWORD,
            roles=["hr"],
            **fields,
        )
        db.session.commit()


def hr_client(app):
    client = app.test_client()
    sign_in(client, HR_EMAIL, PASSWORD)
    return client


def get_directory(client, **params):
    return client.get("/hr/people?" + urlencode(params))


def follow_link(client, response, rel: str):
    """The page a Next (``rel="next"``) or Previous (``"prev"``) link of ``response`` opens."""
    found = re.search(rf'href="([^"]+)" rel="{rel}"', page_text(response))
    assert found, rel
    return client.get(found.group(1).replace("&amp;", "&").split("#")[0])
