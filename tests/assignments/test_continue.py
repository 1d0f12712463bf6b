"""Where "Start"/"Continue" leads: the first module the requirement's own person has neither
completed nor tested out of; a colleague's progress changes nothing."""

from __future__ import annotations

from datetime import UTC, date, timedelta

from sqlalchemy import select

from learnhub.assignments.listing import requirement_rows
from learnhub.assignments.models import Requirement
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.progress.models import ModuleProgress, ProgressStatus
from tests.assignments.helpers import assign, course_with_modules
from tests.conftest import sign_in
from tests.factories import EmployeeFactory


def test_a_colleagues_completion_does_not_move_my_continue(app_ctx):
    course, modules, _quizzes = course_with_modules(modules=3)
    evan, colleague = EmployeeFactory(), EmployeeFactory()
    assign(course, [evan, colleague], date.today() + timedelta(days=30))
    db.session.add(
        ModuleProgress(
            employee_id=colleague.id, module_id=modules[0].id, status=ProgressStatus.COMPLETED
        )
    )
    db.session.flush()

    def next_module(person) -> int | None:
        (row,) = requirement_rows(person.id, UTC)
        return row.continue_module_id

    assert next_module(evan) == modules[0].id  # Evan has not started module 1
    assert next_module(colleague) == modules[1].id
    db.session.add(
        ModuleProgress(
            employee_id=evan.id, module_id=modules[0].id, status=ProgressStatus.COMPLETED
        )
    )
    db.session.flush()
    assert next_module(evan) == modules[1].id


def test_the_button_of_an_overdue_item_says_start_until_it_is_started(app):
    with app.app_context():
        me = EmployeeFactory(password="a-test-password")
        course, modules, _quizzes = course_with_modules(modules=2, title="AAA Late course")
        assign(course, [me], date.today() + timedelta(days=30))
        requirement = db.session.scalar(select(Requirement).where(Requirement.employee_id == me.id))
        requirement.due_at = utcnow() - timedelta(days=3)  # overdue, never started
        db.session.commit()
        email, me_id, first = me.email, me.id, modules[0].id
    client = app.test_client()
    sign_in(client, email, "a-test-password")
    button = 'visually-hidden">: AAA Late course</span>'
    assert f'Start<span class="{button}' in client.get("/").get_data(as_text=True)
    with app.app_context():
        db.session.add(
            ModuleProgress(employee_id=me_id, module_id=first, status=ProgressStatus.IN_PROGRESS)
        )
        db.session.commit()
    assert f'Continue<span class="{button}' in client.get("/").get_data(as_text=True)
