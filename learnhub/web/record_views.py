"""The signed-in learner's record of learning (``/my/record``) and its CSV
(``/my/record.csv``): every course they are enrolled in or required to take, its completion,
the modules they completed or tested out of with each quiz's result, and their required
learning's status (:mod:`learnhub.reports.learning_record`). Only ever the caller's own: no
person in the URL."""

from __future__ import annotations

import re

from flask import Response, render_template
from flask_login import current_user, login_required

from learnhub.core.audit import audit
from learnhub.reports.formats import csv_text
from learnhub.reports.learning_record import learning_record, record_rows
from learnhub.web.views import blp


@blp.get("/my/record")
@login_required
def my_record() -> str:
    """My record of learning: a table of modules per course, days in my time zone."""
    return render_template("record.html", record=learning_record(current_user.employee))


@blp.get("/my/record.csv")
@login_required
def my_record_csv() -> Response:
    """The same record as CSV (every cell a spreadsheet could read as a formula neutralised),
    audited as any export of personal data (``export_learning_record``)."""
    record = learning_record(current_user.employee)
    audit("export_learning_record", target=f"employee:{current_user.employee_id}")
    number = re.sub(r"[^A-Za-z0-9_-]+", "-", record.employee_number)
    name = f"learning-record-{number}-{record.today.isoformat()}.csv"
    return Response(
        "".join(csv_text(record_rows(record))),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
