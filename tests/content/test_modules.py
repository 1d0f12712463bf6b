"""Every module has outcomes tied to real competences, levels and learning outcomes; every quiz
has 5-10 scored questions with feedback on every option and typed answer; modules whose
knowledge goes stale expire (issue 3; CONTENT-GUIDE.md; DESIGN.md "How skills are computed").

The loader enforces most of this, so it is checked twice: the real content passes the
checks below (read from the files, not through the loader), and the loader rejects a broken
copy of a course, naming the file and the line.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from learnhub.catalog.loader import read_content
from learnhub.core.errors import ValidationFailed
from tests.conftest import CONTENT_DIR

SCORED = range(5, 11)
#: DigComp 4.1 protecting devices and 4.2 protecting personal data: threats and the law move
#: fast, so their evidence expires (DESIGN.md: "e.g. 12 months for security modules")
STALE_COMPETENCES = {"4.1", "4.2"}
#: question types whose every option or typed answer carries feedback (matching pairs cannot)
WITH_FEEDBACK = ("single_choice", "multiple_choice", "true_false", "short_answer", "numeric")


def _courses() -> list[tuple[Path, dict]]:
    return [
        (path, yaml.safe_load(path.read_text(encoding="utf-8")))
        for path in sorted(CONTENT_DIR.glob("courses/*/course.yaml"))
    ]


def test_every_module_has_outcomes_tied_to_real_competences_levels_and_learning_outcomes(
    digcomp,
):
    competences = {c["code"] for c in digcomp.competences}
    levels = {lvl["name"]: lvl["number"] for lvl in digcomp.levels}
    outcomes = {o["code"]: (o["competence"], o["level_number"]) for o in digcomp.outcomes}
    problems = []
    for path, course in _courses():
        for module in course["modules"]:
            where = f"{path.parent.name}/{module['slug']}"
            proved = {str(m["competence"]): m["level"] for m in module["competences"]}
            if not 2 <= len(module.get("outcomes") or []) <= 4:
                problems.append(f"{where}: {len(module.get('outcomes') or [])} outcomes, not 2-4")
            for entry in [*(module.get("outcomes") or []), *module["competences"]]:
                code, level = str(entry["competence"]), entry["level"]
                if code not in competences or level not in levels:
                    problems.append(f"{where}: {code} at {level!r} is not in DigComp 3.0")
                    continue
                if "text" in entry and proved.get(code) is None:
                    problems.append(f"{where}: outcome on {code}, which the module does not prove")
                elif "text" in entry and levels[level] > levels.get(proved[code], 0):
                    problems.append(f"{where}: outcome on {code} at {level}, above {proved[code]}")
                lo = entry.get("learning_outcome")
                if lo and outcomes.get(lo) != (code, levels[level]):
                    problems.append(f"{where}: {lo} is {outcomes.get(lo)}, not ({code}, {level})")
    assert not problems, "\n".join(problems)


def test_every_quiz_has_5_to_10_scored_questions_and_explains_every_option(plan):
    problems = []
    for course in plan.courses:
        for module in course["modules"]:
            where = f"{course['slug']}/{module['slug']}"
            quiz = module["parts"]["quiz"]
            scored = [q for q in quiz["questions"] if q["type"] not in ("description", "essay")]
            # with questions_per_attempt the file is the module's bank: an attempt draws that many
            per_attempt = quiz["settings"].get("questions_per_attempt") or len(scored)
            per_attempt += sum(rule["count"] for rule in quiz["settings"].get("draw_rules", []))
            if per_attempt not in SCORED:
                problems.append(f"{where}: {per_attempt} scored questions per attempt")
            for q in scored:
                options = q.get("choices") or q.get("answers") or []
                if q["type"] not in WITH_FEEDBACK:
                    problems.append(f"{where} {q['name']!r}: type {q['type']} has no feedback")
                for option in options:
                    text = option["text"]["text"] if isinstance(option["text"], dict) else ""
                    feedback = (option.get("feedback") or {}).get("text", "")
                    # "Right." alone teaches nothing: feedback says why (CONTENT-GUIDE.md)
                    if len(feedback.split()) < 4:
                        problems.append(f"{where} {q['name']!r}: feedback {feedback!r} is thin")
                    if re.search(r"\b(all|none) of the above\b", text, re.IGNORECASE):
                        problems.append(f"{where} {q['name']!r}: {text!r}")
    assert not problems, "\n".join(problems)


def test_security_and_data_protection_modules_expire(plan):
    missing = [
        f"{course['slug']}/{module['slug']} ({', '.join(sorted(module['competences']))})"
        for course in plan.courses
        for module in course["modules"]
        if STALE_COMPETENCES & set(module["competences"])
        and not 1 <= (module["validity_months"] or 0) <= 24
    ]
    assert not missing, "modules on 4.1/4.2 without validity_months (1-24):\n" + "\n".join(missing)


# -- the loader rejects a broken copy, naming file and line ------------------------------------

COURSE = "phishing-and-account-security"


def _copy(tmp_path: Path) -> Path:
    """content/ with its framework and one course: enough for the loader, quick to copy."""
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR / "frameworks", target / "frameworks")
    shutil.copytree(CONTENT_DIR / "courses" / COURSE, target / "courses" / COURSE)
    return target


def _edit(path: Path, old: str, new: str) -> int:
    """Replace the first ``old`` with ``new``; return the line where ``new`` starts."""
    text = path.read_text(encoding="utf-8")
    at = text.index(old)
    path.write_text(text[:at] + new + text[at + len(old) :], encoding="utf-8")
    return text.count("\n", 0, at) + 1


def _line_of(path: Path, needle: str) -> int:
    text = path.read_text(encoding="utf-8")
    return text.count("\n", 0, text.index(needle)) + 1


def _unknown_competence(course: Path):
    line = _edit(
        course / "course.yaml",
        'competence: "4.1"\n        level: Basic\n        learning_outcome: LO4.1.02',
        'competence: "9.9"\n        level: Basic',
    )
    return "course.yaml", line - 1, "unknown competence '9.9'"


def _learning_outcome_at_another_level(course: Path):
    line = _edit(course / "course.yaml", "learning_outcome: LO4.1.02", "learning_outcome: LO4.1.08")
    return (
        "course.yaml",
        line - 3,
        "LO4.1.08 belongs to competence 4.1 at level 2, not 4.1 at level 1",
    )


def _learning_outcome_that_does_not_exist(course: Path):
    line = _edit(course / "course.yaml", "learning_outcome: LO4.1.06", "learning_outcome: LO4.1.99")
    return "course.yaml", line - 3, "learning outcome LO4.1.99 does not exist"


def _outcome_on_a_competence_the_quiz_does_not_prove(course: Path):
    line = _edit(
        course / "course.yaml",
        'competence: "4.1"\n        level: Basic\n        learning_outcome: LO4.1.06',
        'competence: "1.1"\n        level: Basic',
    )
    return "course.yaml", line - 1, "outcome competence 1.1 is not among the module's competences"


def _outcome_above_the_level_the_module_proves(course: Path):
    yaml_file = course / "course.yaml"
    text = yaml_file.read_text(encoding="utf-8")
    start = text.index("slug: devices-and-incidents")
    at = text.index("level: Intermediate", text.index("    competences:", start))
    yaml_file.write_text(text[:at] + "level: Basic" + text[at + 19 :], encoding="utf-8")
    return (
        "course.yaml",
        _line_of(yaml_file, "- text: Describe the main kinds of malware"),
        "outcome at level 2 is above level 1, which the module proves for 4.1",
    )


def _module_without_outcomes(course: Path):
    yaml_file = course / "course.yaml"
    text = yaml_file.read_text(encoding="utf-8")
    start = text.index("    outcomes:", text.index("slug: passwords-and-multi-factor"))
    end = text.index("    competences:", start)
    yaml_file.write_text(text[:start] + text[end:], encoding="utf-8")
    return (
        "course.yaml",
        _line_of(yaml_file, "- slug: passwords-and-multi-factor"),
        "module lacks outcomes",
    )


def _option_without_feedback(course: Path):
    gift = course / "01-spotting-phishing.gift"
    text = gift.read_text(encoding="utf-8")
    gift.write_text(re.sub(r"#Not safe\. The criminal wrote that email[^\n]*", "", text, count=1))
    return (
        gift.name,
        _line_of(gift, "::New bank details::"),
        "option 4 of 'New bank details' has no feedback",
    )


def _typed_answer_without_feedback(course: Path):
    gift = course / "01-spotting-phishing.gift"
    text = gift.read_text(encoding="utf-8")
    start = text.index("::Checking new bank details::")
    block = text[start : text.index("}", start)]
    answer = re.search(r"\n\s*=[^#\n]*(#[^\n]*)", block)
    gift.write_text(
        text[: start + answer.start(1)] + text[start + answer.end(1) :], encoding="utf-8"
    )
    return (
        gift.name,
        _line_of(gift, "::Checking new bank details::"),
        "answer 1 of 'Checking new bank details' has no feedback",
    )


def _per_attempt(course: Path, count: int) -> int:
    """Set the first module's questions_per_attempt to ``count``; return the line of its quiz."""
    yaml_file = course / "course.yaml"
    text = re.sub(
        r"\n *questions_per_attempt: \d+", "", yaml_file.read_text(encoding="utf-8"), count=1
    )
    at = text.index("shuffle_answers:", text.index("file: 01-spotting-phishing.gift"))
    yaml_file.write_text(text[:at] + f"questions_per_attempt: {count}\n      " + text[at:])
    return text.count("\n", 0, text.index("quiz:", text.index("- slug: spotting-phishing"))) + 1


