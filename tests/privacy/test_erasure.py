"""Erasure on request and by retention (issue 15; GDPR articles 17 and 5(1)(e)): personal data
goes (name, email, responses, statements' actor, queued emails, credentials), figures and the
audit of the erasure stay; refused while employed, on legal hold or without a reason, with
nothing changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from learnhub.core.audit import AuditEvent
from learnhub.core.errors import DomainError
from learnhub.core.mail import OutboxEmail, queue_email
from learnhub.core.models import utcnow
from learnhub.credentials import services as credentials
from learnhub.credentials.models import IssuedCredential
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.privacy import erasure
from learnhub.progress.models import Enrolment, XapiStatement
from learnhub.quizzes.models import Response
from tests.assignments.helpers import course_with_modules, passed_attempt
from tests.factories import EmployeeFactory


def _leaver(years_ago: float = 1, **fields) -> Employee:
    return EmployeeFactory(
        active=False, left_at=utcnow() - timedelta(days=365.25 * years_ago), **fields
    )


LEARNHUB = {"homePage": "https://learnhub.example", "name": "learnhub"}


@pytest.fixture
def records(app_ctx):
    """A leaver with a scored response, an xAPI statement, a queued email and a credential."""
    person = _leaver(email="grace.hopper@example.org", first_name="Grace", last_name="Hopper")
    course, _modules, [quiz] = course_with_modules()
    attempt = passed_attempt(person, quiz, utcnow())
    response = Response(attempt_id=attempt.id, question_id=_any_question())
    response.answer, response.points, response.comment = {"text": "my own words"}, 1, "good"
    db.session.add(response)
    db.session.add(
        XapiStatement(
            id="00000000-0000-4000-8000-000000000001",
            employee_id=person.id,
            verb="http://adlnet.gov/expapi/verbs/passed",
            object_id="https://learnhub.example/modules/1",
            timestamp=utcnow(),
            statement={"actor": {"mbox": "mailto:grace.hopper@example.org", "name": "Grace"}},
        )
    )
    db.session.add(  # LearnHub voided it: its actor is LearnHub, which erasure leaves alone
        XapiStatement(
            id="00000000-0000-4000-8000-000000000002",
            employee_id=person.id,
            verb="http://adlnet.gov/expapi/verbs/voided",
            object_id="00000000-0000-4000-8000-000000000001",
            timestamp=utcnow(),
            statement={"actor": {"objectType": "Agent", "account": LEARNHUB}},
        )
    )
    queue_email("grace.hopper@example.org", "Reminder", "Dear Grace")
    db.session.add(Enrolment(employee_id=person.id, course_id=course.id, completed_at=utcnow()))
    db.session.flush()
    credential, _token = credentials.issue_credential(person.id, course.id)
    return person, response, credential


def _any_question() -> int:
    from learnhub.questionbank.models import Question

    return db.session.scalar(select(Question.id).order_by(Question.id))


def test_erasure_removes_personal_data_and_keeps_figures_and_the_audit(records):
    person, response, credential = records
    done = erasure.erase_person(person, "the person asked (GDPR article 17)", actor_id=None)
    assert (done.responses, done.statements, done.emails, done.credentials) == (1, 1, 1, 1)
    voiding = db.session.get(XapiStatement, "00000000-0000-4000-8000-000000000002")
    assert voiding is not None and voiding.statement["actor"]["account"] == LEARNHUB
    db.session.expire_all()
    erased = db.session.get(Employee, person.id)
    assert erased.full_name == "Erased person" and "grace" not in erased.email
    assert erased.employee_number == f"ERASED-{person.id}"
    kept = db.session.get(Response, response.id)
    assert kept.answer == {} and kept.comment is None and kept.points == 1  # the score stays
    statement = db.session.scalar(
        select(XapiStatement).where(XapiStatement.employee_id == person.id)
    )
    assert "grace" not in str(statement.statement).lower()
    assert statement.statement["actor"]["account"]["name"] == f"erased-{person.id}"
    assert not db.session.scalar(
        select(func.count())
        .select_from(OutboxEmail)
        .where(OutboxEmail.to_address.contains("grace"))
    )
    assert db.session.get(IssuedCredential, credential.id).revoked_at is not None
    assert (
        db.session.scalar(
            select(func.count()).select_from(Enrolment).where(Enrolment.employee_id == person.id)
        )
        == 1
    )  # the completion still counts in the figures
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "person.erased"))
    assert event.target == f"employee:{person.id}" and "article 17" in event.details["reason"]
    with pytest.raises(DomainError, match="already erased"):
        erasure.erase_person(erased, "again", actor_id=None)


@pytest.mark.parametrize(
    ("make", "reason", "message"),
    [
        (lambda: EmployeeFactory(email="still@example.org"), "asked", "still employed"),
        (lambda: _leaver(email="still@example.org", legal_hold=True), "asked", "legal hold"),
        (lambda: _leaver(email="still@example.org"), "  ", "reason"),
    ],
    ids=["employed", "legal-hold", "no-reason"],
)
def test_erasure_is_refused_and_changes_nothing(app_ctx, make, reason, message):
    person = make()
    with pytest.raises(DomainError, match=message):
        erasure.erase_person(person, reason, actor_id=None)
    db.session.refresh(person)
    assert person.email == "still@example.org"


def test_retention_erases_only_leavers_past_the_period_and_not_on_hold(app_ctx):
    app_ctx.config["LEARNHUB_RETENTION_YEARS"] = 6
    old = _leaver(years_ago=7)
    recent = _leaver(years_ago=2)
    held = _leaver(years_ago=8, legal_hold=True)
    active = EmployeeFactory()
    assert [p.id for p in erasure.due_for_erasure()] == [old.id]
    done = erasure.erase_expired()
    assert [d.employee_id for d in done] == [old.id]
    for person in (recent, held, active):
        db.session.refresh(person)
        assert not erasure.is_erased(person)
    assert erasure.due_for_erasure() == []


def test_the_legal_hold_is_audited_and_the_cli_erases(app, app_ctx):
    person = _leaver(email="ada.l@example.org")
    erasure.set_legal_hold(person, True, "employment tribunal claim", actor_id=None)
    db.session.commit()
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["privacy", "erase", person.employee_number, "--reason", "asked"])
    assert refused.exit_code != 0 and "legal hold" in refused.output
    lifted = runner.invoke(
        args=["privacy", "hold", person.employee_number, "--off", "--reason", "claim settled"]
    )
    assert lifted.exit_code == 0, lifted.output
    done = runner.invoke(args=["privacy", "erase", person.employee_number, "--reason", "asked"])
    assert done.exit_code == 0 and "Erased person" in done.output
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"person.legal_hold", "person.legal_hold_lifted", "person.erased"} <= actions


def test_the_daily_task_runs_the_retention(app, app_ctx):
    from learnhub.privacy.tasks import erase_expired_task

    app_ctx.config["LEARNHUB_RETENTION_YEARS"] = 6
    old = _leaver(years_ago=9)
    db.session.commit()
    assert erase_expired_task.delay().get() == 1
    db.session.expire_all()
    assert erasure.is_erased(db.session.get(Employee, old.id))
