"""The data dictionaries of the exports (issue 13): for each column, what it means, its type
(as the CSV, XLSX and JSON Lines files carry it) and where it comes from, so that whoever
opens a file months later can read it without asking. Downloadable beside each export."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from learnhub.reports.competence_export import PROFILE_HEADER, TEAM_HEADER
from learnhub.reports.completions import HEADER as COMPLETIONS_HEADER
from learnhub.reports.requirements import HEADER as REQUIREMENTS_HEADER


class Column(NamedTuple):
    """One column of an export: its name (the header cell), meaning, type and source."""

    column: str
    meaning: str
    type: str
    source: str


FIELDS = list(Column._fields)
_TEXT = "text (blank when unknown)"
_UTC = (
    "timestamp in UTC: ISO 8601 text with Z in CSV and JSON Lines, a date-time cell in XLSX "
    "(blank when none)"
)

COMPLETIONS = [
    Column(
        "employee_id",
        "The person's employee number from the HR system",
        "text",
        "employees.employee_number (HR import)",
    ),
    Column("name", "First and last name", "text", "employees.first_name, last_name"),
    Column("email", "Work email, lower-cased", "text", "employees.email"),
    Column("department", "The person's org unit", _TEXT, "org_units.name"),
    Column(
        "manager_employee_id",
        "The line manager's employee number",
        _TEXT,
        "employees.manager_id → employees.employee_number",
    ),
    Column("job_title", "Job title as HR records it", _TEXT, "employees.job_title"),
    Column("course", "Course title", "text", "courses.title (content/courses)"),
    Column(
        "module",
        "Module title (active modules of the courses the person is enrolled in)",
        "text",
        "modules.title",
    ),
    Column(
        "status",
        "not_started, in_progress or completed",
        "text",
        "module_progress.status (not_started when no progress is recorded)",
    ),
    Column(
        "grade_percent",
        "The quiz grade under the quiz's grading method, as a "
        "percentage rounded DOWN to one decimal (66.6 for 2/3); HR only",
        "number (blank: no graded attempt)",
        "module_progress.grade_exact (an exact fraction)",
    ),
    Column(
        "points",
        "The same grade in points; HR only",
        "number (blank: no graded attempt)",
        "module_progress.grade_points",
    ),
    Column(
        "max_points",
        "The quiz's maximum points; HR only",
        "number (blank: no graded attempt)",
        "module_progress.max_points",
    ),
    Column("attempts", "Quiz attempts made; HR only", "integer", "module_progress.attempts"),
    Column("completed_at", "When the module was completed", _UTC, "module_progress.completed_at"),
]

REQUIREMENTS = [
    Column(
        "employee_number",
        "The person's employee number from the HR system",
        "text",
        "employees.employee_number",
    ),
    Column("name", "First and last name", "text", "employees.first_name, last_name"),
    Column("email", "Work email, lower-cased", "text", "employees.email"),
    Column("org_unit", "The person's org unit", _TEXT, "org_units.name"),
    Column("job_role", "Job role code", _TEXT, "job_roles.code"),
    Column("job_title", "Job title as HR records it", _TEXT, "employees.job_title"),
    Column(
        "manager_employee_number",
        "The line manager's employee number",
        _TEXT,
        "employees.manager_id → employees.employee_number",
    ),
    Column("manager_name", "The line manager's name", _TEXT, "employees (the manager)"),
    Column("course", "The required course", _TEXT, "courses.title"),
    Column(
        "module",
        "The required module; blank when the whole course is required",
        _TEXT,
        "modules.title",
    ),
    Column(
        "status",
        "not_started, in_progress, completed, overdue, renewal_due, expired, "
        "waived, or not_assigned for people nobody assigned anything",
        "text",
        "computed from the requirement and its due date at export time",
    ),
    Column(
        "assigned_on",
        "The day it was assigned, in the person's time zone",
        "date YYYY-MM-DD",
        "requirements.assigned_at",
    ),
    Column(
        "due_date",
        "The last day to complete it, in the person's time zone",
        "date YYYY-MM-DD",
        "requirements.due_at (or the expiry of a completion)",
    ),
    Column("due_at", "The instant it becomes overdue", _UTC, "requirements.due_at"),
    Column(
        "time_zone",
        "The person's IANA time zone the days are in",
        "text",
        "employees.timezone, else the organisation's default",
    ),
    Column("completed_at", "When it was completed", _UTC, "requirements.completed_at"),
    Column(
        "expires_at",
        "When the completion expires (recertification)",
        _UTC,
        "requirements.expires_at",
    ),
    Column(
        "assignment_ids",
        "The live assignments that require it",
        "integers separated by ; (a list in JSON Lines)",
        "assignments.id",
    ),
    Column(
        "assignments",
        "A short description of each of those assignments",
        _TEXT,
        "assignments (audience, course, due rule)",
    ),
]

_LEVEL = "integer, a level of the framework's scale (1 = its first level)"
_PERSON = [
    Column(
        "employee_number",
        "The person's employee number from the HR system",
        "text",
        "employees.employee_number",
    ),
    Column("name", "First and last name", "text", "employees.first_name, last_name"),
    Column("email", "Work email, lower-cased", "text", "employees.email"),
    Column("org_unit", "The person's org unit", _TEXT, "org_units.name"),
    Column(
        "job_role", "Job role code (its target profile sets the targets)", _TEXT, "job_roles.code"
    ),
    Column(
        "manager_employee_number",
        "The line manager's employee number",
        _TEXT,
        "employees.manager_id → employees.employee_number",
    ),
]
_COMPETENCE = [
    Column("framework", "The competence framework", "text", "frameworks.slug (content/frameworks)"),
    Column(
        "competence_code",
        "The competence's code in the framework (4.1)",
        "text",
        "competences.code",
    ),
    Column("competence", "The competence's name", "text", "competences.name"),
]
COMPETENCE_PROFILES = [
    *_PERSON,
    *_COMPETENCE,
    Column(
        "target_level",
        "The level the person's job role needs (blank: not targeted, listed for its evidence)",
        _LEVEL + " (blank when not targeted)",
        "target_levels.level_number (content/roles)",
    ),
    Column(
        "attained_level",
        "The highest level of the person's counting, unexpired evidence (0: none); "
        "self-assessments do not count",
        "integer, 0 or a level of the scale",
        "evidence (quiz passed, question results, manager validation, prior learning)",
    ),
    Column(
        "gap",
        "max(0, target level - attained level); blank when not targeted",
        "integer (blank when not targeted)",
        "computed at export time",
    ),
    Column(
        "evidence_kind",
        "What gave the attained level: quiz_passed, question_result, manager_validation or "
        "prior_learning",
        _TEXT,
        "evidence.kind",
    ),
    Column(
        "evidence_source",
        "What recorded it (attempt:42, a validation, a certificate); HR only",
        _TEXT,
        "evidence.source",
    ),
    Column("evidence_date", "When it was shown", _UTC, "evidence.achieved_at"),
    Column(
        "evidence_expires_at",
        "When it stops counting (a module's validity period)",
        _UTC,
        "evidence.expires_at",
    ),
]
TEAM_GAP_SUMMARIES = [
    Column(
        "manager_employee_number",
        "The manager whose whole subtree (direct and indirect reports) the row covers",
        "text",
        "team_summaries.manager_id → employees.employee_number",
    ),
    Column("manager_name", "The manager's name", "text", "employees.first_name, last_name"),
    Column("org_unit", "The manager's org unit", _TEXT, "org_units.name"),
    _COMPETENCE[0],
    Column(
        "computed_at",
        "When the workers computed the summary",
        _UTC,
        "team_summaries.computed_at",
    ),
    Column("headcount", "Active people in the subtree", "integer", "team_summaries.headcount"),
    Column(
        "people_with_targets",
        "Of them, those whose job role has targets in the framework",
        "integer",
        "team_summaries.people_with_targets",
    ),
    *_COMPETENCE[1:],
    Column(
        "with_target",
        "People with a target in this competence",
        "integer",
        "team_summaries.buckets",
    ),
    Column(
        "meeting",
        "Of them, those whose attained level meets it",
        "integer",
        "team_summaries.buckets",
    ),
    Column(
        "mean_gap",
        "The mean skill gap of the people with a target, rounded to 2 decimals",
        "number",
        "team_summaries.buckets",
    ),
    Column("max_gap", "The largest skill gap", "integer", "team_summaries.buckets"),
    Column(
        "attained_distribution",
        "People with a target at each attained level, from level 0 (no evidence) up",
        "integers separated by ; (a list in JSON Lines)",
        "team_summaries.buckets",
    ),
]

#: each export's dictionary (the columns of its file, in order: tests check) and header
DICTIONARIES = {
    "completions": COMPLETIONS,
    "requirements": REQUIREMENTS,
    "competence_profiles": COMPETENCE_PROFILES,
    "team_gap_summaries": TEAM_GAP_SUMMARIES,
}
HEADERS = {
    "completions": COMPLETIONS_HEADER,
    "requirements": REQUIREMENTS_HEADER,
    "competence_profiles": PROFILE_HEADER,
    "team_gap_summaries": TEAM_HEADER,
}


def dictionary_rows(export: str, columns: list[str] | None = None) -> Iterator[list[str]]:
    """The header :data:`FIELDS`, then a row per column of ``export`` (a key of
    :data:`DICTIONARIES`), only ``columns`` when given (a manager's export has fewer).
    KeyError for an unknown export."""
    yield FIELDS
    for entry in DICTIONARIES[export]:
        if columns is None or entry.column in columns:
            yield list(entry)
