"""The saved HR import profiles in the browser (issue 13): ``/hr/imports/profiles`` lists them
and saves one (a name, a mode, the column of each field, an encoding), starting from a preset
or profile (``?from=``) and offering the columns of one of the caller's previews (``?token=``).

Its route joins the HR import blueprint of :mod:`learnhub.web.hr_import_views` (endpoint
``hrimport.profiles``); :func:`learnhub.web.init_app` imports this module before registering it.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from learnhub.auth.permissions import HR_ONLY, role_required
from learnhub.core.errors import Issue, NotFound, ValidationFailed
from learnhub.core.transactions import end_after_error
from learnhub.org import import_previews, import_staging
from learnhub.org.hr_import import FIELDS, PRESETS, read_table
from learnhub.org.import_runs import RunChannel
from learnhub.org.import_service import Actor
from learnhub.org.profiles import get_profile, list_profiles, save_profile
from learnhub.web.hr_import_forms import FIELD_LABELS, ProfileForm, column_fields
from learnhub.web.hr_import_views import blp


def _headers_of(token: str | None) -> list[str]:
    """The column headers of a previewed upload of the caller's (none without one)."""
    if not token:
        return []
    try:
        run = import_previews.preview_run(token, Actor.current(RunChannel.PAGE))
    except NotFound:
        return []
    data = import_staging.read_data(token)
    if data is None:
        return []
    try:
        return [h for h in read_table(data, run.file_name, encoding=run.encoding).headers if h]
    except ValidationFailed:
        return []


@blp.route("/hr/imports/profiles", methods=["GET", "POST"])
@role_required(*HR_ONLY)
def profiles() -> str | Response | tuple[str, int]:
    """The saved import profiles, and a form to save one (``?from=`` a preset or profile to
    start from; ``?token=`` a preview of yours, whose columns are offered)."""
    form = ProfileForm()
    status = 200
    start = request.args.get("from", "")
    if request.method == "GET" and start:
        try:
            mapping = PRESETS.get(start) or get_profile(start).mapping
        except NotFound:
            mapping = {}
        for fld, field in column_fields(form):
            field.data = mapping.get(
                fld, mapping.get("org_unit", "") if fld == "department" else ""
            )
    if request.method == "POST" and form.validate():
        mapping = {fld: field.data.strip() for fld, field in column_fields(form) if field.data}
        try:
            saved = save_profile(
                form.name.data,
                mode=form.mode.data,
                mapping=mapping,
                description=form.description.data or "",
                encoding=(form.encoding.data or "").strip() or None,
            )
        except ValidationFailed as error:
            end_after_error(error)
            for issue in error.errors or [Issue("", error.message)]:
                where = "encoding" if issue.where == "encoding" else "column_employee_number"
                field = getattr(form, where)
                field.errors = [*field.errors, issue.message[:1].upper() + issue.message[1:]]
            status = 422
        else:
            flash(f"Saved the import profile {saved.name}.", "info")
            return redirect(url_for("hrimport.profiles"))
    elif request.method == "POST":
        status = 422
    return render_template(
        "hr_imports/profiles.html",
        form=form,
        columns=column_fields(form),
        profiles=list_profiles(),
        presets=list(PRESETS),
        headers=_headers_of(request.args.get("token")),
        labels=FIELD_LABELS,
        fields=FIELDS,
    ), status
