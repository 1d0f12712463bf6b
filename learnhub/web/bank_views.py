"""Question-bank pages for L&D (issue 13): the banks, a bank's categories and questions with
their answer keys, the import of a GIFT or Moodle XML file (dry run, then confirm), and the
GIFT and Moodle XML downloads (the API's, audited there).

Who: HR and content admins (``QUIZ_STAFF``), the roles the question-bank API allows; both may
import into a bank and download it whole, answers included, so the answer key shown on the
bank page reaches nobody the API would not give it to. Everybody else: 403.

The import keeps the uploaded bytes server-side with their SHA-256
(:mod:`learnhub.questionbank.staging`): the confirmation applies exactly the file whose report
was shown, and its one-time token (:mod:`learnhub.assignments.submit_tokens`) makes a double
click import once.
"""

from __future__ import annotations

import re
from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from learnhub.assignments import submit_tokens
from learnhub.auth.permissions import QUIZ_STAFF, role_required
from learnhub.core.audit import AuditEvent
from learnhub.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from learnhub.core.transactions import end_after_error
from learnhub.extensions import db
from learnhub.questionbank import reading, staging
from learnhub.questionbank import services as banks
from learnhub.questionbank.models import Question, QuestionBank, QuestionCategory
from learnhub.questionbank.moodle_xml.reader import plain_decimal
from learnhub.quizzes.content_loader import CONTENT_BANK
from learnhub.quizzes.render import render_text, stem_html
from learnhub.web.bank_forms import BankImportForm, ConfirmImportForm

blp = Blueprint("banks", __name__)

#: questions per page of a bank
PAGE_SIZE = 25
#: characters of a question's text shown in the list
EXCERPT = 240
TYPE_WORDS = {
    "single_choice": "Single choice",
    "multiple_choice": "Multiple answers",
    "true_false": "True or false",
    "short_answer": "Short answer",
    "numeric": "Numeric",
    "matching": "Matching",
    "essay": "Essay",
    "description": "Description (not scored)",
}
FORMAT_WORDS = {"gift": "GIFT", "moodle_xml": "Moodle XML"}


