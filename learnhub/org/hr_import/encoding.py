"""Decoding an HR CSV export: the encoding named by the import profile, else what the bytes show.

What can be known from the bytes is used (a byte-order mark; UTF-16 without one, whose ASCII
text has a NUL byte every other byte; valid UTF-8). A file in a legacy 8-bit code page cannot
be told apart reliably on a few hundred names (charset-normalizer guessed Windows-1252 for
ISO-8859-2 Polish names and cp775 for Windows-1252 French ones), so every plausible reading is
tried: Windows-1252, ISO-8859-2 and, when charset-normalizer reads another script (Cyrillic,
Greek …), its best guess with the usual code pages of those scripts (OTHER_SCRIPTS). A reading
is implausible when it holds a C1 control character or a non-ASCII symbol glued to a letter
("£ukasz", "¯ó³kiewski": ISO-8859-2 read as Windows-1252). When the plausible readings agree
the file is read so and the plan says which encoding was used; when they differ, the import is
refused with the first row where they do, asking for the encoding (``--encoding`` or the
profile's).
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

from learnhub.core.errors import Issue, ValidationFailed

#: byte-order marks, longest first (the UTF-32 LE mark starts with UTF-16 LE's)
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
#: the legacy code pages tried, in this order, when a file is not UTF
FALLBACKS = ("cp1252", "iso8859-2")
#: the code pages of other scripts also tried when charset-normalizer reads one: on a file of
#: names one such page's bytes read as plausible letters in the others (a KOI8-R file of
#: Russian names was taken for Hebrew cp1255, its only plausible reading), so a guess alone
#: never decides; they are all compared and the file refused unless they agree
OTHER_SCRIPTS = ("cp1251", "koi8-r", "iso8859-5", "cp1253", "cp1255")
#: how much of a file charset-normalizer looks at (its guess is only one candidate)
SAMPLE = 256 * 1024
#: a well-formed UTF-8 multi-byte sequence (a file holding some is UTF-8, even if broken)
UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}")
#: a non-ASCII character next to a letter, or a C1 control (checked by category below)
SUSPECT = re.compile(r"[^\x00-\x7f](?=\w)|(?<=\w)[^\x00-\x7f]|[\x80-\x9f]")


@dataclass(frozen=True)
class Decoded:
    """``text`` of the file; ``encoding`` its Python codec name; ``guessed`` true when the
    encoding was inferred from a legacy code page (the plan warns about it)."""

    text: str
    encoding: str
    guessed: bool = False


def check_encoding_name(name: str, where: str) -> str:
    """The codec name for ``name`` (e.g. "ISO-8859-2" → "iso8859-2"); ValidationFailed at
    ``where`` when Python knows no such encoding."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        info = None
    # rot13, base64 and the like are codecs but no text encodings
    if info is None or not getattr(info, "_is_text_encoding", True):
        raise ValidationFailed(
            f"Unknown encoding {name!r}.",
            [Issue(where, "use a name such as utf-8, utf-16, windows-1252 or iso-8859-2")],
        )
    return info.name


def decode(data: bytes, encoding: str | None = None) -> Decoded:
    """Decode an HR CSV file. ``encoding``: the one the profile or the caller names (a
    byte-order mark still wins: it cannot be wrong). Raises ValidationFailed naming the row of
    the first byte that does not decode, or the first row that reads differently in the
    plausible encodings when none was named."""
    for bom, name in BOMS:
        if data.startswith(bom):
            return Decoded(_strict(data[len(bom) :], name, offset=len(bom)), name)
    if encoding:
        name = check_encoding_name(encoding, "encoding")
        return Decoded(_strict(data, name), name)
    utf16 = utf16_without_bom(data)
    if utf16:
        return Decoded(_strict(data, utf16), utf16)
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as error:
        if UTF8_SEQUENCE.search(data):
            # some non-ASCII text is UTF-8, this byte is not: a file of two encodings
            raise _undecodable(data, error, "utf-8") from error
    return _legacy(data)


