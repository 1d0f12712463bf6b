"""Facts that differ between organisations, written into lessons as settings, not text
(issue 12; CONTENT-GUIDE.md "Facts that differ between organisations ... come from the
organisation's settings").

A lesson writes ``{{ org.incident_route }}``; the page shows the configured value
(``LEARNHUB_ORG_INCIDENT_ROUTE``), HTML-escaped, or a safe default that reads right in any
organisation. So one body's security contact and breach route read the same in every course,
and changing them is a setting, not an edit of the content. The loader refuses an unknown name,
with the lesson's file and line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from markupsafe import escape

from learnhub.core.errors import Issue

#: placeholder name -> (setting, default wording). Defaults are phrased to fit any sentence
#: where the placeholder stands ("Report it through {{ org.incident_route }}.")
ORG_FACTS: dict[str, tuple[str, str]] = {
    "incident_route": (
        "LEARNHUB_ORG_INCIDENT_ROUTE",
        "your organisation's incident reporting route",
    ),
    "security_contact": ("LEARNHUB_ORG_SECURITY_CONTACT", "your IT service desk"),
    "data_protection_contact": (
        "LEARNHUB_ORG_DATA_PROTECTION_CONTACT",
        "your data protection officer",
    ),
    "approved_tools": (
        "LEARNHUB_ORG_APPROVED_TOOLS",
        "your organisation's list of approved tools",
    ),
}
PLACEHOLDER = re.compile(r"\{\{\s*org\.([A-Za-z_]+)\s*\}\}")


def placeholder_problems(text: str, where: str) -> list[Issue]:
    """One Issue per ``{{ org.name }}`` in ``text`` whose name is not in ORG_FACTS, located as
    ``"<where>, line N"``."""
    return [
        Issue(
            f"{where}, line {text.count(chr(10), 0, match.start()) + 1}",
            f"unknown organisation fact {{{{ org.{match.group(1)} }}}} "
            f"(known: {', '.join(sorted(ORG_FACTS))})",
        )
        for match in PLACEHOLDER.finditer(text)
        if match.group(1) not in ORG_FACTS
    ]


def org_fact(name: str, config: Mapping) -> str:
    """The configured wording of fact ``name`` (a key of ORG_FACTS), else its default."""
    setting, default = ORG_FACTS[name]
    return str(config.get(setting) or default)


def fill_org_facts(html: str, config: Mapping) -> str:
    """``html`` (rendered, sanitised lesson HTML) with every known placeholder replaced by its
    HTML-escaped value from ``config``; unknown ones (refused at load) are left as they are."""
    return PLACEHOLDER.sub(
        lambda m: str(escape(org_fact(m.group(1), config))) if m.group(1) in ORG_FACTS else m[0],
        html,
    )
