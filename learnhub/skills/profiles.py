"""Target profiles (content/roles/*.yaml) and a framework index for validating content."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, select

from learnhub.extensions import db
from learnhub.skills.framework_import import FrameworkData
from learnhub.skills.models import (
    Competence,
    Framework,
    LearningOutcome,
    ProfileJobCode,
    TargetLevel,
    TargetProfile,
)


@dataclass
class FrameworkIndex:
    """What content validation needs of a framework: level names, competence codes, and each
    learning outcome's (competence code, level number)."""

    slug: str
    levels: dict[str, int]  # lower-cased name -> number
    competences: set[str]
    outcomes: dict[str, tuple[str, int]] = field(default_factory=dict)

    @classmethod
    def from_data(cls, slug: str, data: FrameworkData) -> FrameworkIndex:
        return cls(
            slug,
            {lvl["name"].lower(): lvl["number"] for lvl in data.levels},
            {c["code"] for c in data.competences},
            {o["code"]: (o["competence"], o["level_number"]) for o in data.outcomes},
        )

    @classmethod
    def from_db(cls, slug: str) -> FrameworkIndex | None:
        framework = db.session.scalar(select(Framework).where(Framework.slug == slug))
        if framework is None:
            return None
        codes = dict(
            db.session.execute(
                select(Competence.id, Competence.code).where(
                    Competence.framework_id == framework.id
                )
            ).all()
        )
        outcomes = {
            code: (codes[cid], level)
            for code, cid, level in db.session.execute(
                select(
                    LearningOutcome.code,
                    LearningOutcome.competence_id,
                    LearningOutcome.level_number,
                ).where(LearningOutcome.framework_id == framework.id)
            )
        }
        return cls(
            slug,
            {lvl.name.lower(): lvl.number for lvl in framework.levels},
            set(codes.values()),
            outcomes,
        )

    def level(self, value: object) -> int | None:
        """The level number of a name ("Basic") or number, None when it is not in the scale."""
        if isinstance(value, int) and not isinstance(value, bool):
            return value if value in self.levels.values() else None
        if isinstance(value, str):
            return self.levels.get(value.strip().lower())
        return None

    def level_names(self) -> str:
        return ", ".join(name.capitalize() for name in self.levels)


def apply_target_profile(
    *,
    slug: str,
    title: str,
    description: str,
    framework_slug: str,
    targets: list[tuple[str, int, str]],
    job_codes: list[str],
) -> bool:
    """Create or update a target profile; ``targets`` = [(competence code, level, reason)].
    Job codes move to this profile. Returns True when anything changed. Flushes."""
    framework = db.session.scalar(select(Framework).where(Framework.slug == framework_slug))
    competence_ids = dict(
        db.session.execute(
            select(Competence.code, Competence.id).where(Competence.framework_id == framework.id)
        ).all()
    )
    profile = db.session.scalar(select(TargetProfile).where(TargetProfile.slug == slug))
    wanted = {competence_ids[code]: (level, reason) for code, level, reason in targets}
    if profile is None:
        profile = TargetProfile(
            slug=slug, title=title, description=description, framework_id=framework.id
        )
        db.session.add(profile)
        changed = True
    else:
        current = {t.competence_id: (t.level_number, t.reason) for t in profile.targets}
        changed = (profile.title, profile.description, profile.framework_id, current) != (
            title,
            description,
            framework.id,
            wanted,
        )
        profile.title, profile.description, profile.framework_id = title, description, framework.id
    if changed:
        profile.targets = [
            TargetLevel(competence_id=cid, level_number=level, reason=reason)
            for cid, (level, reason) in wanted.items()
        ]
    db.session.flush()
    mapped = set(
        db.session.scalars(
            select(ProfileJobCode.job_code).where(ProfileJobCode.profile_id == profile.id)
        )
    )
    if mapped != set(job_codes):
        db.session.execute(
            delete(ProfileJobCode).where(
                (ProfileJobCode.profile_id == profile.id) | ProfileJobCode.job_code.in_(job_codes)
            )
        )
        db.session.add_all(
            ProfileJobCode(job_code=code, profile_id=profile.id) for code in job_codes
        )
        changed = True
    db.session.flush()
    return changed