def _strict(data: bytes, name: str, offset: int = 0) -> str:
    try:
        return data.decode(name)
    except UnicodeDecodeError as error:
        raise _undecodable(data, error, name, offset) from error
    except UnicodeError as error:  # codecs such as idna raise it without a position
        raise ValidationFailed(
            f"The HR file does not decode as {name}; nothing was imported.",
            [Issue("file", str(error)[:200])],
        ) from error


def _row_of(data: bytes, position: int, name: str) -> int:
    newline = "\n".encode(name) if name.startswith("utf-16") or name.startswith("utf-32") else b"\n"
    return data.count(newline, 0, position) + 1


def _undecodable(
    data: bytes, error: UnicodeDecodeError, name: str, offset: int = 0
) -> ValidationFailed:
    row = _row_of(data, error.start, name)
    bad = data[error.start : error.start + 4].hex(" ")
    return ValidationFailed(
        f"The HR file does not decode as {name}; nothing was imported. Save it as UTF-8, or "
        "name its encoding (the Encoding field or --encoding, or the import profile's encoding).",
        [Issue(f"row {row}", f"bytes {bad} (at byte {error.start + offset}) are not {name}")],
    )


def utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without a byte-order mark: ASCII text then has a NUL in every other byte."""
    sample = data[:4096]
    if len(sample) < 4 or b"\x00" not in sample:
        return None
    half = len(sample) // 2
    if sample[1::2].count(0) > 0.8 * half and sample[0::2].count(0) < 0.2 * half:
        return "utf-16-le"
    if sample[0::2].count(0) > 0.8 * half and sample[1::2].count(0) < 0.2 * half:
        return "utf-16-be"
    return None


def _implausible(text: str) -> int | None:
    """The offset of the first character no HR export would hold there, else None."""
    for match in SUSPECT.finditer(text):
        char = match.group()
        category = unicodedata.category(char)
        if category[0] in "SC" or category == "No":
            return match.start()
    return None


def _legacy(data: bytes) -> Decoded:
    candidates = list(FALLBACKS)
    guess = _guess(data)
    if guess:
        candidates += [c for c in (guess, *OTHER_SCRIPTS) if c not in candidates]
    readings: dict[str, str] = {}
    for name in candidates:
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        if _implausible(text) is None:
            readings[name] = text
    if not readings:
        text = data.decode(FALLBACKS[0], errors="replace")
        at = _implausible(text) or 0
        row = text.count("\n", 0, at) + 1
        raise ValidationFailed(
            "The HR file is neither UTF-8 nor readable in a known code page; nothing was "
            "imported. Save it as UTF-8, or name its encoding (the Encoding field or "
            "--encoding, or the import profile's encoding).",
            [Issue(f"row {row}", f"{text.splitlines()[row - 1][:80]!r} (read as windows-1252)")],
        )
    texts = set(readings.values())
    first = next(iter(readings))
    if len(texts) == 1:
        return Decoded(readings[first], first, guessed=True)
    lines = {name: text.splitlines() for name, text in readings.items()}
    row = next(
        n
        for n, options in enumerate(zip(*lines.values(), strict=False), start=1)
        if len(set(options)) > 1
    )
    shown = "; ".join(f"{name}: {lines[name][row - 1][:80]!r}" for name in readings)
    raise ValidationFailed(
        "The HR file is not UTF-8 and its encoding cannot be told from its bytes; nothing was "
        "imported. Name it (the Encoding field or --encoding, or the import profile's "
        "encoding), or save the file as UTF-8.",
        [Issue(f"row {row}", f"reads differently as {shown}")],
    )


def _guess(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:SAMPLE]).best()
    if best is None:
        return None
    # only a guess of another script counts (Cyrillic, Greek …): among Latin code pages its
    # pick is no better than chance on a file of names
    if all("LATIN" in unicodedata.name(c, "LATIN") for c in str(best) if c.isalpha()):
        return None
    try:
        return codecs.lookup(best.encoding).name
    except LookupError:
        return None