def _too_few_questions(course: Path):
    _per_attempt(course, 4)
    return "01-spotting-phishing.gift", None, "a quiz has 5-10 scored questions, this one 4"


def _too_many_questions(course: Path):
    _per_attempt(course, 11)
    return "01-spotting-phishing.gift", None, "this one 11"


def _draws_more_than_the_bank_holds(course: Path):
    gift = course / "01-spotting-phishing.gift"
    held = gift.read_text(encoding="utf-8").count("\n::")
    line = _per_attempt(course, held + 1)
    return "course.yaml", line, f"questions_per_attempt {held + 1} is more than the {held} scored"


def _per_attempt_that_is_not_a_number(course: Path):
    line = _per_attempt(course, 6)
    _edit(course / "course.yaml", "questions_per_attempt: 6", "questions_per_attempt: six")
    return "course.yaml", line, "questions_per_attempt must be a whole number >= 1"


def _level_one_heading(course: Path):
    line = _edit(
        course / "01-spotting-phishing.md", "## Why attackers target", "# Why attackers target"
    )
    return (
        "01-spotting-phishing.md",
        line,
        "heading 'Why attackers target public bodies' is level 1",
    )


def _skipped_heading_level(course: Path):
    line = _edit(
        course / "01-spotting-phishing.md", "### What attackers do", "#### What attackers do"
    )
    return "01-spotting-phishing.md", line, "skips from level 2 to 4"


