"""The subject access export with a real Celery worker (Redis as the broker): the web process
only commits the request and queues ``privacy.subject_access_export`` by name; the worker
writes the ZIP under its instance folder and marks the request ready."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from learnhub.extensions import db
from learnhub.privacy import subject_access
from learnhub.privacy.models import RequestStatus, SubjectAccessRequest
from tests.factories import EmployeeFactory
from tests.skills.conftest import make_web, redis_url, start_worker, wait_until  # noqa: F401


def test_a_worker_produces_the_export(start_worker, make_web, redis_url, app, tmp_path):  # noqa: F811
    start_worker()
    web = make_web(redis_url)
    with web.app_context():
        person = EmployeeFactory(employee_number="W0001", email="worker.subject@example.org")
        request_id = subject_access.request_export(person, "worker test", actor_id=None).id
        db.session.commit()  # queues the job to Redis; nothing is produced in this process
        assert db.session.get(SubjectAccessRequest, request_id).status == RequestStatus.QUEUED

    def ready() -> bool:
        with web.app_context():
            status = db.session.scalar(
                select(SubjectAccessRequest.status).where(SubjectAccessRequest.id == request_id)
            )
            return status == RequestStatus.READY

    wait_until(ready, "the worker produced the export", timeout=60)
    with web.app_context():
        row = db.session.get(SubjectAccessRequest, request_id)
        made = tmp_path / "subject-access" / row.file_name  # the worker's instance folder
        assert hashlib.sha256(made.read_bytes()).hexdigest() == row.sha256
