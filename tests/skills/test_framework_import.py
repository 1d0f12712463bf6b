"""DigComp 3.0 from the JRC's JSON-LD data supplement, as it is."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from learnhub.core.errors import ValidationFailed
from learnhub.extensions import db
from learnhub.skills.framework_import import import_framework
from learnhub.skills.models import (
    Competence,
    CompetenceArea,
    CompetenceStatement,
    Framework,
    LearningOutcome,
    LevelMapping,
)
from tests.conftest import realdata


def count(model, framework_id):
    return db.session.scalar(select(func.count(model.id)).where(model.framework_id == framework_id))


def test_real_digcomp_file_loads_every_part(app_ctx):
    raw = realdata("frameworks", "digcomp-3.0-data-supplement.jsonld").read_bytes()
    result = import_framework(raw, slug="digcomp-3.0-test", name="DigComp 3.0 (test copy)")
    db.session.commit()
    assert result["changed"] is True
    framework = db.session.scalar(select(Framework).where(Framework.slug == "digcomp-3.0-test"))
    assert [(lvl.number, lvl.name) for lvl in framework.levels] == [
        (1, "Basic"),
        (2, "Intermediate"),
        (3, "Advanced"),
        (4, "Highly advanced"),
    ]
    assert count(CompetenceArea, framework.id) == 5
    assert count(Competence, framework.id) == 21
    assert count(CompetenceStatement, framework.id) == 362
    assert count(LearningOutcome, framework.id) == 523
    eight = db.session.scalars(
        select(LevelMapping)
        .where(LevelMapping.framework_id == framework.id, LevelMapping.scale == "eight")
        .order_by(LevelMapping.position)
    ).all()
    assert [(m.code, m.level_number) for m in eight] == [
        ("1", 1),
        ("2", 1),
        ("3", 2),
        ("4", 2),
        ("5", 3),
        ("6", 3),
        ("7", 4),
        ("8", 4),
    ]
    six = db.session.scalars(
        select(LevelMapping)
        .where(LevelMapping.framework_id == framework.id, LevelMapping.scale == "six")
        .order_by(LevelMapping.position)
    ).all()
    assert [(m.code, m.level_number) for m in six] == [
        ("A1", 1),
        ("A2", 1),
        ("B1", 2),
        ("B2", 2),
        ("C1", 3),
        ("C2", 4),
    ]
    # a band reference (ProficiencyLevel/Intermediate) resolves to level 2 (TRAPS.md)
    lo = db.session.scalar(
        select(LearningOutcome).where(
            LearningOutcome.framework_id == framework.id, LearningOutcome.code == "LO4.2.07"
        )
    )
    source = json.loads(raw)
    node = next(n for n in source["@graph"] if n["@id"] == "LearningOutcome/LO4.2.07")
    band = node["four_levels_proficiency_name"].split("/")[1]
    assert (
        lo.level_number
        == {"Basic": 1, "Intermediate": 2, "Advanced": 3, "Highly advanced": 4}[band]
    )
    competence = db.session.get(Competence, lo.competence_id)
    assert competence.code == "4.2" and competence.name == "Protecting personal data and privacy"
    again = import_framework(raw, slug="digcomp-3.0-test", name="DigComp 3.0 (test copy)")
    assert again["changed"] is False


def test_bad_nodes_are_listed_and_nothing_is_written(app_ctx):
    raw = realdata("frameworks", "digcomp-3.0-data-supplement.jsonld").read_bytes()
    document = json.loads(raw)
    document["@graph"].append(
        {
            "@type": "LearningOutcome",
            "@id": "LearningOutcome/LO9.9.99",
            "description": "x",
            "competence_id": "Competence/9.9",
            "four_levels_proficiency_name": "ProficiencyLevel/Expert",
        }
    )
    with pytest.raises(ValidationFailed) as caught:
        import_framework(json.dumps(document).encode(), slug="broken")
    messages = [str(issue) for issue in caught.value.errors]
    index = len(document["@graph"]) - 1
    assert f"@graph[{index}] (LearningOutcome/LO9.9.99): unknown competence '9.9'" in messages
    assert (
        f"@graph[{index}] (LearningOutcome/LO9.9.99): unknown proficiency level 'Expert'"
        in messages
    )
    assert db.session.scalar(select(Framework).where(Framework.slug == "broken")) is None


def test_not_json_names_the_line(app_ctx):
    with pytest.raises(ValidationFailed) as caught:
        import_framework(b'{\n "@graph": [\n  oops\n ]\n}', slug="x")
    assert caught.value.errors[0].where == "line 3"
