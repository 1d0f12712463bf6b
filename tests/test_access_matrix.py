"""Who may see what, walked as a whole matrix (issue 5, DESIGN.md "Rules that are never broken").

Every role (employee, manager, a manager's manager, HR, content admin, platform admin) x every
page and API endpoint of the app's url_map x people inside and outside the viewer's subtree
(and a leaver, and someone above the viewer). Every forbidden case answers 403 or 404 and its
body names nobody the viewer may not see (no name, no email); every allowed case answers 2xx.

Each url_map rule must be classified below, or the first test fails: a new endpoint cannot be
forgotten. Kinds:

- ``PUBLIC``: works signed out and concerns nobody in particular;
- ``SELF``: acts on the caller only (no person in the URL); checked to show no one else;
- ``PERSON``: a person by employee number; the can-view rule (themself, managers above them
  while they are active, HR);
- ``OWN_ATTEMPT``: an attempt, the owner's only (responses and raw scores are never a
  manager's);
- ``TEAM``: the caller's subtree; managers only, and only their subtree in it;
- ``ROLE``: needs one of the listed roles whoever is concerned (exports, audit log, tokens,
  question banks, essay reviews, extra time, HR's assignment pages and one assignment by id:
  a manager's own assignments are theirs, any other is a 404 to them);
- ``ASSIGN``: HR and managers (a manager only for named people of their own subtree: the
  assignments API's list, create and preview; a manager's completions export);
- ``VALIDATE``: a person by employee number, to record evidence about them: a manager above
  them or HR, never oneself nor a leaver (``PRIOR``: HR only, same otherwise);
- ``EVIDENCE``: one manager validation by id (Tomasz's, of E1010), to withdraw: its
  validator, the managers above the person, HR; anyone else a 404.
- ``ORG_VIEW``: HR (the whole organisation) and managers (their own subtree's people, by org
  unit): the organisation view; it names units, never people.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from learnhub.assignments import services as assignments
from learnhub.assignments.models import AudienceKind, DueKind, Requirement
from learnhub.auth import services as auth
from learnhub.catalog.models import Course
from learnhub.extensions import db
from learnhub.org.hr_import import apply_import, plan_import
from learnhub.org.models import Employee
from learnhub.questionbank.models import Question, QuestionBank
from learnhub.quizzes import services as quizzes
from learnhub.quizzes.models import Attempt
from learnhub.skills import recorded
from learnhub.skills.evidence_access import Actor
from tests.conftest import CONTENT_DIR, sign_in

PUBLIC = {
    ("GET", "/sign-in"),
    ("POST", "/sign-in"),
    ("GET", "/sign-in/oidc"),
    ("GET", "/sign-in/oidc/callback"),
    ("GET", "/forgot-password"),
    ("POST", "/forgot-password"),
    ("GET", "/set-password/<secret>"),
    ("POST", "/set-password/<secret>"),
    ("GET", "/healthz"),
    ("GET", "/accessibility"),
    ("GET", "/privacy"),
    ("GET", "/help"),
    ("GET", "/static/<path:filename>"),
    # what a third party needs to verify an Open Badges credential (issue 15)
    ("GET", "/credentials/issuer"),
    ("GET", "/credentials/status/revocation"),
    ("GET", "/api/v1/openapi.json"),
}
SELF = {
    ("GET", "/"),
    ("GET", "/profile"),
    ("GET", "/profile/self-assessment"),
    ("POST", "/profile/self-assessment"),
    ("POST", "/api/v1/me/self-assessment"),
    ("GET", "/reminders"),
    ("GET", "/credentials"),
    ("GET", "/credentials/<course_slug>/download"),
    # the record of learning: the caller's own, no person in the URL
    ("GET", "/my/record"),
    ("GET", "/my/record.csv"),
    ("GET", "/api/v1/me/record"),
    ("GET", "/courses/<course_slug>/files/<path:path>"),
    ("GET", "/courses/<int:course_id>"),
    ("POST", "/courses/<int:course_id>/enrol"),
    ("GET", "/modules/<int:module_id>"),
    ("POST", "/quizzes/<int:quiz_id>/start"),
    ("GET", "/api/v1/me/progress"),
    ("GET", "/api/v1/me/competence-profile"),
    ("GET", "/api/v1/me/requirements"),
    ("GET", "/api/v1/me/reminders"),
    ("GET", "/api/v1/courses"),
    ("GET", "/api/v1/modules/<int:module_id>"),
    ("POST", "/api/v1/quizzes/<int:quiz_id>/attempts"),
    ("POST", "/sign-out"),
}
PERSON = {
    ("GET", "/people/<employee_number>"),
    ("GET", "/api/v1/employees/<employee_number>/profile"),
    ("GET", "/api/v1/employees/<employee_number>/requirements"),
    ("GET", "/api/v1/employees/<employee_number>/evidence"),
}
VALIDATE = {
    ("GET", "/people/<employee_number>/validate"),
    ("POST", "/people/<employee_number>/validate"),
    ("POST", "/api/v1/employees/<employee_number>/validations"),
}
PRIOR = {
    ("GET", "/people/<employee_number>/prior-learning"),
    ("POST", "/people/<employee_number>/prior-learning"),
    ("POST", "/api/v1/employees/<employee_number>/prior-learning"),
    # issue 13: extra time in timed quizzes, the same rule (HR; never oneself nor a leaver)
    ("GET", "/people/<employee_number>/extra-time"),
    ("POST", "/people/<employee_number>/extra-time"),
}
EVIDENCE = {
    ("GET", "/evidence/<int:evidence_id>/withdraw"),
    ("POST", "/evidence/<int:evidence_id>/withdraw"),
    ("POST", "/api/v1/evidence/<int:evidence_id>/withdrawal"),
}
#: the viewers who may withdraw Tomasz's validation of E1010
WITHDRAWERS = {"manager", "managers_manager", "hr"}
OWN_ATTEMPT = {
    ("GET", "/attempts/<int:attempt_id>"),
    ("POST", "/attempts/<int:attempt_id>"),
    ("GET", "/api/v1/attempts/<int:attempt_id>"),
    ("PUT", "/api/v1/attempts/<int:attempt_id>/responses"),
    ("POST", "/api/v1/attempts/<int:attempt_id>/submit"),
}
TEAM = {
    ("GET", "/team"),
    ("GET", "/api/v1/teams/me/skill-gaps"),
    ("GET", "/api/v1/team/trends"),
    ("GET", "/team/assign"),
    ("POST", "/team/assign"),
    # issue 11: close a gap (HR names a manager with ?manager=, so without it HR is refused)
    ("GET", "/team/gaps/<code>"),
    ("POST", "/team/gaps/<code>"),
    ("GET", "/api/v1/skill-gaps/<code>/proposal"),
    ("POST", "/api/v1/skill-gaps/<code>/assignments"),
    ("GET", "/team/heatmap"),
    ("GET", "/api/v1/teams/me/heatmap"),
}
ORG_VIEW = {
    ("GET", "/organisation/skills"),
    ("GET", "/api/v1/organisation/skills"),
}
ASSIGN = {
    ("GET", "/api/v1/assignments"),
    ("POST", "/api/v1/assignments"),
    ("POST", "/api/v1/assignments/preview"),
    # the same shape (issue 13): HR exports everyone, a manager their own subtree only
    ("GET", "/api/v1/exports/completions"),
    ("GET", "/api/v1/exports/completions/dictionary.csv"),
    # the Exports page and export jobs (issue 13): HR everyone, a manager their own subtree
    ("GET", "/exports"),
    ("POST", "/exports"),
    ("GET", "/exports/<report>/dictionary.csv"),
    ("GET", "/api/v1/exports/<report>/dictionary.csv"),
    ("GET", "/api/v1/exports/jobs"),
    ("POST", "/api/v1/exports/jobs"),
}
#: the viewers who may assign learning (HR, and managers to their own team)
ASSIGNERS = {"manager", "managers_manager", "hr"}
HR, ADMINS, STAFF = {"hr"}, {"hr", "platform_admin"}, {"hr", "content_admin"}
ROLE = {
    ("GET", "/hr"): HR,
    # the People directory (issue 13)
    ("GET", "/hr/people"): HR,
    ("GET", "/api/v1/employees"): HR,
    ("GET", "/api/v1/exports/completions.csv"): HR,
    ("GET", "/api/v1/exports/requirements"): HR,
    ("GET", "/api/v1/xapi/statements.jsonl"): HR,
    ("GET", "/api/v1/exports/requirements/dictionary.csv"): HR,
    ("GET", "/api/v1/employees/<employee_number>/quiz-time-adjustment"): HR,
    ("PUT", "/api/v1/employees/<employee_number>/quiz-time-adjustment"): HR,
    ("GET", "/api/v1/audit-events"): ADMINS,
    ("GET", "/api/v1/audit-events.csv"): ADMINS,
    ("GET", "/api/v1/api-tokens"): ADMINS,
    ("POST", "/api/v1/api-tokens"): ADMINS,
    ("DELETE", "/api/v1/api-tokens/<int:token_id>"): ADMINS,
    ("GET", "/api/v1/reviews"): STAFF,
    ("POST", "/api/v1/attempts/<int:attempt_id>/review"): STAFF,
    ("GET", "/api/v1/question-banks"): STAFF,
    ("GET", "/api/v1/question-banks/<name>"): STAFF,
    ("GET", "/api/v1/question-banks/<name>/export.gift"): STAFF,
    ("POST", "/api/v1/question-banks/<name>/imports"): STAFF,
    ("GET", "/api/v1/question-banks/<name>/export.xml"): STAFF,
    # the question-bank and quiz pages (issue 13); an upload is its uploader's only (404)
    ("GET", "/banks"): STAFF,
    ("GET", "/banks/<name>"): STAFF,
    ("GET", "/banks/import"): STAFF,
    ("POST", "/banks/import"): STAFF,
    ("GET", "/banks/imports/<token>"): STAFF,
    ("POST", "/banks/imports/<token>"): STAFF,
    ("GET", "/content/quizzes"): STAFF,
    ("GET", "/content/quizzes/<int:quiz_id>/settings"): {"content_admin"},
    ("POST", "/content/quizzes/<int:quiz_id>/settings"): {"content_admin"},
    ("GET", "/content/quizzes/<int:quiz_id>/regrade"): STAFF,
    ("POST", "/content/quizzes/<int:quiz_id>/regrade"): STAFF,
    ("POST", "/api/v1/org/imports"): HR,
    ("GET", "/api/v1/org/imports/runs/<int:run_id>"): HR,
    ("POST", "/api/v1/org/imports/runs/<int:run_id>/cancel"): HR,
    ("POST", "/api/v1/quizzes/<int:quiz_id>/regrade"): STAFF,
    ("PATCH", "/api/v1/quizzes/<int:quiz_id>/settings"): {"content_admin"},
    ("PUT", "/api/v1/questions/<int:question_id>"): {"content_admin"},
    ("GET", "/api/v1/questions/<int:question_id>"): {"content_admin"},
    ("GET", "/hr/assignments"): HR,
    ("GET", "/hr/assignments/new"): HR,
    ("POST", "/hr/assignments/new"): HR,
    ("GET", "/hr/assignments/<int:assignment_id>"): HR,
    ("POST", "/hr/assignments/<int:assignment_id>"): HR,
    ("GET", "/hr/assignments/<int:assignment_id>/remove"): HR,
    ("POST", "/hr/assignments/<int:assignment_id>/remove"): HR,
    ("GET", "/api/v1/assignments/<int:assignment_id>"): HR,
    ("PATCH", "/api/v1/assignments/<int:assignment_id>"): HR,
    ("DELETE", "/api/v1/assignments/<int:assignment_id>"): HR,
    # HR import in the browser (issue 13): a preview is its uploader's own (404 to others)
    ("GET", "/hr/imports"): HR,
    ("POST", "/hr/imports"): HR,
    ("GET", "/hr/imports/preview/<token>"): HR,
    ("POST", "/hr/imports/preview/<token>"): HR,
    ("POST", "/hr/imports/preview/<token>/cancel"): HR,
    ("GET", "/hr/imports/preview/<token>/progress"): HR,
    ("POST", "/hr/imports/preview/<token>/restart"): HR,
    ("GET", "/hr/imports/preview/<token>/errors.csv"): HR,
    ("GET", "/hr/imports/runs/<int:run_id>"): HR,
    ("GET", "/hr/imports/profiles"): HR,
    ("POST", "/hr/imports/profiles"): HR,
    # what one gap-closing form assigned: the sender's own token only (404 otherwise)
    ("GET", "/team/gaps/assigned/<token>"): ASSIGNERS,
    # HR exempts E1010 from their requirement, then withdraws it (learnhub.assignments.exemptions)
    ("GET", "/people/<employee_number>/requirements/<int:requirement_id>/waive"): HR,
    ("POST", "/people/<employee_number>/requirements/<int:requirement_id>/waive"): HR,
    ("GET", "/people/<employee_number>/requirements/<int:requirement_id>/withdraw-waiver"): HR,
    ("POST", "/people/<employee_number>/requirements/<int:requirement_id>/withdraw-waiver"): HR,
    ("POST", "/api/v1/employees/<employee_number>/requirements/<int:requirement_id>/waiver"): HR,
    (
        "POST",
        "/api/v1/employees/<employee_number>/requirements/<int:requirement_id>/waiver/withdrawal",
    ): HR,
    # issue 13: the audit log page and the essay review pages (the API's roles)
    ("GET", "/audit"): ADMINS,
    ("GET", "/audit.csv"): ADMINS,
    ("GET", "/reviews"): STAFF,
    ("GET", "/reviews/<int:attempt_id>"): STAFF,
    ("POST", "/reviews/<int:attempt_id>"): STAFF,
    # one export job: its requester and HR only (404 otherwise, as for no such job)
    ("GET", "/exports/jobs/<int:job_id>"): ASSIGNERS,
    ("GET", "/exports/jobs/<int:job_id>/download"): ASSIGNERS,
    ("POST", "/exports/jobs/<int:job_id>/retry"): ASSIGNERS,
    ("POST", "/exports/jobs/<int:job_id>/cancel"): ASSIGNERS,
    ("GET", "/api/v1/exports/jobs/<int:job_id>"): ASSIGNERS,
    ("GET", "/api/v1/exports/jobs/<int:job_id>/file"): ASSIGNERS,
    ("POST", "/api/v1/exports/jobs/<int:job_id>/retry"): ASSIGNERS,
    ("POST", "/api/v1/exports/jobs/<int:job_id>/cancel"): ASSIGNERS,
    # personal data on request (issue 15): HR only, pages and API
    ("GET", "/privacy/requests"): HR,
    ("POST", "/privacy/requests"): HR,
    ("POST", "/privacy/erasures"): HR,
    ("POST", "/privacy/legal-holds"): HR,
    ("GET", "/privacy/requests/<int:request_id>/file"): HR,
    ("POST", "/api/v1/privacy/subject-access"): HR,
    ("GET", "/api/v1/privacy/subject-access/<int:request_id>"): HR,
    ("GET", "/api/v1/privacy/subject-access/<int:request_id>/file"): HR,
    ("POST", "/api/v1/privacy/erasures"): HR,
    ("POST", "/api/v1/privacy/legal-holds"): HR,
}
CLASSIFIED = (
    PUBLIC
    | SELF
    | PERSON
    | OWN_ATTEMPT
    | TEAM
    | ASSIGN
    | VALIDATE
    | PRIOR
    | EVIDENCE
    | ORG_VIEW
    | set(ROLE)
)

#: role -> (email, employee number) in the demo organisation (content/demo/organisation.csv)
VIEWERS = {
    "employee": ("employee@example.org", "E1007"),
    "manager": ("tomasz.nowak@example.org", "E1009"),
    "managers_manager": ("manager@example.org", "E1003"),
    "hr": ("hr@example.org", "E1020"),
    "content_admin": ("oliver.bennett@example.org", "E1002"),
    "platform_admin": ("niamh.gallagher@example.org", "E1006"),
}
LEAVER = "E1099"
#: who each viewer may see besides themself (written out by hand, not computed by the code
#: under test): Tomasz manages E1010-E1013; Maria manages Evan, Leila, Tomasz and, through
#: Tomasz, E1010-E1013; HR sees everyone, leavers too
SEES = {
    "employee": set(),
    "manager": {"E1010", "E1011", "E1012", "E1013"},
    "managers_manager": {"E1007", "E1008", "E1009", "E1010", "E1011", "E1012", "E1013"},
    "hr": {"*"},
    "content_admin": set(),
    "platform_admin": set(),
}
#: the people every viewer is tried against: inside both teams (E1010), Maria's direct report
#: (E1008), outside every team (E1015, E1025), a manager above the others (E1003), a leaver
#: who was in Tomasz's team
TARGETS = ["E1010", "E1008", "E1015", "E1025", "E1003", LEAVER]


def _rules(app) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_endpoint_is_classified(app):
    rules = _rules(app)
    assert sorted(rules - CLASSIFIED) == [], "classify these endpoints in this test"
    assert sorted(CLASSIFIED - rules) == [], "these classified endpoints no longer exist"


@dataclass
class World:
    people: dict[str, tuple[int, str, str]]  # number -> (id, full name, email)
    attempts: dict[str, int]  # number -> an attempt of theirs
    ids: dict[str, object] = field(default_factory=dict)  # URL parameters

    def sees(self, role: str, number: str) -> bool:
        me = VIEWERS[role][1]
        return number == me or "*" in SEES[role] or (number in SEES[role] and number != LEAVER)


@pytest.fixture
def world(app, demo) -> World:
    with app.app_context():
        for email, role in (
            ("oliver.bennett@example.org", "content_admin"),
            ("niamh.gallagher@example.org", "platform_admin"),
        ):
            employee = db.session.scalar(select(Employee).where(Employee.email == email))
            auth.grant_role(auth.account_for(employee), role)
        organisation = (CONTENT_DIR / "demo" / "organisation.csv").read_bytes()
        extra = f"{LEAVER},Lea,Vermeulen,lea.vermeulen@example.org,CASE_OFF,Case Officer,"
        extra += "Benefits Casework,E1009,2020-01-01\n"
        with_leaver = organisation.rstrip(b"\r\n") + b"\n" + extra.encode()
        apply_import(plan_import(with_leaver, source="demo"))
        course = db.session.scalar(select(Course).order_by(Course.id))
        module = course.modules[0]
        quiz = quizzes.current_quiz(module.id)
        people = {
            e.employee_number: (e.id, e.full_name, e.email)
            for e in db.session.scalars(select(Employee))
        }
        attempts = {}
        for number in {v[1] for v in VIEWERS.values()} | set(TARGETS):
            attempt = db.session.scalar(
                select(Attempt).where(Attempt.employee_id == people[number][0])
            ) or quizzes.start_attempt(quiz.id, people[number][0])
            attempts[number] = attempt.id
        # the leaver leaves: a full sync of the demo source without them
        plan = plan_import(organisation, source="demo", mode="full")
        assert list(plan.left) == [LEAVER]
        apply_import(plan)
        bank = db.session.scalar(select(QuestionBank.name).order_by(QuestionBank.id))
        hr_id = people["E1020"][0]
        assignment = assignments.create_assignment(
            assignments.AssignmentSpec(
                course_id=course.id,
                audience=AudienceKind.PEOPLE,
                employee_ids=[people["E1010"][0]],
                due_kind=DueKind.AFTER_ASSIGNMENT,
                due_days=10,
            ),
            created_by_id=hr_id,
        )
        validation = recorded.validate_level(
            Actor(employee_id=people["E1009"][0], hr=False),
            db.session.get(Employee, people["E1010"][0]),
            "digcomp-3.0",
            "4.1",
            2,
        )
        ids = {
            "course_id": course.id,
            "module_id": module.id,
            "quiz_id": quiz.id,
            "question_id": db.session.scalar(select(Question.id).order_by(Question.id)),
            "name": bank or "no-such-bank",
            "token_id": 999_999,
            "secret": "not-a-secret",
            "filename": "learnhub.css",
            "assignment_id": assignment.id,
            # a picture of the phishing course (the other courses have none)
            "course_slug": "phishing-and-account-security",
            "path": "images/annotated-phishing-email.svg",
            "evidence_id": validation.id,
            "code": "4.2",
            "token": "no-such-token",
            # the ROLE entries' person (the others name theirs) and their requirement
            "employee_number": "E1010",
            "requirement_id": db.session.scalar(
                select(Requirement.id).where(Requirement.employee_id == people["E1010"][0])
            ),
            "run_id": 999_999,
            "report": "competence_profiles",
            "job_id": 999_999,
            "request_id": 999_999,
        }
        db.session.commit()
    return World(people, attempts, ids)


def _url(rule: str, params: dict) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: str(params[m.group(1)]), rule)


#: a manager's assignment every assigner may make: E1010 is in both managers' teams
ASSIGNMENT_BODY = {
    "course_id": 1,
    "audience": "people",
    "employee_numbers": ["E1010"],
    "due_kind": "after_assignment",
    "due_days": 10,
}
LEVEL = {"framework": "digcomp-3.0", "competence": "4.1", "level": 1}
BODIES = {
    ("POST", "/attempts/<int:attempt_id>"): {"data": {"action": "save"}},
    ("PUT", "/api/v1/attempts/<int:attempt_id>/responses"): {"json": {"responses": {}}},
    ("POST", "/api/v1/attempts/<int:attempt_id>/submit"): {"json": {"responses": {}}},
    ("POST", "/api/v1/attempts/<int:attempt_id>/review"): {"json": {"scores": {}}},
    ("PUT", "/api/v1/employees/<employee_number>/quiz-time-adjustment"): {
        "json": {"extra_percent": 25, "no_time_limit": False}
    },
    ("POST", "/api/v1/api-tokens"): {"json": {"name": "x", "scopes": ["exports:read"]}},
    ("PATCH", "/api/v1/quizzes/<int:quiz_id>/settings"): {"json": {}},
    ("PUT", "/api/v1/questions/<int:question_id>"): {"json": {}},
    ("POST", "/api/v1/quizzes/<int:quiz_id>/regrade"): {"json": {"dry_run": True}},
    ("POST", "/api/v1/assignments"): {"json": ASSIGNMENT_BODY},
    ("POST", "/api/v1/assignments/preview"): {"json": ASSIGNMENT_BODY},
    ("PATCH", "/api/v1/assignments/<int:assignment_id>"): {"json": {"renewal_window_days": 9}},
    ("POST", "/api/v1/me/self-assessment"): {"json": {"framework": "digcomp-3.0", "ratings": {}}},
    ("POST", "/api/v1/employees/<employee_number>/validations"): {"json": LEVEL},
    ("POST", "/api/v1/employees/<employee_number>/prior-learning"): {
        "json": LEVEL | {"reference": "A certificate", "achieved_on": "2025-01-10"}
    },
    ("POST", "/api/v1/evidence/<int:evidence_id>/withdrawal"): {"json": {"reason": "matrix"}},
    ("POST", "/api/v1/employees/<employee_number>/requirements/<int:requirement_id>/waiver"): {
        "json": {"reason": "matrix"}
    },
    (
        "POST",
        "/api/v1/employees/<employee_number>/requirements/<int:requirement_id>/waiver/withdrawal",
    ): {"json": {"reason": "matrix"}},
    ("POST", "/api/v1/skill-gaps/<code>/assignments"): {
        "json": {"due_kind": "after_assignment", "due_days": 10}
    },
    ("POST", "/exports"): {"data": {"report": "competence_profiles", "format": "jsonl"}},
    # a valid change (a refused form answers 422, tester report E17)
    ("POST", "/people/<employee_number>/extra-time"): {"data": {"kind": "none"}},
    ("POST", "/api/v1/exports/jobs"): {"json": {"report": "competence_profiles"}},
}


#: forms the matrix sends empty: a role allowed in gets the form back with its errors, 422 (a
#: refused form, tester report E17; hrfix), which still says the role was let in (403/404 not)
REFUSED_FORMS = {("POST", "/team/assign")}


class Matrix:
    """Runs requests as one role and collects every broken expectation."""

    def __init__(self, app, world: World, role: str) -> None:
        self.world, self.role = world, role
        self.client = app.test_client()
        self.csrf = sign_in(self.client, VIEWERS[role][0])
        self.failures: list[str] = []

    def call(self, method: str, rule: str, **params):
        args = dict(BODIES.get((method, rule), {}))
        url = _url(rule, self.world.ids | params)
        response = self.client.open(url, method=method, headers={"X-CSRFToken": self.csrf}, **args)
        response.get_data()  # consume streamed bodies so their request context ends here
        response.close()
        return url, response

    def hidden_people(self) -> list[str]:
        return [n for n in self.world.people if not self.world.sees(self.role, n)]

    def expect_denied(self, key: tuple[str, str], url: str, response, about: list[str]) -> None:
        if response.status_code not in (403, 404):
            self.failures.append(f"{self.role} {key[0]} {url}: {response.status_code}, not 403/404")
        self.expect_no_leak(key, url, response, about)

    def expect_allowed(self, key: tuple[str, str], url: str, response) -> None:
        if response.status_code == 422 and key in REFUSED_FORMS:
            return
        if not 200 <= response.status_code < 400:
            self.failures.append(f"{self.role} {key[0]} {url}: {response.status_code}, not 2xx/3xx")

    def expect_no_leak(self, key, url: str, response, about: list[str]) -> None:
        body = response.get_data(as_text=True)
        for number in about:
            _id, name, email = self.world.people[number]
            if name in body or email in body:
                self.failures.append(f"{self.role} {key[0]} {url}: leaks {number} {name}")


def _walk(app, world: World, role: str) -> list[str]:
    m = Matrix(app, world, role)
    me = VIEWERS[role][1]
    for key in sorted(SELF - {("POST", "/sign-out")}):
        url, response = m.call(*key)
        m.expect_allowed(key, url, response)
        m.expect_no_leak(key, url, response, m.hidden_people())
    for key in sorted(PERSON):
        for number in [me, *TARGETS]:
            url, response = m.call(*key, employee_number=number)
            if world.sees(role, number):
                m.expect_allowed(key, url, response)
                if world.people[number][1] not in response.get_data(as_text=True):
                    m.failures.append(f"{role} GET {url}: the person's name is missing")
            else:
                m.expect_denied(key, url, response, [number])
        url, response = m.call(*key, employee_number="NO-SUCH-PERSON")
        if response.status_code != 404:
            m.failures.append(f"{role} GET {url}: {response.status_code} for nobody, not 404")
    # withdrawals before validations: a validation of E1010 would replace the one withdrawn
    for key in sorted(EVIDENCE):
        url, response = m.call(*key)
        if role in WITHDRAWERS:
            m.expect_allowed(key, url, response)
        else:
            m.expect_denied(key, url, response, ["E1010"])
    for key in sorted(VALIDATE | PRIOR):
        for number in [me, *TARGETS]:
            url, response = m.call(*key, employee_number=number)
            may = world.sees(role, number) and number not in (me, LEAVER)
            if may and (key not in PRIOR or role == "hr"):
                m.expect_allowed(key, url, response)
            elif world.sees(role, number):
                if response.status_code not in (403, 404):
                    m.failures.append(f"{role} {key[0]} {url}: {response.status_code}")
            else:
                m.expect_denied(key, url, response, [number])
    for key in sorted(OWN_ATTEMPT):
        for number in [*TARGETS, me]:  # the caller's own last: a POST may submit it
            url, response = m.call(*key, attempt_id=world.attempts[number])
            if number == me:
                if key[0] == "GET":
                    m.expect_allowed(key, url, response)
            else:
                m.expect_denied(key, url, response, [number])
    for key in sorted(TEAM):
        url, response = m.call(*key)
        if SEES[role] and "*" not in SEES[role]:
            m.expect_allowed(key, url, response)
            m.expect_no_leak(key, url, response, m.hidden_people())
        else:
            m.expect_denied(key, url, response, [n for n in world.people if n != me])
    for key in sorted(ASSIGN):
        url, response = m.call(*key)
        if role in ASSIGNERS:
            m.expect_allowed(key, url, response)
            m.expect_no_leak(key, url, response, m.hidden_people())
        else:
            m.expect_denied(key, url, response, [n for n in world.people if n != me])
    for key in sorted(ORG_VIEW):
        url, response = m.call(*key)
        if role == "hr" or (SEES[role] and "*" not in SEES[role]):
            m.expect_allowed(key, url, response)
            m.expect_no_leak(key, url, response, [n for n in world.people if n != me])
        else:
            m.expect_denied(key, url, response, [n for n in world.people if n != me])
    for key, roles in sorted(ROLE.items()):
        targets = TARGETS if "<int:employee_id>" in key[1] or "attempt_id" in key[1] else [None]
        for number in targets:
            params = {}
            if number is not None:
                params = {
                    "employee_id": world.people[number][0],
                    "attempt_id": world.attempts[number],
                }
            url, response = m.call(*key, **params)
            if role in roles:
                if key[0] == "GET" and response.status_code not in (200, 404):
                    m.failures.append(f"{role} GET {url}: {response.status_code}")
            else:
                m.expect_denied(key, url, response, [n for n in world.people if n != me])
    url, response = m.call("POST", "/sign-out")
    m.expect_allowed(("POST", "/sign-out"), url, response)
    return m.failures


@pytest.mark.parametrize("role", list(VIEWERS))
def test_access_matrix(app, world, role):
    failures = _walk(app, world, role)
    assert failures == []


def test_signed_out_every_non_public_endpoint_asks_for_sign_in(app, world):
    client = app.test_client()
    for method, rule in sorted(CLASSIFIED - PUBLIC):
        url = _url(
            rule,
            world.ids
            | {
                "employee_number": "E1010",
                "employee_id": world.people["E1010"][0],
                "attempt_id": world.attempts["E1010"],
            },
        )
        response = client.open(url, method=method)
        # a write without a CSRF token stops at the CSRF check (400) before sign-in is asked
        if rule.startswith("/api/"):
            expected = (401,) if method == "GET" else (400, 401)
        else:
            expected = (302,) if method == "GET" else (302, 400)
        assert response.status_code in expected, (method, url, response.status_code)
        assert "Amara Diallo" not in response.get_data(as_text=True)
