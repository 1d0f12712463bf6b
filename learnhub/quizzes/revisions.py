"""The answer revision of an attempt: two pages (tabs, windows, devices) of one attempt never
overwrite each other's answers silently.

Moodle's question engine does it with a "sequencecheck" sent with every question: a save or
submit carrying answers older than what is stored is refused ("This quiz has been changed in
another window or tab") and the learner is shown the current answers. Here the attempt keeps
one counter, ``Attempt.answers_revision`` (0 when started): the attempt page carries it, every
save sends it back, and a save is taken only while it still matches, which bumps it (the
page's script reads the new one from the answer). The check and the bump are one conditional
UPDATE, so of two saves sent with the same revision exactly one is taken. A submit checks the
revision in the WHERE of the UPDATE that claims it (``learnhub.quizzes.submit``): no statement
more.

A stale page whose answers are those stored (a double click on "Submit answers", a save sent
again after its answer was lost) changes nothing, so it is taken without a refusal. When the
time is up the attempt is submitted with what was saved, whichever page sent the submit.
``revision=None`` (a JSON API client that does not send one) skips the check and still bumps.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import Update, bindparam, select, update
from sqlalchemy.orm.attributes import set_committed_value

from learnhub.core.errors import Conflict
from learnhub.extensions import db
from learnhub.quizzes.models import Attempt, AttemptState, Response

CHANGED_ELSEWHERE = (
    "This quiz has been changed in another window or tab, so the answers on this page were "
    "not saved."
)


class ChangedElsewhere(Conflict):
    """A save or submit from a page older than the stored answers (409); nothing was written.
    The web page shows the answers stored now with :data:`CHANGED_ELSEWHERE`."""

    def __init__(self) -> None:
        super().__init__(CHANGED_ELSEWHERE)


def claim_revision(attempt: Attempt, revision: int | None, answers: dict[int, dict]) -> None:
    """Take a save of ``answers`` ({question id: response}) sent from a page showing
    ``revision``: bump the attempt's revision if the attempt is in progress and the revision
    still matches (None: any), in one conditional UPDATE. Raises Conflict when the attempt was
    submitted meanwhile and ChangedElsewhere when another page saved since, unless ``answers``
    are those stored (nothing to overwrite: taken as they are)."""
    params: dict = {"attempt_id": attempt.id, "in_progress": AttemptState.IN_PROGRESS}
    if revision is not None:
        params["revision"] = revision
    bumped = db.session.execute(_bump_statement(revision is not None), params).scalar_one_or_none()
    if bumped is not None:
        set_committed_value(attempt, "answers_revision", bumped)
        return
    db.session.refresh(attempt, ["state", "answers_revision"])
    if attempt.state != AttemptState.IN_PROGRESS:
        raise Conflict("This attempt is already submitted.")
    if not same_as_stored(attempt.id, answers):
        raise ChangedElsewhere()


def same_as_stored(attempt_id: int, answers: dict[int, dict]) -> bool:
    """True when every answer of ``answers`` is the one stored for its question (an empty
    answer matches none stored), read now."""
    rows = db.session.execute(
        select(Response.question_id, Response.answer).where(Response.attempt_id == attempt_id)
    )
    stored = {question_id: answer for question_id, answer in rows}
    return all((answer or {}) == (stored.get(qid) or {}) for qid, answer in answers.items())


@cache
def _bump_statement(checked: bool) -> Update:
    """UPDATE attempts SET answers_revision + 1 of an in-progress attempt (``attempt_id``,
    ``in_progress``; when ``checked``, only at ``revision``), returning the new revision; built
    once per kind."""
    statement = update(Attempt).where(
        Attempt.id == bindparam("attempt_id"), Attempt.state == bindparam("in_progress")
    )
    if checked:
        statement = statement.where(Attempt.answers_revision == bindparam("revision"))
    return (
        statement.values(answers_revision=Attempt.answers_revision + 1)
        .returning(Attempt.answers_revision)
        .execution_options(synchronize_session=False)
    )
