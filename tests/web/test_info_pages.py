"""The accessibility statement, privacy notice and help: open without signing in, linked from
every page's footer, in the headings the EU model statement asks for, with the organisation's
name and contacts from settings (never written in a template)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import sign_in

PAGES = {"/accessibility": "Accessibility statement", "/privacy": "Privacy notice", "/help": "Help"}
#: Commission Implementing Decision (EU) 2018/1523, the model accessibility statement
MODEL_HEADINGS = [
    "Compliance status",
    "Non-accessible content",
    "Preparation of this accessibility statement",
    "Feedback and contact information",
    "Enforcement procedure",
]


def _headings(html: str, level: int = 2) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", h).strip()
        for h in re.findall(rf"<h{level}[^>]*>(.*?)</h{level}>", html)
    ]


def _footer_links(html: str) -> list[str]:
    footer = html[html.index("<footer>") : html.index("</footer>")]
    return re.findall(r'<a href="([^"]+)">', footer)


@pytest.mark.parametrize("path", list(PAGES))
def test_each_page_opens_signed_out(app, path) -> None:
    answer = app.test_client().get(path)
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert f"<title>{PAGES[path]}" in html and html.count("<h1") == 1
    assert '<a class="signin" href="/sign-in">Sign in</a>' in html  # a way in from here


def test_every_page_links_to_them_in_its_footer(app, demo) -> None:
    client = app.test_client()
    wanted = ["/help", "/accessibility", "/privacy"]
    signed_out = [client.get(p).get_data(as_text=True) for p in ("/sign-in", "/forgot-password")]
    missing = client.get("/no-such-page").get_data(as_text=True)  # an error page too
    sign_in(client, "employee@example.org")
    signed_in = [client.get(p).get_data(as_text=True) for p in ("/", "/profile", "/help")]
    forbidden = client.get("/hr")
    assert forbidden.status_code == 403
    for html in [*signed_out, missing, *signed_in, forbidden.get_data(as_text=True)]:
        assert _footer_links(html) == wanted


def test_the_statement_follows_the_eu_model(app) -> None:
    html = app.test_client().get("/accessibility").get_data(as_text=True)
    assert _headings(html) == MODEL_HEADINGS
    assert "Directive (EU) 2016/2102" in html and "EN 301 549" in html
    assert "partially compliant" in html
    assert _headings(html, 3) == [
        "Non-compliance with the accessibility regulations",
        "Disproportionate burden",
        "The content is not within the scope of the applicable legislation",
    ]
    assert "This statement was prepared on 6 December 2026." in html


def test_names_dates_and_contacts_come_from_settings(app, monkeypatch) -> None:
    settings = {
        "LEARNHUB_ORGANISATION_NAME": "Ministry of Tests",
        "LEARNHUB_SUPPORT_EMAIL": "help@tests.example",
        "LEARNHUB_ACCESSIBILITY_EMAIL": "a11y@tests.example",
        "LEARNHUB_ACCESSIBILITY_PHONE": "+32 2 555 01 01",
        "LEARNHUB_ACCESSIBILITY_ENFORCEMENT_BODY": "the Testland Accessibility Agency",
        "LEARNHUB_ACCESSIBILITY_ENFORCEMENT_URL": "https://enforce.tests.example/complain",
        "LEARNHUB_ACCESSIBILITY_PREPARED_ON": "2027-01-15",
        "LEARNHUB_ACCESSIBILITY_REVIEWED_ON": "2027-03-01",
        "LEARNHUB_PRIVACY_EMAIL": "dpo@tests.example",
        "LEARNHUB_PRIVACY_AUTHORITY_URL": "https://dpa.tests.example/",
        "LEARNHUB_RETENTION_YEARS": 3,
    }
    defaults = {key: app.config[key] for key in settings}
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)
    client = app.test_client()
    pages = {path: client.get(path).get_data(as_text=True) for path in PAGES}
    statement, privacy, help_page = pages.values()
    assert 'href="mailto:a11y@tests.example"' in statement
    assert 'href="tel:+3225550101">+32 2 555 01 01</a>' in statement
    assert "the Testland Accessibility Agency" in statement
    assert 'href="https://enforce.tests.example/complain"' in statement
    assert "prepared on 15 January 2027" in statement and "reviewed on 1 March 2027" in statement
    assert "Ministry of Tests is the controller" in privacy
    assert 'href="mailto:dpo@tests.example"' in privacy and "https://dpa.tests.example/" in privacy
    assert "for 3 years after you leave" in privacy
    assert 'href="mailto:help@tests.example"' in help_page
    for html in pages.values():
        assert "LearnHub is run by Ministry of Tests" in html
        for key, default in defaults.items():  # no default is written into a template
            if isinstance(default, str) and not key.endswith("_ON"):
                assert default not in html, (key, default)


def test_the_privacy_notice_says_what_is_recorded_and_the_rights(app) -> None:
    html = app.test_client().get("/privacy").get_data(as_text=True)
    assert _headings(html) == [
        "Who is responsible",
        "What LearnHub records",
        "Who sees it",
        "Why, and the lawful basis",
        "How long it is kept",
        "Your rights",
        "Contact",
    ]
    for recorded in ("Your progress", "Your quiz attempts", "Evidence of your skills", "audit log"):
        assert recorded in html
    assert "Article 6(1)(e)" in html
    for article in ("Article 15", "Article 16", "Article 17", "Article 18", "Article 21"):
        assert article in html


def test_the_notice_and_the_retention_run_read_one_retention_setting(app, monkeypatch) -> None:
    """Issue 15: the privacy notice says the retention the erasure run applies (both from
    learnhub.privacy.erasure.retention_years), and how long each other kind is kept."""
    from learnhub.privacy import erasure

    monkeypatch.setitem(app.config, "LEARNHUB_RETENTION_YEARS", 4)
    monkeypatch.setitem(app.config, "LEARNHUB_SUBJECT_ACCESS_DAYS", 9)
    html = app.test_client().get("/privacy").get_data(as_text=True)
    with app.app_context():
        assert erasure.retention_years() == 4
    assert "for 4 years after you leave" in html and "4 years after you leave, then erased" in html
    assert "Deleted 9 days after it is made" in html
    assert f"{app.config['LEARNHUB_TREND_RETENTION_DAYS']} days" in html
