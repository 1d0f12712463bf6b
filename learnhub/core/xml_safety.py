"""What defusedxml's refusals mean, in words an HR or L&D person understands: an XML file (a
Moodle XML bank, the parts of an XLSX workbook) that declares a DTD, entities or refers to
something outside itself is refused for safety (entity expansion bombs, reading files off the
server), and the message says so instead of naming the exception class ("DTDForbidden")."""

from __future__ import annotations

from defusedxml import (
    DefusedXmlException,
    DTDForbidden,
    EntitiesForbidden,
    ExternalReferenceForbidden,
    NotSupportedError,
)

#: each refusal in words, checked in this order (subclasses first)
_WORDS: tuple[tuple[type[Exception], str], ...] = (
    (DTDForbidden, "the file declares a DTD (<!DOCTYPE …>), which is refused for safety"),
    (EntitiesForbidden, "the file declares entities (<!ENTITY …>), which are refused for safety"),
    (
        ExternalReferenceForbidden,
        "the file refers to something outside itself, which is refused for safety",
    ),
    (NotSupportedError, "the file uses an XML feature that is refused for safety"),
)


def refusal_words(error: BaseException) -> str | None:
    """The words for a defusedxml refusal (``error`` or the error it was raised from, as
    openpyxl wraps some), or None when ``error`` is something else."""
    seen: BaseException | None = error
    for _ in range(3):
        if seen is None:
            break
        if isinstance(seen, DefusedXmlException):
            for kind, words in _WORDS:
                if isinstance(seen, kind):
                    return words
            return "the file uses an XML feature that is refused for safety"
        seen = seen.__cause__ or seen.__context__
    return None
