"""What skills does when the organisation changes (blinker signals of learnhub.org.signals,
connected by :func:`learnhub.skills.init_app`).

- ``people_changed``: the team summaries above the people an import added or changed (and of
  their managers before the change) are recomputed after the import commits.
- ``job_codes_planned``: an HR import plan warns about job codes no target profile names.
"""

from __future__ import annotations

from sqlalchemy import select

from learnhub.extensions import db
from learnhub.skills.models import ProfileJobCode
from learnhub.skills.services import request_recompute


def on_people_changed(_sender: object, employee_ids: list[int], manager_ids: list[int]) -> None:
    """Recompute above ``employee_ids`` and for ``manager_ids`` once the import commits: new
    managers are found from the employees then; old ones come from the sender."""
    request_recompute(employee_ids, manager_ids)


def on_job_codes_planned(_sender: object, codes: set[str]) -> list[str]:
    """Warn about job codes no target profile names: their people would get no skill targets
    (and silently vanish from every skill-gap summary). Returns the warnings."""
    if not codes:
        return []
    known = set(
        db.session.scalars(
            select(ProfileJobCode.job_code).where(ProfileJobCode.job_code.in_(codes))
        )
    )
    return [
        f"job code {code} has no target profile (content/roles/): its people get no skill targets"
        for code in sorted(codes - known)
    ]
