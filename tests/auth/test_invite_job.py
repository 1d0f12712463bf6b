"""The invitations of the people an HR import adds are a Celery job after the import's commit
(they took 27 s of a 31 s import of 100,000 people inside its transaction): queued with the
ids once the import committed, never before; idempotent, so nobody is invited twice."""

from __future__ import annotations

from unittest import mock

from sqlalchemy import func, select

from learnhub.auth import tasks
from learnhub.auth.models import InvitationRequest, PasswordToken
from learnhub.core.mail import OutboxEmail
from learnhub.extensions import db
from learnhub.org.hr_import import apply_import, plan_import
from learnhub.org.models import Employee
from tests.auth.conftest import NEW_STAFF


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_import_commits_without_invitations_and_queues_them_after(app_ctx):
    with mock.patch.object(tasks.invite_people, "delay") as delay:
        apply_import(plan_import(NEW_STAFF.encode()))
        delay.assert_not_called()  # nothing is queued before the commit
        db.session.commit()
    # the commit wrote no link and no email; the job was queued once, with the request that
    # owes the new people their invitations (committed with the import)
    assert (_count(PasswordToken), _count(OutboxEmail)) == (0, 0)
    ids = sorted(db.session.scalars(select(Employee.id)))
    (request,) = db.session.scalars(select(InvitationRequest))
    assert request.employee_ids == ids and request.done_at is None
    delay.assert_called_once_with(request_id=request.id)


def test_a_rolled_back_import_queues_nothing(app_ctx):
    with mock.patch.object(tasks.invite_people, "delay") as delay:
        apply_import(plan_import(NEW_STAFF.encode()))
        db.session.rollback()
    delay.assert_not_called()
    assert _count(InvitationRequest) == 0


def test_the_job_runs_eagerly_without_a_broker_and_invites_each_person_once(app, app_ctx):
    apply_import(plan_import(NEW_STAFF.encode()))
    db.session.commit()  # no broker: the job ran in-process after the commit
    assert (_count(PasswordToken), _count(OutboxEmail)) == (2, 2)
    ids = list(db.session.scalars(select(Employee.id)))
    # the task delivered twice (acks_late after a lost worker) invites nobody again
    assert tasks.invite_people.delay(employee_ids=ids).get() == 0
    db.session.expire_all()
    assert (_count(PasswordToken), _count(OutboxEmail)) == (2, 2)


def test_invitations_lost_with_a_worker_are_sent_by_the_sweep(app, app_ctx, monkeypatch):
    """Tester's finding F3 (issue 13): a worker killed during the invitations (or the message
    lost with it) left people without an invitation, and nothing said so."""
    from datetime import timedelta

    from learnhub.auth import invitations
    from learnhub.core.models import utcnow

    with mock.patch.object(tasks.invite_people, "delay"):  # the message is lost
        apply_import(plan_import(NEW_STAFF.encode()))
        db.session.commit()
    # a worker that took the task dies mid-way: its transaction rolls back
    (request,) = db.session.scalars(select(InvitationRequest))
    assert invitations.invite_request(request.id) == 2
    db.session.rollback()
    assert _count(PasswordToken) == 0
    # the sweep leaves a request alone while its task may still be running ...
    assert invitations.sweep() == []
    db.session.commit()
    # ... and queues it again after LEARNHUB_INVITE_RETRY_SECONDS (eager: runs on commit)
    later = utcnow() + timedelta(seconds=invitations.retry_seconds() + 1)
    assert invitations.sweep(later) == [request.id]
    db.session.commit()
    db.session.expire_all()
    assert (_count(PasswordToken), _count(OutboxEmail)) == (2, 2)
    request = db.session.get(InvitationRequest, request.id)
    assert request.done_at is not None and request.invited == 2
    # done: the next sweep and a redelivered message invite nobody again
    assert invitations.sweep(later + timedelta(days=1)) == []
    assert tasks.invite_people.delay(request_id=request.id).get() == 0
    assert _count(PasswordToken) == 2
