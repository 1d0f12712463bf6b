"""The Exports page (issue 13): choose a report, filters and a format; small exports stream at
once, larger ones (an estimate, a COUNT, over ``LEARNHUB_EXPORT_JOB_THRESHOLD`` rows) become an
export job a worker writes, followed on its own page and downloaded from there.

HR exports the whole organisation; a manager their own subtree, never grades, points or
attempt details (learnhub.reports.completion_filters); anyone else gets a 403 page. Every
export and every download is audited. Invalid filters show the form again with an error
summary naming each field (422).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from learnhub.catalog.models import Course
from learnhub.core.audit import audit
from learnhub.core.errors import Conflict, ValidationFailed
from learnhub.core.models import utcnow
from learnhub.core.transactions import end_after_error
from learnhub.extensions import db
from learnhub.org.models import Employee, OrgUnit
from learnhub.org.services import subtree_ids_query
from learnhub.reports.completion_filters import export_scope
from learnhub.reports.jobs import services, stalls
from learnhub.reports.jobs.api import Gone, dictionary_file, job_view, send_job_file
from learnhub.reports.jobs.catalogue import FILTERS, TITLES, Prepared, Report, prepare
from learnhub.reports.jobs.models import ExportJob, JobStatus
from learnhub.reports.jobs.writing import body, media_type
from learnhub.web.assign_forms import choices
from learnhub.web.export_forms import ExportForm

blp = Blueprint("exports", __name__)


def _options(form: ExportForm, manager_id: int | None) -> None:
    """Fill the course and org unit choices: every published course; every org unit for HR,
    the units of a manager's own subtree for them (two queries)."""
    courses = db.session.execute(
        select(Course.slug, Course.title).where(Course.published.is_(True)).order_by(Course.title)
    ).all()
    units = select(OrgUnit.code, OrgUnit.name).order_by(OrgUnit.name)
    if manager_id is not None:
        below = select(Employee.org_unit_id).where(Employee.id.in_(subtree_ids_query(manager_id)))
        units = units.where(OrgUnit.id.in_(below))
    form.course.choices = choices([("", "All courses"), *courses])
    form.org_unit.choices = choices(
        [("", "Everyone" if manager_id is None else "My whole team"), *db.session.execute(units)]
    )


def _page(form: ExportForm, manager_id: int | None, status: int = 200) -> tuple[str, int]:
    return (
        render_template(
            "exports/index.html",
            form=form,
            manager=manager_id is not None,
            jobs=services.jobs_of(current_user),
            titles={r.value: t for r, t in TITLES.items()},
            takes={r.value: sorted(f) for r, f in FILTERS.items()},
            threshold=services.threshold(),
            now=utcnow(),
            stall=stalls.stall_seconds(),
        ),
        status,
    )


@blp.get("/exports")
@login_required
def index() -> tuple[str, int]:
    """The Exports page: the form and the caller's export jobs. ``?report=<report>`` (as the
    HR and team pages link to it) preselects that report; an unknown value is ignored (the
    default report stays chosen)."""
    manager_id = export_scope(current_user)
    form = ExportForm(formdata=None)
    asked = request.args.get("report", "")
    if asked in {r.value for r in Report}:
        form.report.data = asked
    _options(form, manager_id)
    return _page(form, manager_id)


