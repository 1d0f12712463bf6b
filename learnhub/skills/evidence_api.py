"""JSON API of evidence people record by hand (:mod:`learnhub.skills.recorded`): a person's
evidence, a manager's validation, HR's recognised prior learning, their withdrawal, and the
caller's own self-assessment.

Who may call what: a person's evidence is read by themself, their managers (while they are
active) and HR; anyone else gets 404 whether or not the person exists. Validations: a manager
inside their subtree, HR anywhere, nobody for themself. Prior learning: HR. API tokens act as
HR with ``skills:read`` (reading) and ``skills:write`` (recording, withdrawing); a token has
no self, so it cannot self-assess.
"""

from __future__ import annotations

from dataclasses import asdict

from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, post_load, validate
from sqlalchemy import select

from learnhub.auth.permissions import can_view_employee, token_scope
from learnhub.core.errors import Forbidden, NotFound
from learnhub.core.openapi import ErrorSchema
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.skills import recorded
from learnhub.skills.evidence_list import EvidenceItem, evidence_of
from learnhub.skills.models import EvidenceKind

blp = Blueprint(
    "evidence_api",
    __name__,
    description="Evidence recorded by hand: self-assessments (claimed), manager validations "
    "and recognised prior learning",
)

NOT_FOUND = {
    "schema": ErrorSchema,
    "description": "No such person (or evidence), or not one the caller may see",
}
FORBIDDEN = {
    "schema": ErrorSchema,
    "description": "The caller may not record this (about "
    "themself; a leaver; outside a manager's team; prior learning by anyone but HR)",
}
CONFLICT = {
    "schema": ErrorSchema,
    "description": "The evidence was already withdrawn",
}


class _Strict(Schema):
    class Meta:
        unknown = RAISE


def _text(max_length: int, **kwargs) -> fields.String:
    return fields.String(validate=validate.Length(max=max_length), **kwargs)


class _LevelArgs(_Strict):
    framework = _text(
        80, required=True, metadata={"description": "framework slug, e.g. digcomp-3.0"}
    )
    competence = _text(20, required=True, metadata={"description": "competence code, e.g. 1.2"})
    level = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=1000),
        metadata={
            "description": "a level of the framework's scale, from 1 (GET /me/"
            "competence-profile lists the levels)"
        },
    )

    @post_load
    def _strip(self, data: dict, **_: object) -> dict:
        return {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}


class ValidationArgs(_LevelArgs):
    note = _text(recorded.NOTE_MAX, load_default="", metadata={"description": "optional"})


class PriorLearningArgs(_LevelArgs):
    reference = _text(
        recorded.REFERENCE_MAX,
        required=True,
        metadata={"description": "the certificate or course name"},
    )
    achieved_on = fields.Date(required=True)
    expires_on = fields.Date(
        load_default=None, allow_none=True, metadata={"description": "None: never expires"}
    )


class WithdrawalArgs(_Strict):
    reason = _text(recorded.REASON_MAX, required=True)


class SelfAssessmentArgs(_Strict):
    framework = _text(80, required=True)
    ratings = fields.Dict(
        keys=fields.String(validate=validate.Length(max=20)),
        values=fields.Integer(strict=True, validate=validate.Range(min=1, max=1000)),
        required=True,
        validate=validate.Length(max=200),
        metadata={"description": "{competence code: level}; only competences your role targets"},
    )


class EvidenceSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"enum": [k.value for k in EvidenceKind]})
    status = fields.String(
        metadata={
            "enum": ["counts", "claimed", "expired", "withdrawn"],
            "description": "claimed: a self-assessment, shown but never counted",
        }
    )
    framework = fields.String()
    competence = fields.String(attribute="competence_code")
    competence_name = fields.String()
    level = fields.Integer()
    level_name = fields.String()
    achieved_at = fields.DateTime()
    expires_at = fields.DateTime(allow_none=True)
    recorded_by = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    reference = fields.String(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    revoked_by = fields.String(allow_none=True)
    revoked_reason = fields.String(allow_none=True)


class PersonEvidenceSchema(Schema):
    employee_number = fields.String()
    name = fields.String()
    evidence = fields.List(fields.Nested(EvidenceSchema))


class SelfAssessmentSchema(Schema):
    changed = fields.Integer(metadata={"description": "ratings that differed from your claim"})
    claims = fields.List(fields.Nested(EvidenceSchema))


def _employee(employee_number: str) -> Employee:
    """The person if the caller may see them (themself, a manager above, HR, a token), else
    NotFound with the same message whether or not they exist."""
    employee = db.session.scalar(
        select(Employee).where(Employee.employee_number == employee_number)
    )
    token = bool(getattr(current_user, "is_api_token", False))
    if employee is None or not (token or can_view_employee(current_user, employee)):
        raise NotFound("No such employee.")
    return employee


def _item(employee_id: int, evidence_id: int) -> EvidenceItem:
    return next(i for i in evidence_of(employee_id) if i.id == evidence_id)


@blp.route("/employees/<employee_number>/evidence")
class PersonEvidence(MethodView):
    @token_scope("skills:read")
    @login_required
    @blp.response(200, PersonEvidenceSchema)
    @blp.alt_response(404, **NOT_FOUND)
    def get(self, employee_number: str):
        """Every piece of evidence of a person, live and withdrawn, with its source and date."""
        employee = _employee(employee_number)
        return {
            "employee_number": employee.employee_number,
            "name": employee.full_name,
            "evidence": [asdict(i) for i in evidence_of(employee.id)],
        }


@blp.route("/employees/<employee_number>/validations")
class Validations(MethodView):
    @token_scope("skills:write")
    @login_required
    @blp.arguments(ValidationArgs)
    @blp.response(201, EvidenceSchema)
    @blp.alt_response(403, **FORBIDDEN)
    @blp.alt_response(404, **NOT_FOUND)
    def post(self, args: dict, employee_number: str):
        """A manager (for a person of their team) or HR confirms a level; it counts towards
        the attained level and replaces the person's previous validation of that competence.
        Audited."""
        employee = _employee(employee_number)
        evidence = recorded.validate_level(recorded.Actor.of(current_user), employee, **args)
        return asdict(_item(employee.id, evidence.id))


@blp.route("/employees/<employee_number>/prior-learning")
class PriorLearning(MethodView):
    @token_scope("skills:write")
    @login_required
    @blp.arguments(PriorLearningArgs)
    @blp.response(201, EvidenceSchema)
    @blp.alt_response(403, **FORBIDDEN)
    @blp.alt_response(404, **NOT_FOUND)
    def post(self, args: dict, employee_number: str):
        """HR records recognised prior learning (a certificate); it counts through its expiry
        date. Audited."""
        employee = _employee(employee_number)
        evidence = recorded.record_prior_learning(recorded.Actor.of(current_user), employee, **args)
        return asdict(_item(employee.id, evidence.id))


@blp.route("/evidence/<int:evidence_id>/withdrawal")
class Withdrawal(MethodView):
    @token_scope("skills:write")
    @login_required
    @blp.arguments(WithdrawalArgs)
    @blp.response(200, EvidenceSchema)
    @blp.alt_response(403, **FORBIDDEN)
    @blp.alt_response(404, **NOT_FOUND)
    @blp.alt_response(409, **CONFLICT)
    def post(self, args: dict, evidence_id: int):
        """Withdraw a validation (its validator, a manager above the person, HR) or a prior
        learning (HR), with a reason; it stays on record and stops counting. Audited."""
        evidence = recorded.withdraw_evidence(
            recorded.Actor.of(current_user), evidence_id, args["reason"]
        )
        return asdict(_item(evidence.employee_id, evidence.id))


@blp.route("/me/self-assessment")
class MySelfAssessment(MethodView):
    @login_required
    @blp.arguments(SelfAssessmentArgs)
    @blp.response(200, SelfAssessmentSchema)
    @blp.alt_response(403, schema=ErrorSchema, description="An API token has no self")
    def post(self, args: dict):
        """Rate yourself in competences your job role targets ({code: level}). Stored and
        shown as claimed; never raises your attained level. A changed rating replaces your
        previous claim (kept as history)."""
        if current_user.employee_id is None:
            raise Forbidden("An API token has no self to assess.")
        me = db.session.get_one(Employee, current_user.employee_id)
        changed = recorded.self_assess(me, args["framework"], args["ratings"])
        claims = [
            asdict(i)
            for i in evidence_of(me.id)
            if i.kind == EvidenceKind.SELF_ASSESSMENT and i.live
        ]
        return {"changed": changed, "claims": claims}
