"""Settings from ``LEARNHUB_*`` environment variables, with safe embedded defaults.

Embedded default (no variables set): an SQLite file under ``instance/``, Celery tasks run
in-process (eager), rate limits kept in memory. Production sets ``LEARNHUB_DATABASE_URL``
(PostgreSQL), ``LEARNHUB_REDIS_URL`` (Celery broker and rate-limit store) and
``LEARNHUB_SECRET_KEY``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _secret_key(instance_path: Path) -> str:
    """Return LEARNHUB_SECRET_KEY, else a random key kept in ``instance/secret_key``.

    A generated key survives restarts (sessions stay valid) without ever being committed.
    """
    configured = os.environ.get("LEARNHUB_SECRET_KEY")
    if configured:
        return configured
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _days(value: str) -> tuple[int, ...]:
    """ "14,3" → (14, 3): distinct positive day counts, largest first; "" → ()."""
    days = {int(part) for part in value.replace(" ", "").split(",") if part}
    if any(day < 1 for day in days):
        raise ValueError(f"reminder days must be 1 or more: {value!r}")
    return tuple(sorted(days, reverse=True))


def _optional_int(value: str) -> int | None:
    return int(value) if value.strip() else None


def load_config(instance_path: Path) -> dict[str, Any]:
    """Build the Flask config mapping from the environment.

    Returns a dict of Flask/extension settings; ``instance_path`` is where the SQLite file and
    the generated secret key live.
    """
    redis_url = os.environ.get("LEARNHUB_REDIS_URL") or None
    database_url = os.environ.get("LEARNHUB_DATABASE_URL") or (
        f"sqlite:///{instance_path / 'learnhub.db'}"
    )
    secure_cookies = _bool("LEARNHUB_SECURE_COOKIES", False)
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "LEARNHUB_REDIS_URL": redis_url,
        "LEARNHUB_CONTENT_DIR": os.environ.get(
            "LEARNHUB_CONTENT_DIR", str(PROJECT_ROOT / "content")
        ),
        # beat drains the recompute requests this often (seconds), whatever the wake-ups did
        "LEARNHUB_RECOMPUTE_SWEEP_SECONDS": int(
            os.environ.get("LEARNHUB_RECOMPUTE_SWEEP_SECONDS", "60")
        ),
        # /healthz says "degraded" when a recompute request waits longer than this (seconds):
        # workers are down or behind (the beat sweep runs every minute)
        "LEARNHUB_RECOMPUTE_STALE_SECONDS": int(
            os.environ.get("LEARNHUB_RECOMPUTE_STALE_SECONDS", "300")
        ),
        # trend snapshots of the team summaries are kept this many days (older ones pruned)
        "LEARNHUB_TREND_RETENTION_DAYS": int(
            os.environ.get("LEARNHUB_TREND_RETENTION_DAYS", "400")
        ),
        # xAPI statements go to this LRS endpoint (".../xAPI"; statements are POSTed to
        # {url}/statements); unset, statements are only kept in LearnHub. Bearer token when
        # LEARNHUB_LRS_TOKEN is set, else basic auth when LEARNHUB_LRS_USERNAME is.
        "LEARNHUB_LRS_URL": os.environ.get("LEARNHUB_LRS_URL", "").strip() or None,
        "LEARNHUB_LRS_USERNAME": os.environ.get("LEARNHUB_LRS_USERNAME") or None,
        "LEARNHUB_LRS_PASSWORD": os.environ.get("LEARNHUB_LRS_PASSWORD") or None,
        "LEARNHUB_LRS_TOKEN": os.environ.get("LEARNHUB_LRS_TOKEN") or None,
        "LEARNHUB_LRS_XAPI_VERSION": os.environ.get("LEARNHUB_LRS_XAPI_VERSION", "1.0.3"),
        "LEARNHUB_LRS_TIMEOUT_SECONDS": float(os.environ.get("LEARNHUB_LRS_TIMEOUT_SECONDS", "10")),
        # the first retry of a statement the LRS did not take waits this long, doubling after
        # each failure (at most an hour)
        "LEARNHUB_LRS_RETRY_SECONDS": int(os.environ.get("LEARNHUB_LRS_RETRY_SECONDS", "5")),
        # beat sends the xAPI outbox this often (seconds), whatever the wake-ups did
        "LEARNHUB_XAPI_SWEEP_SECONDS": int(os.environ.get("LEARNHUB_XAPI_SWEEP_SECONDS", "30")),
        # /healthz says "degraded" when a statement waits for the LRS longer than this (seconds)
        "LEARNHUB_XAPI_STALE_SECONDS": int(os.environ.get("LEARNHUB_XAPI_STALE_SECONDS", "600")),
        # DESIGN.md privacy rule: aggregates reaching outside one's subtree cover >= 5 people
        "LEARNHUB_MIN_GROUP_SIZE": int(os.environ.get("LEARNHUB_MIN_GROUP_SIZE", "5")),
        # Celery: eager in-process without a broker (embedded default)
        "CELERY": {
            "broker_url": redis_url or "memory://localhost/",
            "task_always_eager": redis_url is None,
            "task_eager_propagates": True,
            # TRAPS.md: redis-py 8 + Celery's Redis result backend warns; results live in our DB
            "task_ignore_result": True,
            "task_acks_late": True,
            "task_reject_on_worker_lost": True,
            # TRAPS.md: above the longest task, so a dead worker's task comes back in time
            "broker_transport_options": {"visibility_timeout": 3600},
            "worker_prefetch_multiplier": 1,
            "task_serializer": "json",
            "accept_content": ["json"],
            "timezone": "UTC",
        },
        # Rate limits: TRAPS.md says always set a storage URI
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        # Redis down must not fail sign-in: Flask-Limiter then counts in this process's memory
        # (logging "Rate limit storage unreachable - falling back to in-memory storage") and
        # goes back to Redis once it answers; an error it still meets is logged, not raised.
        # Short timeouts: a hung Redis costs a request at most a second, once.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        "RATELIMIT_HEADERS_ENABLED": True,
        # exports on PostgreSQL are written in SQL, line by line (same bytes as the Python
        # writer, several times faster); off: the Python writer everywhere
        "LEARNHUB_EXPORT_IN_SQL": _bool("LEARNHUB_EXPORT_IN_SQL", True),
        # exports estimated (a COUNT) above this many rows run as an export job in a worker;
        # the job's file is kept this many hours, in this folder (web and workers share it;
        # default <instance>/exports)
        "LEARNHUB_EXPORT_JOB_THRESHOLD": int(
            os.environ.get("LEARNHUB_EXPORT_JOB_THRESHOLD", "50000")
        ),
        "LEARNHUB_EXPORT_JOB_HOURS": int(os.environ.get("LEARNHUB_EXPORT_JOB_HOURS", "168")),
        "LEARNHUB_EXPORT_DIR": os.environ.get("LEARNHUB_EXPORT_DIR") or None,
        # an export job with no sign of life (progress) for this long is stalled: Retry and
        # Cancel on its page; the beat sweep (run this often) queues it again up to
        # LEARNHUB_EXPORT_JOB_MAX_ATTEMPTS runs, then marks it failed (reports.jobs.stalls)
        "LEARNHUB_EXPORT_JOB_STALL_SECONDS": int(
            os.environ.get("LEARNHUB_EXPORT_JOB_STALL_SECONDS", "300")
        ),
        "LEARNHUB_EXPORT_JOB_MAX_ATTEMPTS": int(
            os.environ.get("LEARNHUB_EXPORT_JOB_MAX_ATTEMPTS", "3")
        ),
        "LEARNHUB_LOGIN_RATE_LIMIT": os.environ.get("LEARNHUB_LOGIN_RATE_LIMIT", "30 per minute"),
        # failed sign-ins per account from one client address, and per account from anywhere:
        # the second is higher so that an attacker at one address cannot lock the owner out
        "LEARNHUB_LOGIN_ACCOUNT_ADDRESS_RATE_LIMIT": os.environ.get(
            "LEARNHUB_LOGIN_ACCOUNT_ADDRESS_RATE_LIMIT", "10 per 10 minutes"
        ),
        "LEARNHUB_LOGIN_ACCOUNT_RATE_LIMIT": os.environ.get(
            "LEARNHUB_LOGIN_ACCOUNT_RATE_LIMIT", "100 per hour"
        ),
        # CSRF (TRAPS.md): checked in before_request unless a bearer token authenticated;
        # tied to the session so a quiz read for over an hour can still be submitted.
        "WTF_CSRF_CHECK_DEFAULT": False,
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_HEADERS": ["X-CSRFToken", "X-CSRF-Token"],
        # how many reverse proxies stand in front (ProxyFix): the audit log and the sign-in
        # limit then see the client's address, not the proxy's
        "LEARNHUB_PROXY_COUNT": int(os.environ.get("LEARNHUB_PROXY_COUNT", "0")),
        # largest request body (uploads of question banks and HR files), bytes
        "MAX_CONTENT_LENGTH": int(os.environ.get("LEARNHUB_MAX_UPLOAD_BYTES", str(32 * 2**20))),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "PERMANENT_SESSION_LIFETIME": int(os.environ.get("LEARNHUB_SESSION_SECONDS", "28800")),
        # A signed-in session ends after this long without a request (the absolute limit is
        # PERMANENT_SESSION_LIFETIME from sign-in, whatever the activity)
        "LEARNHUB_IDLE_MINUTES": int(os.environ.get("LEARNHUB_IDLE_MINUTES", "60")),
        # Links in emails are built on this (no request in the CLI or a worker); unset, it is
        # the address `make run` serves on, whose port is PORT (5000 without it)
        "LEARNHUB_BASE_URL": (
            os.environ.get("LEARNHUB_BASE_URL")
            or f"http://127.0.0.1:{os.environ.get('PORT') or '5000'}"
        ).rstrip("/"),
        # the IANA zone times are shown in for people without their own (Employee.timezone)
        "LEARNHUB_DEFAULT_TIME_ZONE": os.environ.get("LEARNHUB_DEFAULT_TIME_ZONE")
        or "Europe/Brussels",
        "LEARNHUB_INVITE_DAYS": int(os.environ.get("LEARNHUB_INVITE_DAYS", "14")),
        # Reminders of required learning (learnhub.assignments.reminders): days before the
        # due date ("7", or a list "14,3"; "" none), days overdue after which the direct
        # manager is told too ("" never), the local hour from which a day's reminders go (each
        # person's zone; the run is hourly), and how many people a weekly digest lists
        "LEARNHUB_REMINDER_DAYS_BEFORE": _days(
            os.environ.get("LEARNHUB_REMINDER_DAYS_BEFORE", "7")
        ),
        "LEARNHUB_REMINDER_MANAGER_AFTER_DAYS": _optional_int(
            os.environ.get("LEARNHUB_REMINDER_MANAGER_AFTER_DAYS", "7")
        ),
        "LEARNHUB_REMINDER_HOUR": int(os.environ.get("LEARNHUB_REMINDER_HOUR", "8")),
        # days after which a late reminder (overdue, or the manager's) is no longer sent: the
        # first run after an install or an outage does not email everyone already late
        # ("" no limit; learnhub.assignments.reminders)
        "LEARNHUB_REMINDER_LATE_WINDOW_DAYS": _optional_int(
            os.environ.get("LEARNHUB_REMINDER_LATE_WINDOW_DAYS", "7")
        ),
        "LEARNHUB_DIGEST_LIMIT": int(os.environ.get("LEARNHUB_DIGEST_LIMIT", "20")),
        # The most questions one GIFT or Moodle XML file may import (counted before it is
        # parsed: a 32 MB file of 100,000 small questions took 2.4 GB; issue 13)
        "LEARNHUB_BANK_IMPORT_MAX_QUESTIONS": int(
            os.environ.get("LEARNHUB_BANK_IMPORT_MAX_QUESTIONS", "5000")
        ),
        # The most work one HR import file may ask for (learnhub.org.hr_import.tables.Limits):
        # person rows, cells in a row, decompressed bytes of an XLSX's sheets and shared
        # strings, and entries of its shared-strings table (openpyxl holds it all in memory)
        "LEARNHUB_HR_IMPORT_MAX_ROWS": int(os.environ.get("LEARNHUB_HR_IMPORT_MAX_ROWS", "200000")),
        "LEARNHUB_HR_IMPORT_MAX_COLUMNS": int(
            os.environ.get("LEARNHUB_HR_IMPORT_MAX_COLUMNS", "100")
        ),
        "LEARNHUB_HR_IMPORT_MAX_UNZIPPED_BYTES": int(
            os.environ.get("LEARNHUB_HR_IMPORT_MAX_UNZIPPED_BYTES", str(256 * 2**20))
        ),
        "LEARNHUB_HR_IMPORT_MAX_SHARED_STRINGS": int(
            os.environ.get("LEARNHUB_HR_IMPORT_MAX_SHARED_STRINGS", "1000000")
        ),
        # Minutes an HR import preview (/hr/imports) waits for its confirmation; its uploaded
        # file is kept until then (learnhub.org.import_staging)
        "LEARNHUB_HR_IMPORT_PREVIEW_MINUTES": int(
            os.environ.get("LEARNHUB_HR_IMPORT_PREVIEW_MINUTES", "60")
        ),
        # An HR file of more person rows than this (counted cheaply: a CSV's lines, an XLSX's
        # <row> elements) is planned by a Celery task (org.plan_hr_import) with a progress
        # page, not in the request (learnhub.org.import_jobs); the API answers 202 for it
        "LEARNHUB_HR_IMPORT_JOB_ROWS": int(os.environ.get("LEARNHUB_HR_IMPORT_JOB_ROWS", "20000")),
        # such a planning with no sign of life (a progress tick) for this long is stalled:
        # its page says so and offers Start again
        "LEARNHUB_HR_IMPORT_JOB_STALL_SECONDS": int(
            os.environ.get("LEARNHUB_HR_IMPORT_JOB_STALL_SECONDS", "300")
        ),
        # the folder those files wait in; every web worker must see the same one (one machine,
        # or a shared volume). None: <instance>/hr_imports
        "LEARNHUB_HR_IMPORT_STAGING_DIR": os.environ.get("LEARNHUB_HR_IMPORT_STAGING_DIR") or None,
        # People an HR import adds get an invitation email (off when everyone uses SSO)
        "LEARNHUB_INVITE_ON_IMPORT": _bool("LEARNHUB_INVITE_ON_IMPORT", True),
        # an import's invitations still waiting this long after their task was queued (a
        # worker died with it) are queued again by the beat sweep (learnhub.auth.invitations)
        "LEARNHUB_INVITE_RETRY_SECONDS": int(
            os.environ.get("LEARNHUB_INVITE_RETRY_SECONDS", "600")
        ),
        "LEARNHUB_RESET_MINUTES": int(os.environ.get("LEARNHUB_RESET_MINUTES", "60")),
        "LEARNHUB_RESET_RATE_LIMIT": os.environ.get("LEARNHUB_RESET_RATE_LIMIT", "5 per hour"),
        # Outgoing mail (the outbox is drained over SMTP; without a host mail waits there)
        "LEARNHUB_SMTP_HOST": os.environ.get("LEARNHUB_SMTP_HOST") or None,
        "LEARNHUB_SMTP_PORT": int(os.environ.get("LEARNHUB_SMTP_PORT", "587")),
        "LEARNHUB_SMTP_USER": os.environ.get("LEARNHUB_SMTP_USER") or None,
        "LEARNHUB_SMTP_PASSWORD": os.environ.get("LEARNHUB_SMTP_PASSWORD") or None,
        "LEARNHUB_SMTP_FROM": os.environ.get("LEARNHUB_SMTP_FROM", "learnhub@localhost"),
        "LEARNHUB_SMTP_STARTTLS": _bool("LEARNHUB_SMTP_STARTTLS", True),
        # Single sign-on with OpenID Connect (off unless an issuer is set)
        "LEARNHUB_OIDC_ISSUER": (os.environ.get("LEARNHUB_OIDC_ISSUER") or "").rstrip("/") or None,
        "LEARNHUB_OIDC_CLIENT_ID": os.environ.get("LEARNHUB_OIDC_CLIENT_ID") or None,
        "LEARNHUB_OIDC_CLIENT_SECRET": os.environ.get("LEARNHUB_OIDC_CLIENT_SECRET") or None,
        # The public pages (accessibility statement, privacy notice, help) name the body that
        # runs LearnHub and its contacts; the defaults are the demo organisation's
        # Facts lessons insert as {{ org.<name> }} (learnhub.catalog.org_facts); unset: a
        # wording that fits any organisation ("your organisation's incident reporting route")
        "LEARNHUB_ORG_INCIDENT_ROUTE": os.environ.get("LEARNHUB_ORG_INCIDENT_ROUTE") or None,
        "LEARNHUB_ORG_SECURITY_CONTACT": os.environ.get("LEARNHUB_ORG_SECURITY_CONTACT") or None,
        "LEARNHUB_ORG_DATA_PROTECTION_CONTACT": os.environ.get(
            "LEARNHUB_ORG_DATA_PROTECTION_CONTACT"
        )
        or None,
        "LEARNHUB_ORG_APPROVED_TOOLS": os.environ.get("LEARNHUB_ORG_APPROVED_TOOLS") or None,
        # the key that signs Open Badges credentials (None: <instance>/credential-signing-key.pem)
        "LEARNHUB_CREDENTIAL_KEY_PATH": os.environ.get("LEARNHUB_CREDENTIAL_KEY_PATH") or None,
        "LEARNHUB_ORGANISATION_NAME": os.environ.get("LEARNHUB_ORGANISATION_NAME")
        or "Example Public Body",
        "LEARNHUB_SUPPORT_EMAIL": os.environ.get("LEARNHUB_SUPPORT_EMAIL")
        or "learning@example.org",
        "LEARNHUB_ACCESSIBILITY_EMAIL": os.environ.get("LEARNHUB_ACCESSIBILITY_EMAIL")
        or "accessibility@example.org",
        "LEARNHUB_ACCESSIBILITY_PHONE": os.environ.get("LEARNHUB_ACCESSIBILITY_PHONE") or None,
        # the national body that enforces Directive (EU) 2016/2102 where LearnHub runs
        "LEARNHUB_ACCESSIBILITY_ENFORCEMENT_BODY": os.environ.get(
            "LEARNHUB_ACCESSIBILITY_ENFORCEMENT_BODY"
        )
        or "the web accessibility monitoring body of your country",
        "LEARNHUB_ACCESSIBILITY_ENFORCEMENT_URL": os.environ.get(
            "LEARNHUB_ACCESSIBILITY_ENFORCEMENT_URL"
        )
        or "https://digital-strategy.ec.europa.eu/en/policies/web-accessibility",
        # when the accessibility statement was prepared and last reviewed (ISO dates)
        "LEARNHUB_ACCESSIBILITY_PREPARED_ON": os.environ.get("LEARNHUB_ACCESSIBILITY_PREPARED_ON")
        or "2026-12-06",
        "LEARNHUB_ACCESSIBILITY_REVIEWED_ON": os.environ.get("LEARNHUB_ACCESSIBILITY_REVIEWED_ON")
        or "2026-12-06",
        "LEARNHUB_PRIVACY_EMAIL": os.environ.get("LEARNHUB_PRIVACY_EMAIL") or "dpo@example.org",
        "LEARNHUB_PRIVACY_AUTHORITY_URL": os.environ.get("LEARNHUB_PRIVACY_AUTHORITY_URL")
        or "https://www.edpb.europa.eu/about-edpb/about-edpb/members_en",
        # how long learning records are kept after someone leaves (the privacy notice says it)
        "LEARNHUB_RETENTION_YEARS": int(os.environ.get("LEARNHUB_RETENTION_YEARS", "6")),
        # a subject access export (GDPR art. 15) is deleted this many days after it is made
        "LEARNHUB_SUBJECT_ACCESS_DAYS": int(os.environ.get("LEARNHUB_SUBJECT_ACCESS_DAYS", "7")),
        # API tokens: the longest lifetime allowed, in days
        "LEARNHUB_TOKEN_MAX_DAYS": int(os.environ.get("LEARNHUB_TOKEN_MAX_DAYS", "365")),
        # Password hashing: scrypt in production; tests set a cheaper method (TRAPS.md)
        "LEARNHUB_PASSWORD_METHOD": "scrypt",
        # flask-smorest / OpenAPI
        "API_TITLE": "LearnHub",
        "API_VERSION": "v1",
        # 3.1: JSON Schema whole, so a dict keyed by question id can say so (propertyNames)
        "OPENAPI_VERSION": "3.1.0",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
    }
