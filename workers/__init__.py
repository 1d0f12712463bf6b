"""The Celery app for ``celery -A workers worker`` and ``celery -A workers beat``.

Exposes ``celery_app`` and ``flask_app`` but nothing named ``app`` (TRAPS.md: Celery's ``-A``
would pick up a Flask object called ``app`` and fail).
"""

from celery.schedules import crontab

from learnhub.app import create_app

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
celery_app.conf.beat_schedule = {
    "nightly-team-summaries": {
        "task": "skills.compute_team_summaries",
        "schedule": crontab(hour=2, minute=15),
        "kwargs": {"everyone": True},
    },
    # the day's trend snapshot of every team summary (the nightly recompute takes one too):
    # late in the UTC day, so each day's row holds that day's last figures
    "daily-trend-snapshots": {
        "task": "skills.snapshot_team_summaries",
        "schedule": crontab(hour=23, minute=45),
    },
    # recompute requests whose wake-up was lost (Redis down or restarted, a worker killed
    # mid-recompute, workers down for a while) are drained within a minute of workers running
    # again; an empty table costs one small query
    "sweep-recompute-requests": {
        "task": "skills.compute_team_summaries",
        "schedule": float(flask_app.config["LEARNHUB_RECOMPUTE_SWEEP_SECONDS"]),
    },
    # time limits are enforced on the server: overdue attempts are submitted with what was saved
    "close-overdue-attempts": {
        "task": "quizzes.close_overdue_attempts",
        "schedule": 60.0,
    },
    # reminders of required learning: hourly, so that "on the day" (and the sending hour,
    # LEARNHUB_REMINDER_HOUR) is right in every time zone; idempotent, so a second beat or a
    # redelivered task sends nothing twice
    "assignment-reminders": {
        "task": "assignments.send_reminders",
        "schedule": crontab(minute=5),
    },
    # the weekly manager digest, Monday morning in Europe; once per manager and ISO week
    "assignment-digests": {
        "task": "assignments.send_digests",
        "schedule": crontab(day_of_week="mon", hour=6, minute=30),
    },
    # the retention period (LEARNHUB_RETENTION_YEARS after leaving) ends: personal data erased
    "privacy-retention": {
        "task": "privacy.erase_expired",
        "schedule": crontab(hour=3, minute=40),
    },
    # subject access exports past their expiry (LEARNHUB_SUBJECT_ACCESS_DAYS): files deleted
    "privacy-subject-access-purge": {
        "task": "privacy.purge_subject_access_exports",
        "schedule": crontab(hour=3, minute=50),
    },
    # xAPI statements waiting for the LRS (a lost wake-up, a retry whose backoff is over)
    "forward-xapi-statements": {
        "task": "progress.forward_xapi_statements",
        "schedule": float(flask_app.config["LEARNHUB_XAPI_SWEEP_SECONDS"]),
    },
    # mail that could not be sent (SMTP down) is retried from the outbox
    # export job files past their expiry are deleted (a download after expiry deletes it too);
    # stalled jobs are queued again or failed, orphaned .part files deleted (reports.jobs.stalls)
    "delete-expired-exports": {
        "task": "reports.delete_expired_exports",
        "schedule": float(flask_app.config["LEARNHUB_EXPORT_JOB_STALL_SECONDS"]),
    },
    # an HR import's invitations whose task was lost with a worker are queued again
    # (learnhub.auth.invitations); an empty table costs one small query
    "sweep-invitations": {
        "task": "auth.sweep_invitations",
        "schedule": 300.0,
    },
    "send-outbox": {
        "task": "auth.send_outbox",
        "schedule": 300.0,
    },
}


__all__ = ["celery_app", "flask_app"]
