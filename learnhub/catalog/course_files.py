"""Pictures in lessons (issue 12: "a picture where it teaches better than words"): image files
a course's lessons show, read and checked with the content, stored with the course and served
beside its modules.

A lesson writes ``![alt text](images/annotated-phishing-email.svg)``: a path relative to the
course folder. At load the file must exist inside the folder, be one of MEDIA_TYPES, be at most
MAX_BYTES, and, for SVG, hold no script, event handler, foreignObject or external reference
(an SVG is a document that can run code; it is also served with a Content-Security-Policy that
forbids scripts). The loader stores the bytes in ``course_files`` (so every web server serves
the same file, whatever its disk holds) and rewrites the image's ``src`` to
:func:`file_url`. Only files a lesson shows are stored.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from defusedxml import ElementTree
from sqlalchemy import delete, select

from learnhub.catalog.curriculum import links
from learnhub.catalog.models import Course, CourseFile
from learnhub.core.errors import Issue
from learnhub.extensions import db

MEDIA_TYPES = {
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
}
#: a lesson picture is a diagram or an annotated screenshot, not a photo album
MAX_BYTES = 512 * 1024
_SVG_FORBIDDEN = {"script", "foreignobject"}
_IMG_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]+)(")[^>]*>')


def is_course_file(target: str) -> bool:
    """True when an image target is a path inside the course (no scheme, host or leading /)."""
    parts = urlsplit(target)
    return not (parts.scheme or parts.netloc or target.startswith("/")) and bool(parts.path)


def file_url(course_slug: str, path: str) -> str:
    """Where the web app serves a course file: ``/courses/<slug>/files/<path>``."""
    return f"/courses/{course_slug}/files/{path}"


def svg_problems(data: bytes) -> list[str]:
    """Why an SVG may not be shown in a lesson (empty when it may): not well-formed XML,
    a script or foreignObject element, an ``on…`` event attribute, or an href that leaves the
    document (only ``#fragment`` references are allowed)."""
    try:
        root = ElementTree.fromstring(data)
    except Exception as error:  # defusedxml raises its own errors for entity tricks too
        return [f"is not well-formed SVG ({error})"]
    found = []
    for element in root.iter():
        tag = str(element.tag).rsplit("}", 1)[-1].lower()
        if tag in _SVG_FORBIDDEN:
            found.append(f"holds a <{tag}> element")
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1].lower()
            if local.startswith("on"):
                found.append(f"has an event attribute {local!r}")
            if local == "href" and not value.startswith("#"):
                found.append(f"refers outside itself ({value!r})")
    return sorted(set(found))


def read_course_files(
    folder: Path, lessons: list[tuple[Path, str]], rel, issues: list[Issue]
) -> dict[str, tuple[str, bytes]]:
    """The files the lessons of one course show: ``{path: (media_type, bytes)}``, ``path``
    relative to ``folder`` in POSIX form. ``lessons`` is [(lesson file, its Markdown)]. Every
    problem is appended to ``issues`` with the lesson's file and line."""
    files: dict[str, tuple[str, bytes]] = {}
    root = folder.resolve()
    for lesson, markdown in lessons:
        for link in links(markdown):
            if link.kind != "image" or not is_course_file(link.target):
                continue
            at = f"{rel(lesson)}, line {link.line}"
            path = PurePosixPath(urlsplit(link.target).path)
            target = (lesson.parent / path).resolve()
            media_type = MEDIA_TYPES.get(path.suffix.lower())
            if not target.is_relative_to(root) or not target.is_file():
                issues.append(Issue(at, f"image {link.target!r} is not a file in the course"))
                continue
            if media_type is None:
                issues.append(
                    Issue(at, f"image {link.target!r}: use {', '.join(sorted(MEDIA_TYPES))}")
                )
                continue
            data = target.read_bytes()
            if len(data) > MAX_BYTES:
                issues.append(
                    Issue(at, f"image {link.target!r} is {len(data)} bytes, over {MAX_BYTES}")
                )
                continue
            if media_type == "image/svg+xml":
                issues.extend(Issue(at, f"image {link.target!r} {p}") for p in svg_problems(data))
            files[target.relative_to(root).as_posix()] = (media_type, data)
    return files


def rewrite_image_sources(html: str, course_slug: str, lesson_dir: str = "") -> str:
    """``html`` with every course-relative ``<img src>`` pointing at :func:`file_url`, and a
    link after it to the picture on its own ("Open the picture on its own"), which a phone can
    zoom into (a tester could not read the annotated email at 320 px, issue 12).
    ``lesson_dir``: the lesson's folder relative to the course folder ("" at its root)."""

    def replace(match: re.Match) -> str:
        src = match.group(2)
        if not is_course_file(src):
            return match.group(0)
        url = file_url(course_slug, PurePosixPath(lesson_dir, urlsplit(src).path).as_posix())
        tag = match.group(0).replace(
            match.group(1) + src + match.group(3), match.group(1) + url + match.group(3), 1
        )
        return f'{tag}<br><a class="picture-link" href="{url}">Open the picture on its own</a>'

    return _IMG_SRC.sub(replace, html)


def sync_course_files(course_id: int, files: dict[str, tuple[str, bytes]]) -> None:
    """Make ``course_files`` of ``course_id`` hold exactly ``files``: insert new, replace
    changed (by SHA-256), delete the ones no lesson shows any more. Flushes."""
    stored = {
        f.path: f
        for f in db.session.scalars(select(CourseFile).where(CourseFile.course_id == course_id))
    }
    gone = set(stored) - set(files)
    if gone:
        db.session.execute(
            delete(CourseFile).where(CourseFile.course_id == course_id, CourseFile.path.in_(gone))
        )
    for path, (media_type, data) in files.items():
        sha = hashlib.sha256(data).hexdigest()
        row = stored.get(path)
        if row is None:
            db.session.add(
                CourseFile(
                    course_id=course_id, path=path, media_type=media_type, sha256=sha, content=data
                )
            )
        elif row.sha256 != sha:
            row.media_type, row.sha256, row.content = media_type, sha, data
    db.session.flush()


def get_course_file(course_slug: str, path: str) -> CourseFile | None:
    """The stored file ``path`` of the course ``course_slug``, or None."""
    return db.session.scalar(
        select(CourseFile)
        .join(Course, Course.id == CourseFile.course_id)
        .where(Course.slug == course_slug, CourseFile.path == path)
    )
