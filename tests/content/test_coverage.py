"""Every DigComp 3.0 competence is taught and assessed at two or more proficiency levels, Basic
and Intermediate at least (issue 3; CONTENT-GUIDE.md "What the curriculum covers").

A level counts when a module with a quiz lists the competence at that level under
`competences` in course.yaml: passing that quiz is what records evidence at the level.
"""

from __future__ import annotations

import copy

from learnhub.catalog.curriculum import coverage, coverage_gaps

REQUIRED_LEVELS = {1: "Basic", 2: "Intermediate"}
MINIMUM_LEVELS = 2


def test_the_framework_file_has_the_21_competences_of_digcomp_3_0(digcomp):
    codes = {c["code"] for c in digcomp.competences}
    assert len(codes) == 21
    assert {c["area"] for c in digcomp.competences} == {"1", "2", "3", "4", "5"}
    assert {lvl["number"]: lvl["name"] for lvl in digcomp.levels} == {
        1: "Basic",
        2: "Intermediate",
        3: "Advanced",
        4: "Highly advanced",
    }


def test_every_competence_is_covered_at_basic_and_intermediate_by_modules_with_quizzes(
    plan, digcomp
):
    gaps = coverage_gaps(
        plan.courses, [c["code"] for c in digcomp.competences], REQUIRED_LEVELS, MINIMUM_LEVELS
    )
    assert not gaps, "DigComp 3.0 coverage is short (competence: what is missing):\n" + "\n".join(
        gaps
    )


def test_modules_map_only_to_competences_of_the_framework(plan, digcomp):
    unknown = set(coverage(plan.courses)) - {c["code"] for c in digcomp.competences}
    assert not unknown


def test_the_coverage_check_names_the_missing_competence_and_level(plan, digcomp):
    courses = copy.deepcopy(plan.courses)
    for course in courses:
        for module in course["modules"]:
            if module["competences"].get("3.3") == 2:  # drop 3.3 Intermediate
                del module["competences"]["3.3"]
            if "1.1" in module["competences"]:  # a module without a quiz proves nothing
                module["parts"].pop("quiz", None)
    gaps = coverage_gaps(
        courses, [c["code"] for c in digcomp.competences], REQUIRED_LEVELS, MINIMUM_LEVELS
    )
    assert gaps == [
        "1.1: missing Basic, Intermediate; covered at 0 level(s), needs 2",
        "3.3: missing Intermediate; covered at 2 level(s), needs 2",
    ]
