"""The pictures of a course's lessons (``learnhub.catalog.course_files``), served to signed-in
people beside the module pages that show them."""

from __future__ import annotations

from flask import Response, abort, request
from flask_login import login_required

from learnhub.catalog.course_files import get_course_file
from learnhub.web.views import blp

#: an SVG is a document: even opened on its own it may run nothing and load nothing
_FILE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


@blp.get("/courses/<course_slug>/files/<path:path>")
@login_required
def course_file(course_slug: str, path: str) -> Response:
    """The stored file ``path`` of course ``course_slug``: its bytes with its media type and an
    ETag (a repeat request with If-None-Match answers 304); 404 when no lesson shows it."""
    stored = get_course_file(course_slug, path)
    if stored is None:
        abort(404)
    response = Response(stored.content, mimetype=stored.media_type)
    response.set_etag(stored.sha256)
    response.headers["Content-Security-Policy"] = _FILE_POLICY
    response.make_conditional(request)
    return response