def _plain(html: Markup) -> str:
    """A question's text as one line of plain text, cut to EXCERPT characters."""
    text = " ".join(html.striptags().split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"


@blp.app_template_filter("plain_text")
def plain_text(text: dict | None) -> str:
    """A ``{"format", "text"}`` as plain text (an option, a feedback) for the answer key."""
    if not text:
        return ""
    # rendered first, as learners see it (a plain "a<b" stays; HTML loses its tags)
    return " ".join(render_text(text).striptags().split())


@blp.get("/banks")
@role_required(*QUIZ_STAFF)
def bank_list() -> str:
    """Every bank: categories, current questions, last import through LearnHub (audit log).
    Four queries whatever the number of banks."""
    found = list(db.session.scalars(select(QuestionBank).order_by(QuestionBank.name)))
    questions = dict(
        db.session.execute(
            select(Question.bank_id, func.count())
            .where(Question.bank_id.is_not(None), Question.retired_at.is_(None))
            .group_by(Question.bank_id)
        ).all()
    )
    categories = dict(
        db.session.execute(
            select(QuestionCategory.bank_id, func.count()).group_by(QuestionCategory.bank_id)
        ).all()
    )
    imported = dict(
        db.session.execute(
            select(AuditEvent.target, func.max(AuditEvent.at))
            .where(AuditEvent.action == "quizzes.bank_import")
            .group_by(AuditEvent.target)
        ).all()
    )
    rows = [
        {
            "bank": bank,
            "questions": questions.get(bank.id, 0),
            "categories": categories.get(bank.id, 0),
            "imported": imported.get(f"bank:{bank.name}"),
        }
        for bank in found
    ]
    return render_template("banks/list.html", rows=rows, content_bank=CONTENT_BANK)


@blp.get("/banks/<name>")
@role_required(*QUIZ_STAFF)
def bank(name: str) -> str:
    """One bank: its categories with their counts, and its current questions (PAGE_SIZE a
    page, by category then position; ``?category=<path>`` for one category, ``?page=n``)."""
    try:
        found = reading.get_bank(name)
    except NotFound as error:
        abort(404, description=error.message)
    summary = reading.bank_summary(found)
    category = request.args.get("category")
    page = request.args.get("page", "1")
    page_number = int(page) if page.isdecimal() and page.isascii() and 0 < int(page) < 10**6 else 1
    query = (
        select(Question, QuestionCategory.path)
        .join(QuestionCategory, Question.category_id == QuestionCategory.id)
        .where(Question.bank_id == found.id, Question.retired_at.is_(None))
    )
    if category is not None:
        query = query.where(QuestionCategory.path == category)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    last = max(1, -(-total // PAGE_SIZE))
    page_number = min(page_number, last)
    rows = db.session.execute(
        query.order_by(QuestionCategory.path, Question.position)
        .offset((page_number - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    questions = [
        {
            "number": (page_number - 1) * PAGE_SIZE + n,
            "question": q,
            "path": path,
            "excerpt": _plain(stem_html(q.spec)),
            "type": TYPE_WORDS.get(q.qtype, q.qtype),
        }
        for n, (q, path) in enumerate(rows, start=1)
    ]
    return render_template(
        "banks/bank.html",
        bank=found,
        content_bank=CONTENT_BANK,
        summary=summary,
        questions=questions,
        total=total,
        page=page_number,
        last=last,
        category=category,
        here={"category": category} if category is not None else {},
    )


@blp.route("/banks/import", methods=["GET", "POST"])
@role_required(*QUIZ_STAFF)
def import_file() -> str | Response | tuple[str, int]:
    """Choose a file and its bank; on POST the dry run: a file with errors is refused here
    with every error by line (nothing kept), else it is staged and its report shown."""
    form = BankImportForm()
    if request.method == "GET":
        form.bank.data = request.args.get("bank", "")
    errors: list = []
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        upload.close()
        filename = upload.filename or "upload"
        fmt = None if form.fmt.data == "auto" else form.fmt.data
        try:
            report = banks.import_questions(
                form.bank.data,
                filename,
                data,
                dry_run=True,
                skip_invalid=form.skip_invalid.data,
                fmt=fmt,
            )
        except ValidationFailed as error:
            end_after_error(error)
            errors = [e for e in error.errors if e.where != "bank"]
            form.add_issues([e for e in error.errors if e.where == "bank"])
            if errors:
                form.file.errors = [
                    f"{filename} has {len(errors)} error(s), listed below; nothing was imported. "
                    "Correct them and choose the file again, or leave out the questions with "
                    "errors"
                ]
        except DomainError as error:  # a limit the importer puts on the work a file may ask
            end_after_error(error)
            form.file.errors = [error.message]
        else:
            row = staging.stage(
                current_user.get_id(),
                form.bank.data,
                filename,
                data,
                report.format,
                skip_invalid=form.skip_invalid.data,
            )
            return redirect(url_for("banks.staged_import", token=row.token))
    status = 422 if request.method == "POST" else 200
    page = render_template(
        "banks/import.html",
        form=form,
        errors=errors,
        banks=_bank_names(),
        failed=any(f.errors for f in (form.bank, form.file, form.fmt)),
    )
    return page, status


def _bank_names() -> list[str]:
    return list(db.session.scalars(select(QuestionBank.name).order_by(QuestionBank.name)))


@blp.route("/banks/imports/<token>", methods=["GET", "POST"])
@role_required(*QUIZ_STAFF)
def staged_import(token: str) -> str | Response | tuple[str, int]:
    """An upload of the caller's: its import report (a dry run against the bank as it is now)
    and the confirmation; once confirmed, what it imported. Anyone else's: 404."""
    owner = current_user.get_id()
    try:
        row = staging.staged(owner, token)
    except NotFound as error:
        abort(404, description=error.message)
    if row.applied_at is not None:
        if request.method == "POST":  # a second click after the first finished: its result
            return redirect(url_for("banks.staged_import", token=token))
        return render_template("banks/imported.html", row=row, formats=FORMAT_WORDS)
    form = ConfirmImportForm()
    problem: DomainError | None = None
    if request.method == "GET":
        form.submit_token.data = submit_tokens.new_token()
    elif form.validate():
        if submit_tokens.claim(owner, form.submit_token.data) is not None:
            return redirect(url_for("banks.staged_import", token=token))
        try:
            report = staging.apply(row)
        except (ValidationFailed, Conflict) as error:
            end_after_error(error)
            problem = error
            row = staging.staged(owner, token)
        else:
            flash(
                f"Imported {row.filename} into {row.bank}: {report.added} added, "
                f"{report.replaced} updated, {report.unchanged} unchanged.",
                "info",
            )
            return redirect(url_for("banks.staged_import", token=token))
    else:
        problem = DomainError("The form expired: check the report and confirm again.")
        form.submit_token.data = submit_tokens.new_token()
    try:
        report = staging.dry_run(row)
    except (ValidationFailed, Conflict) as error:
        end_after_error(error)
        row = staging.staged(owner, token)
        return render_template(
            "banks/preview.html", row=row, report=None, form=form, problem=error,
            formats=FORMAT_WORDS,
        ), 409  # fmt: skip
    if problem is not None and not form.submit_token.data:
        form.submit_token.data = submit_tokens.new_token()
    page = render_template(
        "banks/preview.html",
        row=row,
        report=report,
        form=form,
        problem=problem,
        formats=FORMAT_WORDS,
        is_new=not db.session.scalar(select(QuestionBank.id).where(QuestionBank.name == row.bank)),
    )
    return page, (409 if problem is not None else 200)


def category_words(path: str) -> str:
    """A category path as the page shows it: "(top of the bank)" for "", "a \u203a b" else."""
    if not path:
        return "(top of the bank)"
    return " \u203a ".join(part.replace("\0", "/") for part in re.sub("//", "\0", path).split("/"))


blp.add_app_template_filter(category_words, "category_words")


@blp.app_template_filter("plain_number")
def plain_number(value: object) -> str:
    """A mark without exponent or trailing zeros: Decimal("2.50000") -> "2.5"."""
    return plain_decimal(Decimal(str(value)))
