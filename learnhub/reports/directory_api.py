"""JSON twin of the People directory (issue 13): ``GET /api/v1/employees`` lists the
organisation's people with the page's filters, for HR sessions and API tokens holding
``org:read`` (an HR system checking who LearnHub knows, a BI tool reading overdue counts).
Paged by flask-smorest (``page``, ``page_size``; totals in the ``X-Pagination`` header), or by
keyset with ``cursor`` (from the ``X-Next-Cursor`` / ``X-Previous-Cursor`` headers: added,
so clients that page by number keep working unchanged).
Every call is audited: it reads people's personal data (DESIGN.md "every export audited")."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from learnhub.auth.permissions import HR_ONLY, role_required, token_scope
from learnhub.core.audit import audit
from learnhub.core.openapi import ROLE_403, ErrorSchema
from learnhub.reports.directory import (
    MAX_SEARCH_LENGTH,
    PATH_SEPARATOR,
    STATUSES,
    job_roles,
    resolve_filters,
    unit_tree,
)
from learnhub.reports.directory_paging import (
    MAX_CURSOR_BYTES,
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    decode_cursor,
    directory_page,
)

blp = Blueprint("directory", __name__, description="The organisation's people (HR)")


class EmployeeListArgs(Schema):
    class Meta:
        unknown = RAISE

    q = fields.String(
        load_default=None,
        validate=validate.Length(max=MAX_SEARCH_LENGTH),
        metadata={
            "description": "words that must each begin a first name, last name, email or "
            "employee number (letter case and Latin accents ignored)"
        },
    )
    org_unit = fields.String(load_default=None, metadata={"description": "an org unit code"})
    include_sub_units = fields.Boolean(
        load_default=True, metadata={"description": "with org_unit: its sub-units too"}
    )
    job_role = fields.String(load_default=None, metadata={"description": "a job role code"})
    status = fields.String(
        load_default="active",
        validate=validate.OneOf(list(STATUSES)),
        metadata={"description": "active (default), left or all"},
    )
    overdue = fields.Boolean(
        load_default=False,
        metadata={"description": "only people with required learning overdue or expired"},
    )
    cursor = fields.String(
        load_default=None,
        validate=validate.Length(max=MAX_CURSOR_BYTES * 2),
        metadata={
            "description": "an X-Next-Cursor or X-Previous-Cursor header's value, as given "
            "(opaque): the page after or before the one it came with, found by keyset "
            "(as fast deep in the list as at its start; nobody skipped or listed twice when "
            "people join or leave between calls); ``page`` is then ignored. Without it, "
            "``page`` counts from the start as before"
        },
    )


class EmployeeSummarySchema(Schema):
    employee_number = fields.String()
    name = fields.String()
    email = fields.String()
    org_unit = fields.String(allow_none=True, metadata={"description": "org unit code"})
    org_unit_path = fields.String(
        allow_none=True,
        metadata={"description": f"unit names from the top, joined by {PATH_SEPARATOR!r}"},
    )
    job_role = fields.String(allow_none=True, metadata={"description": "job role code"})
    job_role_title = fields.String(allow_none=True)
    job_title = fields.String(allow_none=True)
    manager_employee_number = fields.String(allow_none=True)
    manager_name = fields.String(allow_none=True)
    active = fields.Boolean()
    left_at = fields.DateTime(allow_none=True, metadata={"description": "UTC; null if active"})
    overdue = fields.Integer(
        metadata={"description": "requirements overdue or expired (waived ones never count)"}
    )


@blp.route("/employees")
class Employees(MethodView):
    @token_scope("org:read")
    @role_required(*HR_ONLY)
    @blp.arguments(EmployeeListArgs, location="query")
    @blp.response(
        200,
        EmployeeSummarySchema(many=True),
        headers={
            "X-Next-Cursor": {
                "description": "pass as ?cursor= for the next page (absent on the last)",
                "schema": {"type": "string"},
            },
            "X-Previous-Cursor": {
                "description": "pass as ?cursor= for the page before (absent on the first)",
                "schema": {"type": "string"},
            },
        },
    )
    @blp.alt_response(403, **ROLE_403)
    @blp.alt_response(422, schema=ErrorSchema, description="A filter names nothing known")
    @blp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
    def get(self, args: dict, pagination_parameters):
        """People by last name, then employee number (active people unless ``status`` says
        otherwise), with the People page's search and filters. 422 naming the field for an
        org unit or job role code that names nothing. Audited."""
        units, roles = unit_tree(), job_roles()
        filters = resolve_filters(
            search=args["q"],
            org_unit=args["org_unit"],
            include_sub_units=args["include_sub_units"],
            job_role=args["job_role"],
            status=args["status"],
            overdue_only=args["overdue"],
            units=units,
            roles=roles,
        )
        cursor = decode_cursor(args["cursor"]) if args["cursor"] else None
        page = directory_page(
            filters,
            pagination_parameters.page,
            pagination_parameters.page_size,
            clamp=False,
            cursor=cursor,
        )
        pagination_parameters.item_count = page.total
        pagination_parameters.page = page.page  # a cursor's page: X-Pagination says which
        audit("list_employees", target="employees", filters=filters.asked, page=page.page)
        headers = {}
        if page.next_cursor:
            headers["X-Next-Cursor"] = page.next_cursor
        if page.previous_cursor:
            headers["X-Previous-Cursor"] = page.previous_cursor
        code_of = {ident: code for code, ident in units.codes.items()}
        people = [
            {
                "employee_number": r.employee_number,
                "name": r.name,
                "email": r.email,
                "org_unit": code_of.get(r.org_unit_id) if r.org_unit_id else None,
                "org_unit_path": units.paths.get(r.org_unit_id) if r.org_unit_id else None,
                "job_role": r.job_role_code,
                "job_role_title": r.job_role_title,
                "job_title": r.job_title,
                "manager_employee_number": r.manager_number,
                "manager_name": r.manager_name,
                "active": r.active,
                "left_at": r.left_at,
                "overdue": r.overdue,
            }
            for r in page.rows
        ]
        return people, 200, headers
