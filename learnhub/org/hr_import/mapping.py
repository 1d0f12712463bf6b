"""Fields of an HR import and how a file's columns map to them: presets recognised from the
header row, a mapping file, or a saved import profile."""

from __future__ import annotations

import json
from pathlib import Path

from learnhub.core.errors import Issue, ValidationFailed

FIELDS = (
    "employee_number",
    "first_name",
    "last_name",
    "email",
    "job_code",
    "job_title",
    "department",
    "org_unit_parent",
    "manager_employee_number",
    "hire_date",
)
REQUIRED = ("employee_number", "first_name", "last_name", "email")
#: what each field is called in messages and on the pages (never the internal name, which means
#: nothing to HR: a tester's finding)
FIELD_WORDS = {
    "employee_number": "Employee number",
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Work email",
    "job_code": "Job code",
    "job_title": "Job title",
    "department": "Org unit",
    "org_unit_parent": "Parent org unit",
    "manager_employee_number": "Manager's employee number",
    "hire_date": "Hire date",
}
#: other names a mapping may use for a field ("org_unit" is how LearnHub's own files say it)
ALIASES = {"org_unit": "department"}
#: longest value each field may hold (the columns' sizes in learnhub.org.models)
MAX_LENGTHS = {
    "employee_number": 60,
    "first_name": 120,
    "last_name": 120,
    "email": 254,
    "job_code": 60,
    "job_title": 200,
    "department": 200,
    "org_unit_parent": 200,
    "manager_employee_number": 60,
}

PRESETS: dict[str, dict[str, str]] = {
    # Oracle HR sample schema export (../shared/realdata/hr/oracle-hr-employees.csv)
    "oracle-hr": {
        "employee_number": "Employee ID",
        "first_name": "First Name",
        "last_name": "Last Name",
        "email": "Work Email",
        "job_code": "Job Code",
        "job_title": "Job Title",
        "department": "Department",
        "org_unit_parent": "Parent Department",
        "manager_employee_number": "Manager ID",
        "hire_date": "Hire Date",
    },
    # LearnHub's own column names
    "learnhub": {name: name for name in FIELDS} | {"department": "org_unit"},
}


class MissingColumns(ValidationFailed):
    """The file has no column for a required field (the command line adds its flags to the
    message: learnhub.org.cli)."""


def field_words(fld: str, headers: dict[str, str] | None = None) -> str:
    """A field as a message names it: its words, and the file's header for it when known
    ("First name (column “Given Name”)")."""
    words = FIELD_WORDS.get(fld, fld)
    header = (headers or {}).get(fld)
    return f"{words} (column “{header}”)" if header else words


def normalise_mapping(mapping: dict, where: str) -> dict[str, str]:
    """Check a ``{field: column header}`` mapping: known fields (aliases resolved), text headers,
    every required field named, no header given for two fields (one column cannot be both the
    first and the last name: a tester's finding). Returns the mapping keyed by field names;
    raises ValidationFailed naming each problem at ``where`` (a file name or profile), the
    fields in words."""
    if not isinstance(mapping, dict):
        raise ValidationFailed(
            f"The column mapping {where} is not a JSON object.",
            [Issue(where, 'expected {"field": "column header", ...}')],
        )
    issues = []
    result: dict[str, str] = {}
    for key, header in mapping.items():
        fld = ALIASES.get(key, key)
        if fld not in FIELDS:
            issues.append(Issue(where, f"unknown field {key!r}"))
        elif not isinstance(header, str) or not header.strip():
            issues.append(Issue(where, f"the column for {field_words(fld)} must be a header text"))
        else:
            result[fld] = header.strip()
    named = {ALIASES.get(key, key) for key in mapping}
    issues.extend(
        Issue(where, f"required field {field_words(fld)} has no column")
        for fld in REQUIRED
        if fld not in named
    )
    issues.extend(Issue(where, message) for message in shared_headers(result))
    if issues:
        raise ValidationFailed(f"The column mapping {where} is not usable.", issues)
    return result


def shared_headers(mapping: dict[str, str]) -> list[str]:
    """A message for each header that ``mapping`` ({field: header}) gives to several fields,
    naming the header and the fields in words; empty when each field has its own column."""
    by_header: dict[str, list[str]] = {}
    for fld in FIELDS:
        if mapping.get(fld):
            by_header.setdefault(mapping[fld], []).append(fld)
    return [
        f"the column “{header}” is given for {_and(fields)}: each field needs its own column"
        for header, fields in by_header.items()
        if len(fields) > 1
    ]


def _and(fields: list[str]) -> str:
    """Fields in words, joined: "Last name", "First name and Last name", "A, B and C"."""
    words = [FIELD_WORDS[f] for f in fields]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def load_mapping_file(path: Path) -> dict[str, str]:
    """Read a JSON mapping file; ValidationFailed when it is not JSON or not a valid mapping."""
    try:
        mapping = json.loads(path.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as error:
        raise ValidationFailed(
            f"The column mapping {path} is not JSON.", [Issue(str(path), str(error))]
        ) from error
    return normalise_mapping(mapping, str(path))


def resolve_mapping(headers: list[str], mapping: dict[str, str] | None = None) -> dict[str, str]:
    """The mapping to read a file with: ``mapping`` when given, else the first preset whose
    required columns are all in ``headers``. Returns ``{field: header}`` for the fields whose
    column is in the file (absent optional columns leave those fields unchanged on import).
    Raises MissingColumns (422) naming the required fields the file has no column for (in words:
    "The file has no column for Last name."), measured against ``mapping``, else the preset
    the header comes closest to; the message speaks to someone at the upload page (the
    command line adds its own flags: learnhub.org.cli)."""
    present = set(headers)
    shared = shared_headers(mapping) if mapping is not None else []
    if shared:
        raise ValidationFailed(
            "The column mapping is not usable.", [Issue("mapping", m) for m in shared]
        )
    chosen = mapping
    if chosen is None:
        # the first preset with every required column, else the one with the most of them
        chosen = max(
            PRESETS.values(), key=lambda preset: sum(preset[f] in present for f in REQUIRED)
        )
    missing = [fld for fld in REQUIRED if fld in chosen and chosen[fld] not in present]
    if missing:
        issues = [
            Issue("row 1", f"no column “{chosen[fld]}” for {FIELD_WORDS[fld]}") for fld in missing
        ]
        if mapping is None:
            issues.append(Issue("row 1", f"columns found: {', '.join(headers)}"))
        raise MissingColumns(
            f"The file has no column for {_and(missing)}. Nothing was imported"
            + (
                ": if its columns have other names, choose an import profile that names them."
                if mapping is None
                else "."
            ),
            issues,
        )
    return {fld: header for fld, header in chosen.items() if header in present}
