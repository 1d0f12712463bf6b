"""Question banks: import GIFT or Moodle XML files into a bank's categories, as Moodle writes
them (question-bank interchange). Reading a bank (its summary, its export as GIFT or Moodle
XML, the current questions of a category for quizzes to draw from) is
:mod:`learnhub.questionbank.reading`.

An import is validated whole first and applied in one transaction (DESIGN.md): a file with any
error changes nothing and the error list names each problem by line (GIFT) or by question
number, name and line (Moodle XML). Importing the same file again changes nothing. Flushes,
never commits.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select

from learnhub.core.audit import audit
from learnhub.core.errors import Issue, ValidationFailed
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.questionbank import file_checks, matching
from learnhub.questionbank.competence_tags import loaded_framework_resolver, resolve_competences
from learnhub.questionbank.gift import parse_gift
from learnhub.questionbank.gift.common import is_moodle_fraction
from learnhub.questionbank.matching import spec_digest as spec_digest
from learnhub.questionbank.models import Question, QuestionBank, QuestionCategory
from learnhub.questionbank.moodle_xml import category_path, parse_moodle_xml
from learnhub.skills.models import Framework

logger = logging.getLogger(__name__)

BANK_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,119}")
#: the question bank that holds the courses' own banks: one category per module
#: (``<course-slug>/<module-slug>``), kept in step with the course files by every
#: ``flask content load`` (learnhub.quizzes.content_loader), which versions the quizzes
CONTENT_BANK = "content"
#: why an import into :data:`CONTENT_BANK` is refused (tester's finding 5: it changed live
#: course quizzes at once, without a new quiz version)
CONTENT_BANK_REFUSED = (
    f"The bank {CONTENT_BANK!r} holds the courses' own questions, kept in step with the course "
    "files: change a course's questions in its module's GIFT file (content/<course>/, the "
    "quiz's `file` in course.yaml) and run `flask content load`, which makes a new quiz "
    "version (attempts keep theirs). Import into another bank to share questions."
)
FORMATS = ("gift", "moodle_xml")


@dataclass
class ImportReport:
    """What an import did (or, with ``dry_run``, would do).

    ``added``/``unchanged``/``replaced``: questions new to the bank, already in it as they
    are (a question without a name also when it comes back with one made from its text), and
    replacing a question with the same id number, or else the same name, in the same category
    (the old one is retired, so attempts that drew it keep it). ``skipped``: the questions
    left out whole for their errors when the caller chose to skip them (Moodle's "stop on
    error: no").
    ``moodle_rejects``: weights Moodle would refuse
    (not on its list of grades) that LearnHub scores as written, ``{"where", "weights"}``.
    """

    bank: str
    format: str
    dry_run: bool
    questions: int = 0
    added: int = 0
    unchanged: int = 0
    replaced: int = 0
    categories: list[str] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    skipped: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    moodle_rejects: list[dict] = field(default_factory=list)
    #: per category path ("" the top): {"added", "replaced", "unchanged"} question counts
    by_category: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "bank": self.bank,
            "format": self.format,
            "dry_run": self.dry_run,
            "questions": self.questions,
            "added": self.added,
            "unchanged": self.unchanged,
            "replaced": self.replaced,
            "categories": self.categories,
            "errors": [i.as_dict() for i in self.errors],
            "skipped": [i.as_dict() for i in self.skipped],
            "warnings": [i.as_dict() for i in self.warnings],
            "moodle_rejects": self.moodle_rejects,
            "by_category": [{"path": path, **counts} for path, counts in self.by_category.items()],
        }


def detect_format(filename: str, data: bytes) -> str:
    """The format: "moodle_xml" for a .xml file or one that starts like XML, else "gift"."""
    if filename.lower().endswith(".xml"):
        return "moodle_xml"
    if filename.lower().endswith((".gift", ".txt")):
        return "gift"
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:100]
    return "moodle_xml" if head.startswith((b"<?xml", b"<quiz")) else "gift"


@dataclass
class ReadFile:
    """A parsed file: ``fatal`` problems make the whole file unreadable; ``errors`` each leave
    one question out (located by line for GIFT, by number, name and line for Moodle XML)."""

    format: str
    questions: list[dict]
    fatal: list[Issue]
    errors: list[Issue]
    warnings: list[Issue]


def read_file(filename: str, data: bytes, fmt: str | None = None) -> ReadFile:
    """Parse a GIFT (UTF-8, or UTF-16 as :func:`file_checks.gift_text` reads it) or Moodle
    XML file into question specs and located issues; ``fmt`` ("gift" or "moodle_xml") when
    the caller chose it, else detected. A file of another kind (an image …), over the work
    limit, a GIFT file with a NUL character or of only text are refused whole; one name twice
    in a category is a warning (an edited one is refused at the update); a question over
    file_checks.MAX_QUESTION_BYTES of text is an error of its own
    (:mod:`learnhub.questionbank.file_checks`)."""
    fmt = fmt or detect_format(filename, data)
    text = None if fmt == "moodle_xml" else file_checks.gift_text(data)
    refused = file_checks.other_kind(data) or (
        text
        if isinstance(text, Issue)
        else file_checks.too_much(fmt, data if text is None else text.encode())
    )
    if refused is not None:
        return ReadFile(fmt, [], [refused], [], [])
    if fmt == "moodle_xml":
        xml = parse_moodle_xml(data)
        fatal = [Issue(i.where, i.message) for i in xml.errors if not i.number]
        errors = [Issue(i.where, i.message) for i in xml.errors if i.number]
        warnings = [Issue(i.where, i.message) for i in xml.warnings]
        questions = _resolve_tags(xml.questions, errors, lambda q: f"line {q.get('line', 0)}")
        return _checked(ReadFile(fmt, questions, fatal, errors, warnings))
    assert isinstance(text, str)
    gift = parse_gift(text)
    errors = [Issue(f"line {i.line}", i.message) for i in gift.errors]
    warnings = [Issue(f"line {i.line}", i.message) for i in gift.warnings]
    only_text = None if gift.errors else file_checks.only_text(gift.questions, text)
    if only_text is not None:
        return ReadFile(fmt, [], [only_text], [], [])
    questions = _resolve_tags(gift.questions, errors, lambda q: f"line {q.get('line', 0)}")
    return _checked(ReadFile(fmt, questions, [], errors, warnings))


def _checked(read: ReadFile) -> ReadFile:
    """``read`` with the checks on its questions: too much text (an error of that question,
    which is left out), one id number twice in a category (an error naming their lines; they
    are left out), one name twice in a category (a warning)."""
    kept = []
    for spec in read.questions:
        problem = file_checks.question_too_big(spec)
        if problem is None:
            kept.append(spec)
        else:
            read.errors.append(Issue(f"line {spec.get('line', 0)}", problem))

    def path_of(spec: dict) -> str:
        return category_path(spec.get("category") or "")

    clashes = file_checks.duplicate_idnumbers(kept, path_of)
    if clashes:
        read.errors.extend(clashes)
        uses = Counter((path_of(q), q["idnumber"]) for q in kept if q.get("idnumber"))
        kept = [q for q in kept if not q.get("idnumber") or uses[(path_of(q), q["idnumber"])] == 1]
    read.questions = kept
    read.warnings.extend(file_checks.duplicate_names(kept, path_of))
    return read


def _resolve_tags(specs: list[dict], errors: list[Issue], where) -> list[dict]:
    """Resolve the competence tags of ``specs`` against the loaded frameworks
    (:mod:`learnhub.questionbank.competence_tags`); a question whose tag names an unknown
    framework, competence or level gets an error (``where(spec)`` names its line) and is left
    out. Returns the specs kept; one query per framework named, none without tags."""
    tagged = [spec for spec in specs if spec.get("competences")]
    if not tagged:
        return specs
    resolver = loaded_framework_resolver(list(db.session.scalars(select(Framework.slug))))
    failed = set()
    for spec in tagged:
        resolved, problems = resolve_competences(spec["competences"], resolver)
        errors.extend(Issue(where(spec), problem) for problem in problems)
        if problems:
            failed.add(id(spec))
        spec["competences"] = resolved
    return [spec for spec in specs if id(spec) not in failed]


def import_questions(
    bank_name: str,
    filename: str,
    data: bytes,
    *,
    dry_run: bool = False,
    skip_invalid: bool = False,
    fmt: str | None = None,
) -> ImportReport:
    """Import a GIFT or Moodle XML file (format by extension, else by content) into a bank,
    creating the bank and its categories as needed.

    Categories come from the file (``$CATEGORY:``, Moodle category questions), kept as paths
    without context and ``top``. A question with an id number replaces the current question of
    the same category with that id number when it differs, else one with a name replaces the
    only current question of the category with that name; an identical question is left as
    it is. The courses' own bank :data:`CONTENT_BANK` is refused
    (:data:`CONTENT_BANK_REFUSED`). Raises ValidationFailed (the report's errors as issues,
    nothing changed) when the file has any error or the bank name is not valid; with
    ``skip_invalid`` the questions in error are left out whole and listed in ``skipped``
    instead (a file that cannot be read at all still fails). ``fmt`` ("gift" or "moodle_xml")
    overrides the detection. Audited unless ``dry_run``.
    """
    bank_name = bank_name.strip()
    if fmt is not None and fmt not in FORMATS:
        raise ValidationFailed(f"Unknown format {fmt!r}.", [Issue("format", "gift or moodle_xml")])
    parsed = read_file(filename, data, fmt)
    fmt, specs = parsed.format, parsed.questions
    report = ImportReport(bank_name, fmt, dry_run, len(specs), warnings=parsed.warnings)
    report.errors = list(parsed.fatal)
    if skip_invalid:
        report.skipped = parsed.errors
    else:
        report.errors.extend(parsed.errors)
    if not BANK_NAME.fullmatch(bank_name):
        report.errors.insert(
            0, Issue("bank", "a bank name is 1-120 letters, digits, spaces, '.', '_' or '-'")
        )
    elif bank_name.casefold() == CONTENT_BANK:
        report.errors.insert(0, Issue("bank", CONTENT_BANK_REFUSED))
    if not report.errors and not specs:
        report.errors.append(Issue("file", "the file holds no question"))
    report.moodle_rejects = _moodle_rejects(specs)
    if report.errors:
        raise ValidationFailed(
            f"{filename} has {len(report.errors)} error(s); nothing was imported.", report.errors
        )
    savepoint = db.session.begin_nested()
    _apply(bank_name, specs, report)
    if report.errors:  # an update the bank cannot match (matching.name_clash)
        savepoint.rollback()
        raise ValidationFailed(
            f"{filename} has {len(report.errors)} error(s); nothing was imported.", report.errors
        )
    if dry_run:
        savepoint.rollback()
        return report
    savepoint.commit()
    audit(
        "quizzes.bank_import",
        target=f"bank:{bank_name}",
        file=filename,
        format=fmt,
        added=report.added,
        replaced=report.replaced,
        unchanged=report.unchanged,
    )
    db.session.flush()
    return report


def _apply(bank_name: str, specs: list[dict], report: ImportReport) -> None:
    bank = db.session.scalar(select(QuestionBank).where(QuestionBank.name == bank_name))
    if bank is None:
        bank = QuestionBank(name=bank_name)
        db.session.add(bank)
        db.session.flush()
    categories = {c.path: c for c in bank.categories}
    position = db.session.scalar(
        select(func.coalesce(func.max(Question.position), 0)).where(Question.bank_id == bank.id)
    )
    current = _current_by_category(bank.id)
    new: set[int] = set()
    twins: dict[str, dict[str, Question]] = {}  # GIFT: current questions by points-free digest
    for spec in specs:
        path = category_path(spec.get("category") or "") or ""
        spec = {**spec, "category": path or None}
        if path not in categories:
            categories[path] = QuestionCategory(bank_id=bank.id, path=path)
            db.session.add(categories[path])
            db.session.flush()
            report.categories.append(path)
        same_category = current.setdefault(path, {})
        if report.format == "gift":
            if path not in twins:
                twins[path] = matching.points_free_index(same_category)
            spec = matching.with_bank_points(spec, same_category, new, twins[path])
        digest = spec_digest(spec)
        counts = report.by_category.setdefault(path, {"added": 0, "replaced": 0, "unchanged": 0})
        if digest in same_category or matching.nameless_twin(spec, same_category) is not None:
            report.unchanged += 1
            counts["unchanged"] += 1
            continue
        old = matching.same_question(spec, same_category, new)
        clash = None if old else matching.name_clash(spec, same_category, new)
        if clash is not None:
            report.errors.append(Issue(f"line {spec.get('line', 0)}", clash))
            continue
        if old is not None:
            old.retired_at = utcnow()
            del same_category[old.content_sha256]
            report.replaced += 1
            counts["replaced"] += 1
        else:
            report.added += 1
            counts["added"] += 1
        position += 1
        question = Question(
            bank_id=bank.id,
            category_id=categories[path].id,
            position=position,
            qtype=spec["type"],
            name=(spec.get("name") or "")[:255] or None,
            idnumber=spec.get("idnumber"),
            points=Decimal(spec.get("points", "1")),
            spec=spec,
            content_sha256=digest,
        )
        db.session.add(question)
        same_category[digest] = question
        new.add(id(question))
    db.session.flush()


def _current_by_category(bank_id: int) -> dict[str, dict[str, Question]]:
    rows = db.session.execute(
        select(QuestionCategory.path, Question)
        .join(Question, Question.category_id == QuestionCategory.id)
        .where(Question.bank_id == bank_id, Question.retired_at.is_(None))
    ).all()
    result: dict[str, dict[str, Question]] = {}
    for path, question in rows:
        result.setdefault(path, {})[question.content_sha256] = question
    return result


def _moodle_rejects(specs: list[dict]) -> list[dict]:
    """Weights Moodle would not accept (question_bank::fraction_options_full), per question:
    ``{"where": "line N", "name", "weights": [percent, ...]}``."""
    found = []
    for spec in specs:
        items = spec.get("choices") or spec.get("answers") or []
        odd = [i["weight"] for i in items if not is_moodle_fraction(i["weight"])]
        if odd:
            where = f"line {spec.get('line')}"
            found.append({"where": where, "name": spec.get("name"), "weights": odd})
    return found
