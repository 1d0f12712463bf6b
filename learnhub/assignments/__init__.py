"""Required learning: assignments of courses or modules to people, org units, job roles,
everyone or new joiners, with due dates in each person's time zone, recertification, and the
requirements they give each person (issue 10)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Wire assignments into ``app``: its tables, its API under ``/api/v1`` (assignments,
    requirements, reminders sent), its receivers of the quiz and organisation signals (a passed
    attempt completes requirements; an HR import applies the rules again, inside its
    transaction; a test-out waives requirements), the reminders' delete hook and
    ``flask assignments``."""
    import learnhub.assignments.cli_assignments  # its commands join the group
    import learnhub.assignments.cli_reminders
    import learnhub.assignments.models
    import learnhub.assignments.reminder_models  # noqa: F401  (their tables join the metadata)
    from learnhub.assignments import completion, materialise, receivers, reminders, waivers
    from learnhub.assignments.api import blp
    from learnhub.assignments.cli import assignments_cli
    from learnhub.assignments.exemptions_api import blp as exemptions_api
    from learnhub.assignments.reminders_api import blp as reminders_api
    from learnhub.extensions import api
    from learnhub.org.signals import people_changed, people_left
    from learnhub.progress.signals import modules_unwaived, modules_waived
    from learnhub.quizzes.signals import attempt_submitted

    attempt_submitted.connect(completion.on_attempt_submitted)
    people_changed.connect(receivers.on_people_changed)
    people_left.connect(receivers.on_people_left)
    modules_waived.connect(waivers.on_modules_waived)
    modules_unwaived.connect(waivers.on_modules_unwaived)
    api.register_blueprint(blp, url_prefix="/api/v1")
    if reminders.delete_with_requirements not in materialise.REQUIREMENT_DELETE_HOOKS:
        materialise.REQUIREMENT_DELETE_HOOKS.append(reminders.delete_with_requirements)

    api.register_blueprint(reminders_api, url_prefix="/api/v1")
    api.register_blueprint(exemptions_api, url_prefix="/api/v1")
    app.cli.add_command(assignments_cli)
