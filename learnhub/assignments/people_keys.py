"""Naming people in assignment forms and the API: employee numbers or work emails turned into
ids (scoped to a manager's team when a manager acts), and the service's messages about ids
turned back into employee numbers. Split from :mod:`learnhub.assignments.listing`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import or_, select

from learnhub.core.errors import Issue, ValidationFailed
from learnhub.core.folding import fold, folded
from learnhub.extensions import db
from learnhub.org.models import Employee, ReportingLine

#: a manager's answer for a person outside their team and for an unknown one alike, so that
#: a manager cannot probe who works here (the person pages answer 404 either way)
NOT_IN_TEAM = "employee {} is not in your team or does not exist"


#: what separates the people typed in a box: commas, semicolons, and any whitespace (new
#: lines, spaces, tabs): "E1024 e1002" is two people (a tester's finding)
SEPARATORS = re.compile(r"[,;\s]+")


def split_keys(text: str) -> list[str]:
    """The employee numbers or work emails typed in ``text``, in order, separated by commas,
    semicolons, spaces or new lines (work emails hold no spaces: the HR import's EMAIL_RE;
    the import sets no format for employee numbers, so a part between commas, semicolons or
    new lines that is exactly an employee number holding a space stays one key). At most one
    statement, only when such a part holds a space."""
    parts = [p.strip() for p in re.split(r"[,;\r\n]+", text or "") if p.strip()]
    spaced = [p for p in parts if SEPARATORS.search(p)]
    whole = (
        set(
            db.session.scalars(
                select(Employee.employee_number).where(Employee.employee_number.in_(spaced))
            )
        )
        if spaced
        else set()
    )
    keys: list[str] = []
    for part in parts:
        keys.extend([part] if part in whole else SEPARATORS.split(part))
    return [k for k in keys if k]


def resolve_people(keys: Sequence[str], field: str, *, manager_id: int | None = None) -> list[int]:
    """The ids of the active people named by ``keys`` (employee numbers or work emails, both
    in any letter case, as the People directory's search and the audit log's "Done by"
    match them), in the order given, without repeats. An exact employee number wins over
    one differing only in letter case; a key matching several numbers that differ only in
    case ("e1009" with both E1009 and e1009 held, neither exactly) is refused, asking for
    the number exactly. ValidationFailed (422) naming ``field`` for each key that names no
    active person (or several); one statement, two when a key matches no number exactly.
    With ``manager_id`` only that manager's team (direct and indirect reports) is searched,
    and a key outside it gets the same words as an unknown one (``NOT_IN_TEAM``: a manager
    cannot probe who works here)."""
    wanted = [k.strip() for k in keys if k.strip()]
    if not wanted:
        return []
    found: dict[str, int] = {}
    active = [Employee.active.is_(True)]
    if manager_id is not None:
        active.append(
            Employee.id.in_(
                select(ReportingLine.descendant_id).where(ReportingLine.ancestor_id == manager_id)
            )
        )
    query = select(Employee.id, Employee.employee_number, Employee.email).where(
        *active,
        or_(
            Employee.employee_number.in_(wanted),
            Employee.email.in_([k.lower() for k in wanted]),
        ),
    )
    for ident, number, email in db.session.execute(query):
        found[number] = found[email] = ident
    unmatched = [k for k in wanted if k not in found and k.lower() not in found]
    # numbers in another letter case ("e1009" for E1009); the folded number has an index on
    # PostgreSQL (migration 0025)
    twins: dict[str, list[tuple[int, str]]] = {}
    if unmatched:
        folded_query = select(Employee.id, Employee.employee_number).where(
            *active, folded(Employee.employee_number).in_({fold(k) for k in unmatched})
        )
        for ident, number in db.session.execute(folded_query):
            twins.setdefault(fold(number) or "", []).append((ident, number))
    issues = []
    for key in unmatched:
        matches = twins.get(fold(key) or "", [])
        if len(matches) == 1:
            found[key] = matches[0][0]
        elif matches:
            numbers = " and ".join(sorted(n for _i, n in matches))
            issues.append(
                Issue(
                    field,
                    f"{key!r} matches the employee numbers {numbers}, which differ only in "
                    "letter case: give the number exactly",
                )
            )
        else:
            words = "no active employee has the number or email {!r}"
            issues.append(Issue(field, (words if manager_id is None else NOT_IN_TEAM).format(key)))
    if issues:
        raise ValidationFailed("the assignment is not valid; nothing was changed", issues)
    ids = [found.get(k, found.get(k.lower(), 0)) for k in wanted]
    return list(dict.fromkeys(ids))


def name_people(issues: Sequence[Issue], field: str) -> list[Issue]:
    """``issues`` with the service's ``employee_ids`` field renamed ``field`` and the internal
    ids in its messages ("employee 22 is not in your team") replaced by employee numbers
    (one statement when any message names one)."""
    ids = {int(i) for issue in issues for i in re.findall(r"employee (\d+)", issue.message)}
    numbers = (
        dict(
            db.session.execute(
                select(Employee.id, Employee.employee_number).where(Employee.id.in_(ids))
            ).all()
        )
        if ids
        else {}
    )

    def words(message: str) -> str:
        return re.sub(
            r"employee (\d+)",
            lambda m: f"employee {numbers.get(int(m.group(1)), m.group(1))}",
            message,
        )

    return [
        Issue(field if i.where == "employee_ids" else i.where, words(i.message)) for i in issues
    ]
