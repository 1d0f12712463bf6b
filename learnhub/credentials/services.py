"""Issuing, listing and revoking Open Badges 3.0 credentials (issue 15 "Credentials").

Proof format: VC-JWT (Open Badges 3.0 §8.2, the credential as the JWT payload, RS256, the
issuer's public key in the JOSE header), made by ``openbadgeslib`` (a maintained library;
no hand-written signing). Chosen over a Data Integrity proof (eddsa-rdfc-2022) because it
needs no JSON-LD canonicalisation, which would fetch remote contexts, and every OB 3.0
verifier must accept it.

What a credential says: the course as an Achievement (achievementType ``Course``), aligned to
each DigComp 3.0 competence its modules prove, at the highest proficiency level a module of the
course proves (``targetDescription``); the organisation as issuer; the person named only by a
salted SHA-256 of their email (``IdentityObject``), never in clear; a ``credentialStatus``
entry pointing at the organisation's revocation list (W3C Bitstring Status List).

Revocation (:func:`sync_revocations`): a credential is revoked when its course completion no
longer stands (a regrade or an essay review turned a pass into a fail, so the enrolment is no
longer completed) or its holder's record is gone. The status list is rebuilt from the table on
every request, after the sync, so a verifier always sees the current state.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app
from openbadgeslib.ob3 import (
    Achievement,
    Alignment,
    IdentityObject,
    Issuer,
    OB3Signer,
    OpenBadgeCredential,
    build_status_list_credential,
    sign_status_list_credential,
    status_entry,
)
from sqlalchemy import and_, func, select, update

from learnhub.catalog.models import Course, Module, ModuleCompetence
from learnhub.core.audit import audit
from learnhub.core.errors import DomainError, NotFound
from learnhub.core.models import utcnow
from learnhub.credentials.keys import public_jwk, signing_key_pem
from learnhub.credentials.models import IssuedCredential
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.progress.models import Enrolment
from learnhub.skills.models import Competence, ProficiencyLevel

logger = logging.getLogger(__name__)

DIGCOMP_URL = (
    "https://joint-research-centre.ec.europa.eu/projects-and-activities/education-and-training/"
    "digital-transformation-education/digital-competence-framework-citizens-digcomp_en"
)
#: the W3C Bitstring Status List is at least 131,072 bits (16 KB) so a list hides which
#: credential a verifier asks about; LearnHub grows it in steps of that size
LIST_BITS = 131_072


def _base() -> str:
    return str(current_app.config["LEARNHUB_BASE_URL"]).rstrip("/")


def issuer_id() -> str:
    """The issuer profile's URL: ``<LEARNHUB_BASE_URL>/credentials/issuer``."""
    return f"{_base()}/credentials/issuer"


def status_list_url() -> str:
    return f"{_base()}/credentials/status/revocation"


def issuer_profile() -> dict:
    """The organisation as an Open Badges 3.0 ``Profile`` with its public key (JWK)."""
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": issuer_id(),
        "type": ["Profile"],
        "name": current_app.config["LEARNHUB_ORGANISATION_NAME"],
        "url": _base(),
        "email": current_app.config["LEARNHUB_SUPPORT_EMAIL"],
        "publicKey": public_jwk(),
    }


def completed_courses(employee_id: int) -> list[tuple[Course, datetime]]:
    """[(course, completed_at)] of the employee's completed enrolments, newest first."""
    rows = db.session.execute(
        select(Course, Enrolment.completed_at)
        .join(Enrolment, Enrolment.course_id == Course.id)
        .where(Enrolment.employee_id == employee_id, Enrolment.completed_at.is_not(None))
        .order_by(Enrolment.completed_at.desc())
    ).all()
    return [(course, completed_at) for course, completed_at in rows if completed_at is not None]


def _alignments(course_id: int) -> list[Alignment]:
    """One alignment per DigComp competence the course's active modules prove, at the highest
    level one of them proves."""
    rows = db.session.execute(
        select(
            Competence.code,
            Competence.name,
            func.max(ModuleCompetence.level_number),
            Competence.framework_id,
        )
        .join(ModuleCompetence, ModuleCompetence.competence_id == Competence.id)
        .join(Module, and_(Module.id == ModuleCompetence.module_id, Module.active.is_(True)))
        .where(Module.course_id == course_id)
        .group_by(Competence.id, Competence.code, Competence.name, Competence.framework_id)
        .order_by(Competence.code)
    ).all()
    names = {
        (lvl.framework_id, lvl.number): lvl.name
        for lvl in db.session.scalars(select(ProficiencyLevel))
    }
    return [
        Alignment(
            target_name=f"{code} {name}",
            target_url=DIGCOMP_URL,
            target_framework="DigComp 3.0",
            target_code=code,
            target_description=(
                f"Proficiency level {level} ({names.get((framework_id, level), '?')}) "
                "of DigComp 3.0's four"
            ),
        )
        for code, name, level, framework_id in rows
    ]


