"""A full sync must not lock HR out (a fresh tester's finding: a 1-row file with the leaver
limit at 100% listed the HR officer importing it and every HR account among 65,151 leavers).

:func:`check_hr_not_leaving` refuses a plan that would make the person importing a leaver, or
every active HR account (people granted the ``hr`` role): the import cannot be undone by its
own people once they are signed out, so a serious HR product refuses it rather than warning.
The other HR people leaving alone is allowed (they are listed as leavers as usual).

The HR accounts are read with SQL on ``accounts`` and ``role_grants``: those tables belong to
auth, a layer above org, whose models org may not import.
"""

from __future__ import annotations

from sqlalchemy import bindparam, text

from learnhub.core.errors import Issue, ValidationFailed
from learnhub.extensions import db
from learnhub.org.hr_import import ImportPlan

#: the role whose people run imports (``learnhub.auth.models.Role.HR``)
HR_ROLE = "hr"


def hr_people() -> dict[int, str]:
    """{employee id: employee number} of the active people granted the HR role."""
    rows = db.session.execute(
        text(
            "SELECT e.id, e.employee_number FROM employees e "
            "JOIN accounts a ON a.employee_id = e.id "
            "JOIN role_grants g ON g.account_id = a.id "
            "WHERE g.role = :role AND e.active = :active"
        ).bindparams(bindparam("role", HR_ROLE), bindparam("active", True))
    )
    return {int(i): str(n) for i, n in rows}


def check_hr_not_leaving(plan: ImportPlan, importer_id: int | None) -> None:
    """Raise ValidationFailed (nothing imported) when ``plan`` makes the person importing
    (``importer_id``, an employee id; None from the command line) or every active HR person a
    leaver. The message names them and says how to go on."""
    if not plan.left:
        return
    leaving = set(plan.left.values())
    issues = []
    if importer_id is not None and importer_id in leaving:
        number = next(n for n, i in plan.left.items() if i == importer_id)
        issues.append(
            Issue(
                number,
                f"you ({number}) are importing this file and would become a leaver, signed "
                "out with no access",
            )
        )
    hr = hr_people()
    if hr and set(hr) <= leaving:
        issues.append(
            Issue(
                "file",
                "every HR account would become a leaver ("
                + ", ".join(sorted(hr.values()))
                + "): nobody could sign in to import again",
            )
        )
    if issues:
        raise ValidationFailed(
            f"This full sync of {plan.source} would lock HR out of LearnHub: "
            + "; ".join(i.message for i in issues)
            + ". Nothing was imported: check that the file is complete and includes the HR "
            "people, or import it as a delta sync.",
            issues,
        )
