"""Import a competence framework from the DigComp 3.0 JSON-LD data supplement.

The JSON-LD is read as plain JSON (TRAPS.md: its ``@context`` maps each type to itself).
Statements and learning outcomes point at a band (``ProficiencyLevel/Basic``) while the level
nodes are ``ProficiencyLevel/Basic_1`` … ``Highly advanced_8``: bands are resolved through the
nodes' ``four_levels_name``. The 4 bands become the framework's scale (1 Basic … 4 Highly
advanced); the 8-level and 6-level mappings are kept as :class:`LevelMapping` rows.

Everything is validated before anything is written; re-importing the same file changes nothing
and a changed file updates rows in place by their codes (ids stay stable).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from learnhub.core.errors import Issue, ValidationFailed
from learnhub.extensions import db
from learnhub.skills.models import (
    Competence,
    CompetenceArea,
    CompetenceStatement,
    Framework,
    GlossaryTerm,
    LearningOutcome,
    LevelMapping,
    MappingScale,
    ProficiencyLevel,
)

logger = logging.getLogger(__name__)

DIGCOMP_ATTRIBUTION = (
    "DigComp 3.0 data supplement (24 Nov 2025), European Commission, Joint Research Centre. "
    "© European Union. Reused under CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)."
)


@dataclass
class FrameworkData:
    """The validated content of a framework file, ready to apply."""

    levels: list[dict]
    mappings: list[dict]
    areas: list[dict]
    competences: list[dict]
    statements: list[dict]
    outcomes: list[dict]
    glossary: list[dict]
    sha256: str


def _suffix(node_id: str) -> str:
    return node_id.split("/", 1)[1] if "/" in node_id else node_id


def parse_digcomp(raw: bytes) -> FrameworkData:
    """Validate DigComp-style JSON-LD. Returns FrameworkData; raises ValidationFailed listing
    every bad node as ``@graph[i] (its @id)`` with what is wrong."""
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        line = getattr(error, "lineno", 1)
        raise ValidationFailed(
            "The framework file is not JSON.", [Issue(f"line {line}", str(error))]
        ) from error
    graph = document.get("@graph") if isinstance(document, dict) else None
    if not isinstance(graph, list):
        raise ValidationFailed("The framework file has no @graph list.", [Issue("", "@graph")])
    issues: list[Issue] = []
    by_type: dict[str, list[tuple[int, dict]]] = {}
    for index, node in enumerate(graph):
        if not isinstance(node, dict) or "@type" not in node or "@id" not in node:
            issues.append(Issue(f"@graph[{index}]", "node without @type or @id"))
            continue
        by_type.setdefault(node["@type"], []).append((index, node))

    def need(index: int, node: dict, *keys: str) -> bool:
        ok = True
        for key in keys:
            if not node.get(key) and node.get(key) != 0:
                issues.append(Issue(f"@graph[{index}] ({node['@id']})", f"missing {key!r}"))
                ok = False
        return ok

    # Bands in order of their first 8-level number
    level_nodes = [
        (i, n)
        for i, n in by_type.get("ProficiencyLevel", [])
        if need(i, n, "four_levels_name", "eight_levels_mapping")
    ]
    level_nodes.sort(key=lambda item: int(item[1]["eight_levels_mapping"]))
    bands: list[str] = []
    for _i, node in level_nodes:
        if node["four_levels_name"] not in bands:
            bands.append(node["four_levels_name"])
    band_number = {name: n for n, name in enumerate(bands, start=1)}
    if not bands:
        issues.append(Issue("@graph", "no ProficiencyLevel nodes"))
    levels = []
    for name in bands:
        first = next(n for _i, n in level_nodes if n["four_levels_name"] == name)
        levels.append(
            {
                "number": band_number[name],
                "name": name,
                "description": first.get("four_levels_description", ""),
            }
        )
    mappings = []
    six_seen: dict[str, int] = {}
    for _i, node in level_nodes:
        band = band_number[node["four_levels_name"]]
        eight = int(node["eight_levels_mapping"])
        mappings.append(
            {
                "scale": MappingScale.EIGHT,
                "position": eight,
                "code": str(eight),
                "level_number": band,
                "description": node.get("eight_levels_description", ""),
            }
        )
        six = node.get("six_levels_mapping")
        if six and six not in six_seen:
            six_seen[six] = band
            mappings.append(
                {
                    "scale": MappingScale.SIX,
                    "position": len(six_seen),
                    "code": six,
                    "level_number": band,
                    "description": "",
                }
            )

    areas = [
        {"code": _suffix(n["@id"]), "name": n["name"], "description": n.get("description", "")}
        for i, n in by_type.get("CompetenceArea", [])
        if need(i, n, "name")
    ]
    area_codes = {a["code"] for a in areas}
    competences = []
    for i, n in by_type.get("Competence", []):
        if not need(i, n, "name", "competence_area_id"):
            continue
        area = _suffix(n["competence_area_id"])
        if area not in area_codes:
            issues.append(Issue(f"@graph[{i}] ({n['@id']})", f"unknown competence area {area!r}"))
        competences.append(
            {
                "code": _suffix(n["@id"]),
                "area": area,
                "name": n["name"],
                "description": n.get("description", ""),
            }
        )
    competence_codes = {c["code"] for c in competences}

    def tied(kind: str) -> list[dict]:
        items = []
        for i, n in by_type.get(kind, []):
            if not need(i, n, "description", "competence_id", "four_levels_proficiency_name"):
                continue
            where = f"@graph[{i}] ({n['@id']})"
            competence = _suffix(n["competence_id"])
            band = _suffix(n["four_levels_proficiency_name"])
            if competence not in competence_codes:
                issues.append(Issue(where, f"unknown competence {competence!r}"))
            if band not in band_number:
                issues.append(Issue(where, f"unknown proficiency level {band!r}"))
            items.append(
                {
                    "code": _suffix(n["@id"]),
                    "competence": competence,
                    "level_number": band_number.get(band, 0),
                    "description": n["description"],
                    "ai_label": n.get("ai_label"),
                    "kind": n.get("type"),
                }
            )
        return items

    statements = tied("CompetenceStatement")
    outcomes = tied("LearningOutcome")
    glossary = [
        {"term": _suffix(n["@id"]), "explanation": n.get("explanation", "")}
        for _i, n in by_type.get("Glossary", [])
    ]
    if issues:
        raise ValidationFailed(
            f"The framework file has {len(issues)} error(s); nothing was imported.", issues
        )
    return FrameworkData(
        levels,
        mappings,
        areas,
        competences,
        statements,
        outcomes,
        glossary,
        hashlib.sha256(raw).hexdigest(),
    )


def import_framework(
    raw: bytes,
    *,
    slug: str = "digcomp-3.0",
    name: str = "DigComp 3.0",
    version: str = "3.0",
    attribution: str = DIGCOMP_ATTRIBUTION,
) -> dict[str, Any]:
    """Validate and apply a framework file in the caller's transaction (flushes, never commits).

    Returns ``{"framework": slug, "changed": bool, "counts": {...}}``. Raises ValidationFailed
    (nothing changed) for a bad file.
    """
    data = parse_digcomp(raw)
    counts = {
        "areas": len(data.areas),
        "competences": len(data.competences),
        "levels": len(data.levels),
        "statements": len(data.statements),
        "learning_outcomes": len(data.outcomes),
        "glossary_terms": len(data.glossary),
    }
    framework = db.session.scalar(select(Framework).where(Framework.slug == slug))
    if framework is not None and framework.source_sha256 == data.sha256:
        return {"framework": slug, "changed": False, "counts": counts}
    if framework is None:
        framework = Framework(
            slug=slug,
            name=name,
            version=version,
            attribution=attribution,
            source_sha256=data.sha256,
        )
        db.session.add(framework)
        db.session.flush()
    else:
        framework.name, framework.version = name, version
        framework.attribution, framework.source_sha256 = attribution, data.sha256
    fid = framework.id
    _upsert(ProficiencyLevel, fid, ("number",), data.levels)
    _upsert(LevelMapping, fid, ("scale", "position"), data.mappings)
    area_ids = _upsert(CompetenceArea, fid, ("code",), data.areas)
    competence_ids = _upsert(
        Competence,
        fid,
        ("code",),
        [
            {**{k: v for k, v in c.items() if k != "area"}, "area_id": area_ids[(c["area"],)]}
            for c in data.competences
        ],
    )

    def with_competence(items: list[dict], fields: tuple[str, ...]) -> list[dict]:
        return [
            {**{k: item[k] for k in fields}, "competence_id": competence_ids[(item["competence"],)]}
            for item in items
        ]

    _upsert(
        CompetenceStatement,
        fid,
        ("code",),
        with_competence(data.statements, ("code", "level_number", "description", "ai_label")),
    )
    _upsert(
        LearningOutcome,
        fid,
        ("code",),
        with_competence(data.outcomes, ("code", "level_number", "description", "ai_label", "kind")),
    )
    _upsert(GlossaryTerm, fid, ("term",), data.glossary)
    db.session.flush()
    logger.info("framework %s imported: %s", slug, counts)
    return {"framework": slug, "changed": True, "counts": counts}


def _upsert(model: Any, framework_id: int, key: tuple[str, ...], records: list[dict]) -> dict:
    """Insert or update ``records`` of ``model`` by ``key`` within one framework; return
    {key tuple: id}. Rows not in ``records`` are left alone (evidence may point at them)."""
    existing = {
        tuple(getattr(row, k) for k in key): row
        for row in db.session.scalars(select(model).where(model.framework_id == framework_id))
    }
    for record in records:
        row = existing.get(tuple(record[k] for k in key))
        if row is None:
            row = model(framework_id=framework_id, **record)
            db.session.add(row)
            existing[tuple(record[k] for k in key)] = row
        else:
            for field, value in record.items():
                if getattr(row, field) != value:
                    setattr(row, field, value)
    db.session.flush()
    return {k: row.id for k, row in existing.items()}