def credential_document(credential: IssuedCredential) -> OpenBadgeCredential:
    """The OpenBadgeCredential of an issued row (deterministic: the same row gives the same
    document, so a second download is the same credential)."""
    course = db.session.get(Course, credential.course_id)
    employee = db.session.get(Employee, credential.employee_id)
    if course is None or employee is None:
        raise NotFound("That credential's course or holder no longer exists.")
    achievement = Achievement(
        id=f"{_base()}/credentials/achievements/{course.slug}",
        name=course.title,
        description=course.summary or course.title,
        criteria_narrative=(
            f"Passed the quiz of every module of the course {course.title!r} on LearnHub, "
            "each at its pass mark."
        ),
        achievement_type="Course",
        alignments=_alignments(course.id),
    )
    identity = IdentityObject.create(employee.email.lower(), salt=credential.uuid)
    return OpenBadgeCredential(
        issuer=Issuer(
            id=issuer_id(),
            name=current_app.config["LEARNHUB_ORGANISATION_NAME"],
            url=_base(),
        ),
        recipient_id=None,
        achievement=achievement,
        id=f"{_base()}/credentials/{credential.uuid}",
        issuance_date=credential.issued_at,
        identifiers=[identity],
        credential_status=[status_entry(status_list_url(), "revocation", credential.id)],
    )


def issue_credential(employee_id: int, course_id: int) -> tuple[IssuedCredential, str]:
    """The person's current credential for the course (issued now if they have none that
    stands) and its signed VC-JWT. Raises DomainError when the course is not completed.
    Audited when issued. Flushes, never commits."""
    sync_revocations()
    completed = db.session.scalar(
        select(Enrolment.completed_at).where(
            Enrolment.employee_id == employee_id, Enrolment.course_id == course_id
        )
    )
    if completed is None:
        raise DomainError("A credential is issued for a completed course only.")
    credential = db.session.scalar(
        select(IssuedCredential)
        .where(
            IssuedCredential.employee_id == employee_id,
            IssuedCredential.course_id == course_id,
            IssuedCredential.revoked_at.is_(None),
        )
        .order_by(IssuedCredential.id.desc())
    )
    if credential is None:
        credential = IssuedCredential(employee_id=employee_id, course_id=course_id)
        credential.issued_at = utcnow().replace(microsecond=0)
        db.session.add(credential)
        db.session.flush()
        audit(
            "credential.issued",
            target=f"employee:{employee_id}",
            course_id=course_id,
            credential=credential.uuid,
        )
    token = OB3Signer(signing_key_pem(), "RS256").sign(credential_document(credential))
    return credential, token


def sync_revocations(at: datetime | None = None) -> int:
    """Revoke every standing credential whose course completion no longer stands (the
    enrolment is gone or no longer completed) or whose holder is gone. One UPDATE; returns how
    many were revoked. Flushes."""
    standing = select(Enrolment.id).where(
        Enrolment.employee_id == IssuedCredential.employee_id,
        Enrolment.course_id == IssuedCredential.course_id,
        Enrolment.completed_at.is_not(None),
    )
    result = db.session.execute(
        update(IssuedCredential)
        .where(IssuedCredential.revoked_at.is_(None), ~standing.exists())
        .values(revoked_at=at or utcnow(), revocation_reason="course completion withdrawn")
        .execution_options(synchronize_session=False)
    )
    count = result.rowcount or 0  # type: ignore[attr-defined]
    if count:
        logger.info("credentials revoked: %d", count)
    return count


def revoke_for_employee(employee_id: int, reason: str) -> int:
    """Revoke every standing credential of one person (their record is being erased).
    Returns how many; audited. Flushes."""
    result = db.session.execute(
        update(IssuedCredential)
        .where(IssuedCredential.employee_id == employee_id, IssuedCredential.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revocation_reason=reason)
        .execution_options(synchronize_session=False)
    )
    count = result.rowcount or 0  # type: ignore[attr-defined]
    if count:
        audit("credential.revoked", target=f"employee:{employee_id}", count=count, reason=reason)
    return count


def revocation_list_jwt() -> str:
    """The signed BitstringStatusListCredential (purpose ``revocation``): bit ``id`` set for
    every revoked credential. Synced first, so it is current."""
    sync_revocations()
    revoked = list(
        db.session.scalars(
            select(IssuedCredential.id).where(IssuedCredential.revoked_at.is_not(None))
        )
    )
    top = db.session.scalar(select(func.max(IssuedCredential.id))) or 0
    size = LIST_BITS * (top // LIST_BITS + 1)
    document = build_status_list_credential(
        issuer_id(), status_list_url(), "revocation", revoked, size_bits=size
    )
    return sign_status_list_credential(document, signing_key_pem(), "RS256")
