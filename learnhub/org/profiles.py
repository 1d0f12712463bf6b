"""Import profiles: a saved column mapping and sync mode per HR source, usable by name.

The profile's name is the source recorded on the people it imports, so a full sync through
one profile never makes another profile's people leavers.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from learnhub.core.errors import DomainError, NotFound
from learnhub.extensions import db
from learnhub.org.hr_import import ImportPlan, Progress, plan_import
from learnhub.org.hr_import.encoding import check_encoding_name
from learnhub.org.hr_import.mapping import PRESETS, load_mapping_file, normalise_mapping
from learnhub.org.models import IMPORT_MODES, ImportProfile

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,59}$")


def save_profile(
    name: str,
    *,
    mode: str,
    mapping: dict[str, str] | None = None,
    preset: str | None = None,
    mapping_file: Path | None = None,
    description: str = "",
    encoding: str | None = None,
) -> ImportProfile:
    """Create or replace the profile ``name`` (lower-case letters, digits, ``_ . -``; at most
    60) with the mapping given as a dict, a preset name (``PRESETS``) or a JSON mapping file,
    exactly one of them, ``mode`` ("full" or "delta") and the CSV ``encoding`` (None:
    detected). Flushes. Raises DomainError for a bad name, mode or preset, ValidationFailed
    for a bad mapping or an encoding Python does not know."""
    if not NAME_RE.match(name):
        raise DomainError(
            f"Profile name {name!r}: use lower-case letters, digits, '_', '.' or '-' "
            "(at most 60, starting with a letter or digit)."
        )
    if mode not in IMPORT_MODES:
        raise DomainError(f"Unknown import mode {mode!r}; modes: {', '.join(IMPORT_MODES)}.")
    if sum(x is not None for x in (mapping, preset, mapping_file)) != 1:
        raise DomainError("Give the profile's columns as exactly one of a mapping or a preset.")
    if preset is not None:
        if preset not in PRESETS:
            raise DomainError(f"Unknown preset {preset!r}; presets: {', '.join(PRESETS)}.")
        columns = dict(PRESETS[preset])
    elif mapping_file is not None:
        columns = load_mapping_file(mapping_file)
    else:
        columns = normalise_mapping(mapping, f"of profile {name}")
    profile = db.session.scalar(select(ImportProfile).where(ImportProfile.name == name))
    if profile is None:
        profile = ImportProfile(name=name)
        db.session.add(profile)
    profile.mapping = columns
    profile.mode = mode
    profile.encoding = check_encoding_name(encoding, "encoding") if encoding else None
    profile.description = description[:255]
    db.session.flush()
    return profile


def get_profile(name: str) -> ImportProfile:
    """The profile ``name``; NotFound listing the saved ones."""
    profile = db.session.scalar(select(ImportProfile).where(ImportProfile.name == name))
    if profile is None:
        names = ", ".join(p.name for p in list_profiles()) or "none yet"
        raise NotFound(
            f"No import profile {name!r} (saved profiles: {names}); "
            "create one with `flask org profile save`."
        )
    return profile


def list_profiles() -> list[ImportProfile]:
    return list(db.session.scalars(select(ImportProfile).order_by(ImportProfile.name)))


def plan_with_profile(
    data: bytes,
    name: str,
    *,
    mode: str | None = None,
    filename: str | None = None,
    progress: Progress | None = None,
    max_leavers_percent: float = 20,
    encoding: str | None = None,
    wait: bool = True,
) -> ImportPlan:
    """Plan an import of ``data`` through the saved profile ``name``: its mapping, its name as
    the source, its mode and encoding unless ``mode`` / ``encoding`` override them. Raises as
    :func:`plan_import` does, and NotFound for an unknown profile."""
    profile = get_profile(name)
    return plan_import(
        data,
        source=profile.name,
        mode=mode or profile.mode,
        mapping=normalise_mapping(profile.mapping, f"of profile {name}"),
        filename=filename,
        progress=progress,
        max_leavers_percent=max_leavers_percent,
        encoding=encoding or profile.encoding,
        wait=wait,
    )
