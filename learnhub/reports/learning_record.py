"""A learner's record of learning (Totara's "Record of learning", Moodle's grades overview):
every course they are enrolled in or required to take, its completion, and under it each
module they completed or tested out of, with its quiz result, and each module required of
them, with the requirement's status. For the signed-in person only (``/my/record``, its CSV and
``GET /api/v1/me/record``): the callers pass ``current_user``'s employee, never a number.

Nothing is computed again here:

- the grade is the one progress stores at every submit under the quiz's grading method
  (``ModuleProgress.grade_exact``, :func:`learnhub.progress.services.on_attempt_submitted`),
  shown as a percentage rounded down as every grade of the app
  (:func:`learnhub.quizzes.scoring.percent_floor`); ``passed``: an attempt passed, which is
  what completed the module; ``attempts``: the submitted attempts;
- the module rows come from the statement the subject access export reads
  (:func:`learnhub.progress.records.module_progress_query`);
- requirement statuses and due days are :func:`learnhub.assignments.listing.requirement_rows`'
  (the rule of :mod:`learnhub.assignments.status`), in the person's own time zone.

Never an answer key, a response or a per-question result: only module-level facts.

Three statements whatever the record holds (:func:`learning_record`): the courses, the module
progress rows, the requirements.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import and_, exists, func, or_, select

from learnhub.assignments.listing import RequirementRow, requirement_rows
from learnhub.assignments.models import Requirement
from learnhub.catalog.models import Course, Module
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.org.time_zones import local_date, time_zone_of
from learnhub.progress.models import Enrolment, ProgressStatus
from learnhub.progress.records import module_progress_query
from learnhub.quizzes.models import Quiz
from learnhub.quizzes.scoring import percent_floor

#: module statuses that put a module on the record whether or not it is required
DONE = frozenset({ProgressStatus.COMPLETED, ProgressStatus.WAIVED})


@dataclass(frozen=True)
class ModuleEntry:
    """One module on the record: completed, tested out of (``status`` waived), or required of
    the person and not done yet (``status`` not_started or in_progress).

    ``done_at``: when it was completed or tested out of (UTC); ``done_on``: that day in the
    person's time zone. ``grade_percent``: the quiz grade under ``grading_method`` (highest,
    last, first, average), percent of the maximum rounded down to one decimal; None before a
    final grade (no attempt, an essay waiting for marking) and for a test-out. ``passed``: an
    attempt passed (None: never attempted). ``requirement``: the person's requirement of this
    module alone (None when none; a whole-course requirement is the course's)."""

    module_id: int
    slug: str
    title: str
    position: int | None
    status: ProgressStatus
    done_at: datetime | None
    done_on: date | None
    grade_percent: Decimal | None
    passed: bool | None
    attempts: int
    grading_method: str | None
    requirement: RequirementRow | None

    @property
    def tested_out(self) -> bool:
        return self.status == ProgressStatus.WAIVED


@dataclass(frozen=True)
class CourseEntry:
    """One course on the record. ``completed_at`` (UTC) / ``completed_on`` (the person's day):
    the course's completion (every active module completed or tested out); ``enrolled``: the
    person is enrolled (a course may be here only because it is required); ``active_modules``,
    ``completed_modules``, ``tested_out_modules``: counted over the course's active modules, as
    *My learning* counts them. ``requirement``: the whole-course requirement, if any;
    ``published``: the course's page can be opened (a record keeps withdrawn courses too)."""

    course_id: int
    slug: str
    title: str
    published: bool
    enrolled: bool
    completed_at: datetime | None
    completed_on: date | None
    active_modules: int
    completed_modules: int
    tested_out_modules: int
    requirement: RequirementRow | None
    modules: list[ModuleEntry]


@dataclass(frozen=True)
class LearningRecord:
    """``employee``'s record: ``courses`` by title; ``time_zone`` the zone of every day in it;
    ``today`` the day it is there (for "due in 3 days")."""

    employee_number: str
    time_zone: tzinfo
    today: date
    courses: list[CourseEntry]


def learning_record(employee: Employee, *, now: datetime | None = None) -> LearningRecord:
    """The record of ``employee`` at ``now`` (default: the current time). Three statements:
    the courses enrolled in or required (with their active modules counted), the module
    progress rows (with each module's current quiz grading method), the requirements."""
    now = now or utcnow()
    where = time_zone_of(employee)
    requirements = requirement_rows(employee.id, where, now=now)
    of_course = {r.course_id: r for r in requirements if r.module_id is None}
    of_module = {r.module_id: r for r in requirements if r.module_id is not None}
    modules: dict[int, list[ModuleEntry]] = {}
    counts: dict[int, tuple[int, int]] = {}
    seen: set[int] = set()
    for row in db.session.execute(_progress_query(employee.id)):
        status = ProgressStatus(row.status)
        required = of_module.get(row.module_id)
        if status in DONE and row.active:
            done, out = counts.get(row.course_id, (0, 0))
            counts[row.course_id] = (
                done + (status == ProgressStatus.COMPLETED),
                out + (status == ProgressStatus.WAIVED),
            )
        if status not in DONE and required is None:
            continue
        seen.add(row.module_id)
        done_at = row.waived_at if status == ProgressStatus.WAIVED else row.completed_at
        modules.setdefault(row.course_id, []).append(
            ModuleEntry(
                module_id=row.module_id,
                slug=row.module,
                title=row.module_title,
                position=row.position,
                status=status,
                done_at=done_at if status in DONE else None,
                done_on=local_date(done_at, where) if done_at and status in DONE else None,
                grade_percent=None
                if row.grade_exact is None or status == ProgressStatus.WAIVED
                else percent_floor(Fraction(row.grade_exact)),
                passed=row.passed,
                attempts=row.attempts,
                grading_method=row.grading_method,
                requirement=required,
            )
        )
    for r in of_module.values():  # required, never opened: no progress row yet
        if r.module_id not in seen:
            modules.setdefault(r.course_id, []).append(_required_only(r))
    courses = []
    for row in db.session.execute(_courses_query(employee.id)):
        done, out = counts.get(row.id, (0, 0))
        entries = modules.get(row.id, [])
        # done first (by position), then what is still required of the person
        entries.sort(key=lambda m: (m.status not in DONE, m.position or 0, m.title))
        courses.append(
            CourseEntry(
                course_id=row.id,
                slug=row.slug,
                title=row.title,
                published=row.published,
                enrolled=row.enrolled_at is not None,
                completed_at=row.completed_at,
                completed_on=local_date(row.completed_at, where) if row.completed_at else None,
                active_modules=row.active_modules,
                completed_modules=done,
                tested_out_modules=out,
                requirement=of_course.get(row.id),
                modules=entries,
            )
        )
    return LearningRecord(
        employee_number=employee.employee_number,
        time_zone=where,
        today=local_date(now, where),
        courses=courses,
    )


def _required_only(r: RequirementRow) -> ModuleEntry:
    return ModuleEntry(
        module_id=r.module_id or 0,
        slug="",
        title=r.module_title or "",
        position=None,
        status=ProgressStatus.NOT_STARTED,
        done_at=None,
        done_on=None,
        grade_percent=None,
        passed=None,
        attempts=0,
        grading_method=None,
        requirement=r,
    )


def _progress_query(employee_id: int):
    """The subject access export's module progress statement, with what the record also
    needs: the course and module ids, the module's position and whether it is active, and the
    grading method of the module's current quiz."""
    current_quiz = and_(Quiz.module_id == Module.id, Quiz.is_current.is_(True))
    return (
        module_progress_query(employee_id)
        .outerjoin(Quiz, current_quiz)
        .add_columns(
            Course.id.label("course_id"),
            Module.id.label("module_id"),
            Module.position.label("position"),
            Module.active.label("active"),
            Quiz.grading_method.label("grading_method"),
        )
    )


def _courses_query(employee_id: int):
    """The courses ``employee_id`` is enrolled in or has a requirement of (published or not:
    a record keeps what was done), by title, each with the enrolment's dates and its number
    of active modules."""
    active_modules = (
        select(func.count(Module.id))
        .where(Module.course_id == Course.id, Module.active.is_(True))
        .correlate(Course)
        .scalar_subquery()
    )
    required = (
        exists()
        .where(Requirement.employee_id == employee_id, Requirement.course_id == Course.id)
        .correlate(Course)
    )
    return (
        select(
            Course.id,
            Course.slug,
            Course.title,
            Course.published,
            Enrolment.enrolled_at,
            Enrolment.completed_at,
            active_modules.label("active_modules"),
        )
        .outerjoin(
            Enrolment,
            and_(Enrolment.course_id == Course.id, Enrolment.employee_id == employee_id),
        )
        .where(or_(Enrolment.id.is_not(None), required))
        .order_by(Course.title, Course.id)
    )


# --- the CSV ------------------------------------------------------------------------------

#: the CSV's columns (one row per module on the record; a course with none: one row, its
#: module columns blank). Days are in ``time_zone``; ``grade_percent`` rounded down.
HEADER = [
    "course",
    "course_status",
    "course_completed_on",
    "course_requirement",
    "course_due_on",
    "module",
    "module_status",
    "module_completed_on",
    "grade_percent",
    "grading_method",
    "result",
    "attempts",
    "module_requirement",
    "module_due_on",
    "time_zone",
]


def course_status(course: CourseEntry) -> str:
    """``completed``; ``enrolled`` (not completed yet); ``not_enrolled`` (only required)."""
    if course.completed_at is not None:
        return "completed"
    return "enrolled" if course.enrolled else "not_enrolled"


def _result(module: ModuleEntry) -> str:
    if module.tested_out:
        return "tested_out"
    if module.passed is None:
        return ""
    return "passed" if module.passed else "not_passed"


def record_rows(record: LearningRecord) -> Iterator[list]:
    """:data:`HEADER` then one typed row per module on the record (``date`` cells, Decimal
    grades, text): for :func:`learnhub.reports.formats.csv_text`, which neutralises every
    cell a spreadsheet could read as a formula."""
    yield HEADER
    zone = str(record.time_zone)
    for course in record.courses:
        required = course.requirement
        head = [
            course.title,
            course_status(course),
            course.completed_on,
            required.status.value if required else None,
            required.due_date if required else None,
        ]
        if not course.modules:
            yield [*head, *[None] * 9, zone]
        for module in course.modules:
            own = module.requirement
            yield [
                *head,
                module.title,
                "tested_out" if module.tested_out else module.status.value,
                module.done_on,
                module.grade_percent,
                module.grading_method,
                _result(module),
                module.attempts,
                own.status.value if own else None,
                own.due_date if own else None,
                zone,
            ]
