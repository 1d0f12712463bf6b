"""A quiz form the server could not take is kept, not lost.

When a learner sends the quiz page after their session ended (idle timeout, a restarted
browser) or with a page whose security token no longer matches, the answers cannot be saved:
who sent them is unknown, or the request might be forged (CSRF). Instead of an error page that
drops them, the sent answers are kept in the (new) session cookie — nothing is written to the
database — and the learner, once signed in again, gets the quiz page back with those answers
filled in, a fresh token, and a message to check them and send again. Requests from another
site (``Sec-Fetch-Site: cross-site``) get the ordinary refusal, so no other site can fill in a
learner's quiz page.
"""

from __future__ import annotations

import logging

from flask import current_app, flash, redirect, request, session, url_for
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response
from wtforms import ValidationError

from learnhub.auth.sessions import KEPT_FORM
from learnhub.quizzes.models import Attempt, AttemptState
from learnhub.web.forms import responses_from_form

logger = logging.getLogger(__name__)

#: characters of answers kept at most (the session is a cookie: browsers keep 4 KB of it)
MAX_CHARS = 2500


def keep_unsendable_quiz_form() -> Response | None:
    """Before-request hook (runs before the CSRF check): a quiz form post the CSRF check or the
    sign-in would refuse is kept in the session and answered with a redirect — to the quiz
    page when still signed in, else to sign-in and back. None lets every other request on."""
    if request.method != "POST" or request.endpoint != "web.attempt":
        return None
    if request.form.get("action") == "autosave":  # the page's script tries again in a minute
        return None
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        return None
    try:
        validate_csrf(_sent_token())
        token_ok = True
    except ValidationError:
        token_ok = False
    signed_in = current_user.is_authenticated  # an ended session is cleared here
    if token_ok and signed_in:
        return None
    attempt_id = (request.view_args or {}).get("attempt_id")
    fields, complete = _answer_fields(request.form)
    session[KEPT_FORM] = {"attempt_id": attempt_id, "fields": fields}
    logger.info(
        "quiz form of attempt %s kept (token ok: %s, signed in: %s)",
        attempt_id,
        token_ok,
        signed_in,
    )
    lost = "" if complete else " Some long answers were too long to keep: check them."
    page = url_for("web.attempt", attempt_id=attempt_id)
    if signed_in:
        flash(
            "This page had expired, so your answers were not sent. They are filled in again "
            f"below: check them, then submit or save again.{lost}",
            "error",
        )
        return redirect(page)
    flash(
        "Your session had ended, so your answers were not sent. Sign in again: your answers "
        f"will be filled in for you to check and send.{lost}",
        "error",
    )
    return redirect(url_for("auth.sign_in", next=page))


def _sent_token() -> str | None:
    """The CSRF token as Flask-WTF looks for it: the form field, else a configured header."""
    token = request.form.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    for header in current_app.config.get("WTF_CSRF_HEADERS", []):
        token = token or request.headers.get(header)
    return token


def _answer_fields(form: MultiDict) -> tuple[list[list[str]], bool]:
    """The answer fields (``q<id>…``) of ``form`` as [name, value] pairs within MAX_CHARS,
    and whether all of them fit."""
    fields, used, complete = [], 0, True
    for name, value in form.items(multi=True):
        if not name.startswith("q") or len(name) > 40:
            continue
        if used + len(name) + len(value) > MAX_CHARS:
            complete = False
            continue
        used += len(name) + len(value)
        fields.append([name, value])
    return fields, complete


def restore(attempt: Attempt, view: dict) -> dict:
    """``view`` (learnhub.quizzes.presentation.attempt_view) with the kept answers of ``attempt``
    in place of the saved ones, if the session holds some; they are then forgotten."""
    kept = session.get(KEPT_FORM)
    if not isinstance(kept, dict) or kept.get("attempt_id") != attempt.id:
        return view
    session.pop(KEPT_FORM)
    if attempt.state != AttemptState.IN_PROGRESS:
        return view
    pairs = [p for p in kept.get("fields", []) if isinstance(p, list) and len(p) == 2]
    answers = responses_from_form(MultiDict([tuple(p) for p in pairs]), view["questions"])
    return {**view, "saved": {str(qid): answer for qid, answer in answers.items() if answer}}
