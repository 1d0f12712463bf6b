"""Server-rendered pages (Jinja templates, static CSS and JS) and the health check."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Add the health check, the pages (assignments' among them) and the public information
    pages."""
    import learnhub.web.attempt_views  # its routes join the web blueprint
    import learnhub.web.credential_views
    import learnhub.web.hr_import_profile_views  # its route joins the hrimport blueprint
    import learnhub.web.lesson_files
    import learnhub.web.record_views  # its pages join the web blueprint
    import learnhub.web.reminders  # noqa: F401  (its page joins the web blueprint)
    from learnhub.web import trends  # noqa: F401  (the team page's trend functions)
    from learnhub.web.assign_views import blp as assign_views
    from learnhub.web.bank_views import blp as bank_views
    from learnhub.web.evidence_views import blp as evidence_views
    from learnhub.web.exemption_views import blp as exemption_views
    from learnhub.web.export_views import blp as export_views
    from learnhub.web.gap_views import blp as gap_views
    from learnhub.web.health import blp as health
    from learnhub.web.hr_import_job_views import blp as hr_import_job_views
    from learnhub.web.hr_import_views import blp as hr_import_views
    from learnhub.web.info import blp as info
    from learnhub.web.people_views import blp as people_views
    from learnhub.web.privacy_views import blp as privacy_views
    from learnhub.web.quiz_settings_views import blp as quiz_settings_views
    from learnhub.web.skills_views import blp as skills_views
    from learnhub.web.views import blp as web_views

    app.register_blueprint(health)
    app.register_blueprint(web_views)
    app.register_blueprint(info)
    app.register_blueprint(assign_views)
    app.register_blueprint(evidence_views)
    app.register_blueprint(gap_views)
    app.register_blueprint(skills_views)
    app.register_blueprint(exemption_views)
    from learnhub.web import audit_views, extra_time_views, review_views  # issue 13: L&D pages

    app.register_blueprint(audit_views.blp)
    app.register_blueprint(review_views.blp)
    app.register_blueprint(extra_time_views.blp)
    app.register_blueprint(hr_import_views)
    app.register_blueprint(hr_import_job_views)
    app.register_blueprint(bank_views)
    app.register_blueprint(quiz_settings_views)
    app.register_blueprint(people_views)
    app.register_blueprint(export_views)
    app.register_blueprint(privacy_views)