def _validity_that_is_not_months(course: Path):
    _edit(course / "course.yaml", "validity_months: 12", "validity_months: a year")
    return (
        "course.yaml",
        _line_of(course / "course.yaml", "- slug: spotting-phishing"),
        "validity_months must be a whole number",
    )


def _competence_listed_twice(course: Path):
    yaml_file = course / "course.yaml"
    text = yaml_file.read_text(encoding="utf-8")
    at = text.index("    competences:", text.index("slug: passwords-and-multi-factor"))
    at = text.index("\n", at) + 1
    extra = '      - competence: "4.1"\n        level: Intermediate\n'
    at = text.index("    quiz:", at)
    yaml_file.write_text(text[:at] + extra + text[at:], encoding="utf-8")
    return "course.yaml", text.count("\n", 0, at) + 1, "competence 4.1 is listed twice"


@pytest.mark.parametrize(
    "breaks",
    [
        _unknown_competence,
        _learning_outcome_at_another_level,
        _learning_outcome_that_does_not_exist,
        _outcome_on_a_competence_the_quiz_does_not_prove,
        _outcome_above_the_level_the_module_proves,
        _module_without_outcomes,
        _option_without_feedback,
        _typed_answer_without_feedback,
        _too_few_questions,
        _too_many_questions,
        _draws_more_than_the_bank_holds,
        _per_attempt_that_is_not_a_number,
        _level_one_heading,
        _skipped_heading_level,
        _validity_that_is_not_months,
        _competence_listed_twice,
    ],
    ids=lambda f: f.__name__.strip("_"),
)
def test_the_loader_rejects_a_broken_course_naming_file_and_line(tmp_path, breaks):
    content = _copy(tmp_path)
    assert read_content(content).courses  # the copy itself is fine
    file, line, message = breaks(content / "courses" / COURSE)
    with pytest.raises(ValidationFailed) as raised:
        read_content(content)
    where = f"content/courses/{COURSE}/{file}" + (f", line {line}" if line else "")
    matching = [str(i) for i in raised.value.errors if i.where == where and message in i.message]
    assert matching, f"expected {where}: …{message}…, got:\n{raised.value}"
