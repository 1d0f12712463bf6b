"""Open Badges 3.0 credentials in the browser (issue 15): the signed-in person's page of
completed courses with a download of each credential, and the public documents a third party
needs to verify one (the issuer profile with its key, the revocation list)."""

from __future__ import annotations

from flask import Response, abort, flash, jsonify, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from learnhub.catalog.models import Course
from learnhub.core.errors import DomainError
from learnhub.credentials import services as credentials
from learnhub.extensions import db
from learnhub.web.views import blp

VC_JWT = "application/vc+jwt"


@blp.get("/credentials")
@login_required
def my_credentials() -> str:
    """My completed courses, each with its credential to download."""
    return render_template(
        "credentials.html", courses=credentials.completed_courses(current_user.employee_id)
    )


@blp.get("/credentials/<course_slug>/download")
@login_required
def download_credential(course_slug: str) -> Response | WerkzeugResponse:
    """My credential for a completed course as a VC-JWT file (issued at the first download).
    404 for an unknown course; a course not completed yet goes back to the credentials page
    with a message."""
    course = db.session.scalar(select(Course).where(Course.slug == course_slug))
    if course is None:
        abort(404)
    try:
        _credential, token = credentials.issue_credential(current_user.employee_id, course.id)
    except DomainError:
        flash(f"You have not completed {course.title} yet, so it has no credential.", "info")
        return redirect(url_for("web.my_credentials"))
    response = Response(token, mimetype=VC_JWT)
    response.headers["Content-Disposition"] = f'attachment; filename="{course.slug}.jwt"'
    return response


@blp.get("/credentials/issuer")
def credential_issuer() -> Response:
    """The issuer profile (public): who signs LearnHub's credentials, with the public key."""
    return jsonify(credentials.issuer_profile())


@blp.get("/credentials/status/revocation")
def credential_revocations() -> Response:
    """The revocation list (public), a signed W3C BitstringStatusListCredential."""
    return Response(credentials.revocation_list_jwt(), mimetype=VC_JWT)
