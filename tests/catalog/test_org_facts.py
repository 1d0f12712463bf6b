"""Organisation facts in lessons (issue 12): `{{ org.<name> }}` shows the configured wording or a
safe default, escaped; the loader refuses an unknown name with the lesson's file and line."""

from __future__ import annotations

import shutil

import pytest
from markupsafe import escape
from sqlalchemy import select

from learnhub.catalog.loader import read_content
from learnhub.catalog.models import Module
from learnhub.catalog.org_facts import ORG_FACTS, fill_org_facts, placeholder_problems
from learnhub.core.errors import ValidationFailed
from learnhub.extensions import db
from tests.conftest import CONTENT_DIR, sign_in


def test_a_placeholder_shows_the_setting_escaped_or_the_default():
    html = "<p>Report it through {{ org.incident_route }} and tell {{org.security_contact}}.</p>"
    filled = fill_org_facts(html, {"LEARNHUB_ORG_INCIDENT_ROUTE": "the <b>IT</b> desk on 1234"})
    assert filled == (
        "<p>Report it through the &lt;b&gt;IT&lt;/b&gt; desk on 1234 and tell your IT service "
        "desk.</p>"
    )
    assert "{{" not in fill_org_facts(html, {})
    assert str(escape(ORG_FACTS["incident_route"][1])) in fill_org_facts(html, {})


def test_an_unknown_fact_is_named_with_its_line():
    problems = placeholder_problems("Intro.\n\nCall {{ org.helpdesk_phone }} now.\n", "a.md")
    assert [(p.where, "org.helpdesk_phone" in p.message) for p in problems] == [
        ("a.md, line 3", True)
    ]
    assert placeholder_problems("Use {{ org.incident_route }}.", "a.md") == []


def test_the_loader_refuses_a_lesson_with_an_unknown_fact(tmp_path):
    course = "phishing-and-account-security"
    shutil.copytree(CONTENT_DIR / "frameworks", tmp_path / "content" / "frameworks")
    shutil.copytree(CONTENT_DIR / "courses" / course, tmp_path / "content" / "courses" / course)
    lesson = tmp_path / "content" / "courses" / course / "01-spotting-phishing.md"
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\nRing {{ org.nope }}.\n")
    with pytest.raises(ValidationFailed) as failed:
        read_content(tmp_path / "content")
    assert any(
        "01-spotting-phishing.md, line" in i.where and "org.nope" in i.message
        for i in failed.value.errors
    )


def test_the_module_page_shows_the_configured_route(app, client, demo):
    with app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == "devices-and-incidents"))
        assert "{{ org.incident_route }}" in module.body_markdown
        module_id = module.id
    sign_in(client, "employee@example.org")
    app.config["LEARNHUB_ORG_INCIDENT_ROUTE"] = "the Security Desk (ext. 4040)"
    try:
        page = client.get(f"/modules/{module_id}").get_data(as_text=True)
    finally:
        app.config["LEARNHUB_ORG_INCIDENT_ROUTE"] = None
    assert "the Security Desk (ext. 4040)" in page
    assert "{{" not in page
    default = client.get(f"/modules/{module_id}").get_data(as_text=True)
    assert "your organisation&#39;s incident reporting route" in default
