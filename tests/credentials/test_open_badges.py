"""Open Badges 3.0 credentials (issue 15): issued only for a completed course, signed as a
VC-JWT that an independent verifier (joserfc, not the library that signed it) accepts with the
key the issuer profile publishes; the achievement carries the course's DigComp competences
and levels; a withdrawn completion revokes it in the public status list."""

from __future__ import annotations

import base64
import gzip
import json

import pytest
from joserfc import jws
from joserfc.jwk import RSAKey
from sqlalchemy import select

from learnhub.catalog.models import Course
from learnhub.core.errors import DomainError
from learnhub.core.models import utcnow
from learnhub.credentials import services
from learnhub.credentials.models import IssuedCredential
from learnhub.extensions import db
from learnhub.progress.models import Enrolment
from tests.conftest import sign_in
from tests.factories import EmployeeFactory

COURSE = "phishing-and-account-security"


def _verify(token: str, profile: dict) -> dict:
    """An independent check: the JWS signature against the issuer profile's published key."""
    key = RSAKey.import_key(profile["publicKey"])
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header["alg"] == "RS256"
    # the OB 3.0 header carries the public key (a JWK), over joserfc's 512-byte default;
    # a status list of 131,072 bits is over its 128 kB payload default
    registry = jws.JWSRegistry(algorithms=["RS256"], strict_check_header=False)
    registry.max_header_length, registry.max_payload_length = 4096, 1_000_000
    verified = jws.deserialize_compact(token, key, algorithms=["RS256"], registry=registry)
    return json.loads(verified.payload)


def _bit(status_jwt: str, profile: dict, index: int) -> bool:
    """Bit ``index`` of a W3C Bitstring Status List credential (GZIP, base64url, MSB first)."""
    encoded = _verify(status_jwt, profile)["credentialSubject"]["encodedList"]
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded.lstrip("u") + "=="))
    return bool(raw[index // 8] & (0x80 >> (index % 8)))


@pytest.fixture
def completed(app_ctx):
    person = EmployeeFactory(email="ada@example.org")
    course = db.session.scalar(select(Course).where(Course.slug == COURSE))
    enrolment = Enrolment(employee_id=person.id, course_id=course.id, completed_at=utcnow())
    db.session.add(enrolment)
    db.session.flush()
    return person, course, enrolment


def test_a_credential_is_issued_for_a_completed_course_and_verifies(completed):
    person, course, _enrolment = completed
    credential, token = services.issue_credential(person.id, course.id)
    payload = _verify(token, services.issuer_profile())
    assert "OpenBadgeCredential" in payload["type"]
    assert payload["iss"] == services.issuer_id() == payload["issuer"]["id"]
    assert payload["jti"] == payload["id"] and payload["id"].endswith(credential.uuid)
    subject = payload["credentialSubject"]
    assert "ada@example.org" not in json.dumps(payload)  # named only by a salted hash
    assert subject["identifier"][0]["hashed"] is True
    achievement = subject["achievement"]
    assert achievement["name"] == course.title and achievement["achievementType"] == "Course"
    codes = {a["targetCode"]: a["targetDescription"] for a in achievement["alignment"]}
    assert set(codes) == {"4.1", "4.2"}
    assert all("Proficiency level" in description for description in codes.values())
    status = payload["credentialStatus"]
    assert status["statusListCredential"] == services.status_list_url()
    assert int(status["statusListIndex"]) == credential.id
    # a second download is the same credential, not a new one
    again, _token = services.issue_credential(person.id, course.id)
    assert again.id == credential.id


def test_no_credential_without_a_completion(app_ctx):
    person = EmployeeFactory()
    course = db.session.scalar(select(Course).where(Course.slug == COURSE))
    with pytest.raises(DomainError):
        services.issue_credential(person.id, course.id)


def test_a_withdrawn_completion_revokes_the_credential_in_the_status_list(completed):
    person, course, enrolment = completed
    credential, _token = services.issue_credential(person.id, course.id)
    profile = services.issuer_profile()
    assert _bit(services.revocation_list_jwt(), profile, credential.id) is False
    enrolment.completed_at = None  # a regrade turned the last pass into a fail
    db.session.flush()
    status = services.revocation_list_jwt()
    assert _bit(status, profile, credential.id) is True
    db.session.refresh(credential)
    assert credential.revoked_at is not None
    # completed again: a new credential, the old one stays revoked
    enrolment.completed_at = utcnow()
    db.session.flush()
    new, _token = services.issue_credential(person.id, course.id)
    assert new.id != credential.id
    assert _bit(services.revocation_list_jwt(), profile, new.id) is False


def test_the_pages_issue_to_the_holder_and_publish_the_profile_and_list(app, client, demo):
    with app.app_context():
        from learnhub.org.services import get_by_email

        me = get_by_email("employee@example.org")
        course = db.session.scalar(select(Course).where(Course.slug == COURSE))
        db.session.execute(
            Enrolment.__table__.update()
            .where(Enrolment.employee_id == me.id, Enrolment.course_id == course.id)
            .values(completed_at=utcnow())
        )
        db.session.commit()
    assert client.get(f"/credentials/{COURSE}/download").status_code == 302  # sign in first
    profile = client.get("/credentials/issuer").get_json()  # public
    assert profile["type"] == ["Profile"] and profile["publicKey"]["kty"] == "RSA"
    sign_in(client, "employee@example.org")
    page = client.get("/credentials").get_data(as_text=True)
    assert f"/credentials/{COURSE}/download" in page
    response = client.get(f"/credentials/{COURSE}/download")
    assert response.status_code == 200 and response.mimetype == "application/vc+jwt"
    payload = _verify(response.get_data(as_text=True), profile)
    assert payload["credentialSubject"]["achievement"]["name"]
    assert client.get("/credentials/not-a-course/download").status_code == 404
    listing = client.get("/credentials/status/revocation")
    assert listing.status_code == 200 and listing.mimetype == "application/vc+jwt"
    with app.app_context():
        assert db.session.scalar(select(IssuedCredential.id)) is not None