def _stream(prepared: Prepared, rows: int) -> Response:
    fmt = prepared.request.format
    report = prepared.request.report
    filename = f"learnhub-{report.value.replace('_', '-')}-{utcnow():%Y%m%dT%H%M%SZ}.{fmt.value}"
    audit(
        f"export_{report.value}",
        target=filename,
        format=fmt.value,
        excel=prepared.excel,
        via="exports page",
        rows_estimated=rows,
        **prepared.audit,
    )
    return Response(
        stream_with_context(body(prepared)),
        mimetype=media_type(fmt),
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@blp.post("/exports")
@login_required
def start() -> BaseResponse | tuple[str, int]:
    """Export what the form asks for: streamed at once when the estimate is at most the
    threshold, else an export job (303 to its page; to the caller's identical job still queued
    or running, if any, saying so). Invalid filters: the form again (422)."""
    manager_id = export_scope(current_user)
    form = ExportForm()
    _options(form, manager_id)
    if not form.validate():
        return _page(form, manager_id, 422)
    asked = form.export_request(manager_id)
    try:
        prepared = prepare(asked, utcnow())
    except ValidationFailed as error:
        form.add_issues(error.errors)
        return _page(form, manager_id, 422)
    rows = prepared.count()
    if rows <= services.threshold():
        return _stream(prepared, rows)
    job = services.identical_job(asked, current_user)
    if job is not None:  # a resubmitted form or a second tab: the same file once (tester E8)
        flash(
            "You already asked for this export with the same filters and format, and it is "
            "still being written: this is that export. No second one was started.",
            "info",
        )
    else:
        job = services.create_job(asked, prepared, current_user, rows)
    return redirect(url_for(".job", job_id=job.id), 303)


@blp.get("/exports/jobs/<int:job_id>")
@login_required
def job(job_id: int) -> str:
    """One export job: status and progress (a live region the page's script keeps current
    while it runs), then the download link, checksum, expiry and data dictionary."""
    found = services.visible_job(current_user, job_id)
    view = job_view(found)
    return render_template(
        "exports/job.html",
        job=found,
        view=view,
        title=TITLES[Report(found.report)],
        running=found.status in (JobStatus.QUEUED, JobStatus.RUNNING) and not view["stalled"],
        may_retry=stalls.may_retry(found),
        may_cancel=stalls.may_cancel(found),
        stall_minutes=max(1, stalls.stall_seconds() // 60),
    )


@blp.post("/exports/jobs/<int:job_id>/retry")
@login_required
def retry(job_id: int) -> BaseResponse:
    """Queue a stalled or failed job again (same job; its requester or HR): 303 to its page.
    A second click while it waits changes nothing; a done or live job: 303 to its page, which
    says why nothing was done (the API answers 409)."""
    found = services.visible_job(current_user, job_id)
    _on_the_page(stalls.retry_job, found)
    return redirect(url_for(".job", job_id=found.id), 303)


@blp.post("/exports/jobs/<int:job_id>/cancel")
@login_required
def cancel(job_id: int) -> BaseResponse:
    """Cancel a queued or running job (its requester or HR): 303 to its page, which says who
    cancelled it. Cancelling twice changes nothing; a job that finished first (a page left
    open, a second tab): 303 to its page, which says so and offers the file (the API: 409)."""
    found = services.visible_job(current_user, job_id)
    _on_the_page(stalls.cancel_job, found)
    return redirect(url_for(".job", job_id=found.id), 303)


def _on_the_page(action: Callable[[ExportJob, str], bool], found: ExportJob) -> None:
    """Run a job's Retry or Cancel; a Conflict (the job finished, or is running) is rolled
    back and told on the job page as an error message instead of a bare 409 page."""
    try:
        action(found, stalls.who(current_user))
    except Conflict as error:
        end_after_error(error)
        flash(error.message, "error")


@blp.get("/exports/jobs/<int:job_id>/download")
@login_required
def download(job_id: int) -> Response | tuple[str, int]:
    """A finished job's file (the requester or HR; audited); after its expiry a 410 page."""
    found = services.visible_job(current_user, job_id)
    try:
        return send_job_file(found)
    except Gone:  # its message says UTC (the API's); the page says the viewer's time (E19)
        return render_template("exports/expired.html", job=found), 410


@blp.get("/exports/<report>/dictionary.csv")
@login_required
def dictionary(report: str) -> Response:
    """A report's data dictionary (column, meaning, type, source) for the columns the caller's
    file has: a manager's completions and competence profiles have fewer."""
    return dictionary_file(report)
