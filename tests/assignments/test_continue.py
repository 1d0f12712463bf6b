"""Where "Start"/"Continue" leads: the first module the requirement's own person has neither
completed nor tested out of; a colleague's progress changes nothing."""

from __future__ import annotations

from datetime import UTC, date, timedelta

from learnhub.assignments.listing import requirement_rows
from learnhub.extensions import db
from learnhub.progress.models import ModuleProgress, ProgressStatus
from tests.assignments.helpers import assign, course_with_modules
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
