"""Pictures in lessons (issue 12): checked at load (type, size, SVG safety, inside the course,
named by file and line), stored with the course, served to signed-in people with a strict
policy, and a reload changes nothing."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from learnhub.catalog.course_files import svg_problems
from learnhub.catalog.loader import load_content, read_content
from learnhub.catalog.models import CourseFile, Module
from learnhub.core.errors import ValidationFailed
from learnhub.extensions import db
from tests.conftest import CONTENT_DIR, sign_in

COURSE = "phishing-and-account-security"
PICTURE = "images/annotated-phishing-email.svg"
URL = f"/courses/{COURSE}/files/{PICTURE}"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><title>t</title>%s</svg>'


def test_svg_safety_check_refuses_what_can_run_or_load():
    assert svg_problems(SVG % b'<rect width="1" height="1"/><use href="#a"/>') == []
    found = svg_problems(
        SVG
        % (
            b'<script>alert(1)</script><rect onload="x()"/>'
            b'<image href="https://evil.example/x.png"/><foreignObject/>'
        )
    )
    assert len(found) == 4 and any("<script>" in f for f in found)
    assert any("onload" in f for f in found) and any("evil.example" in f for f in found)
    assert svg_problems(b"<svg") != []


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR / "frameworks", target / "frameworks")
    shutil.copytree(CONTENT_DIR / "courses" / COURSE, target / "courses" / COURSE)
    return target


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: (c / PICTURE).write_bytes(SVG % b"<script>x()</script>"), "<script>"),
        (lambda c: (c / PICTURE).unlink(), "is not a file in the course"),
        (lambda c: (c / PICTURE).write_bytes(b"<svg>" + b" " * 600_000 + b"</svg>"), "bytes"),
    ],
    ids=["script", "missing", "too-big"],
)
def test_the_loader_refuses_a_bad_picture_naming_the_lesson_line(tmp_path, change, message):
    content = _copy(tmp_path)
    change(content / "courses" / COURSE)
    with pytest.raises(ValidationFailed) as failed:
        read_content(content)
    lesson = (CONTENT_DIR / "courses" / COURSE / "01-spotting-phishing.md").read_text()
    line = lesson[: lesson.index(PICTURE)].count("\n") + 1
    assert any(
        i.where.endswith(f"01-spotting-phishing.md, line {line}") and message in i.message
        for i in failed.value.errors
    ), failed.value.errors


def test_the_lesson_shows_the_stored_picture_to_signed_in_people_only(app, client, demo):
    with app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == "spotting-phishing"))
        assert f'src="{URL}"' in module.body_html
        # a link opens the picture on its own, to zoom into on a phone (issue 12)
        assert f'<a class="picture-link" href="{URL}">Open the picture on its own</a>' in (
            module.body_html
        )
        stored = db.session.scalar(select(CourseFile).where(CourseFile.path == PICTURE))
        assert stored.content == (CONTENT_DIR / "courses" / COURSE / PICTURE).read_bytes()
    assert client.get(URL).status_code == 302  # to the sign-in page
    sign_in(client, "employee@example.org")
    response = client.get(URL)
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "script" not in response.headers["Content-Security-Policy"]
    again = client.get(URL, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert client.get(f"/courses/{COURSE}/files/images/nothing.svg").status_code == 404
    assert client.get(f"/courses/{COURSE}/files/course.yaml").status_code == 404


def test_a_reload_changes_nothing_and_a_changed_picture_replaces_the_stored_one(app, tmp_path):
    content = _copy(tmp_path)
    with app.app_context():
        report = load_content(content)
        assert COURSE in report.courses_unchanged
        count = db.session.scalar(select(func.count()).select_from(CourseFile))
        (content / "courses" / COURSE / PICTURE).write_bytes(SVG % b'<rect width="2"/>')
        assert COURSE in load_content(content).courses_changed
        stored = db.session.scalar(select(CourseFile).where(CourseFile.path == PICTURE))
        assert stored.content == SVG % b'<rect width="2"/>'
        assert db.session.scalar(select(func.count()).select_from(CourseFile)) == count
        db.session.rollback()


def test_every_picture_is_readable_on_a_narrow_screen():
    """Each lesson picture is drawn for a 320 px screen (issue 12: the first, 720 px wide, was
    unreadable there): at most 480 px wide, so 14 px text stays at 9 px or more once scaled
    down, and it says its size (width and height) so the page keeps its place while loading."""
    pictures = sorted((CONTENT_DIR / "courses").glob("*/images/*.svg"))
    assert len(pictures) >= 3
    for picture in pictures:
        head = picture.read_text()[:400]
        width = re.search(r'<svg[^>]*\bwidth="(\d+)"', head)
        assert width and re.search(r'<svg[^>]*\bheight="\d+"', head), picture.name
        assert int(width.group(1)) <= 480, picture.name
        assert svg_problems(picture.read_bytes()) == [], picture.name
