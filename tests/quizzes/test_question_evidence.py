"""Question-level evidence (issue 11; learnhub.quizzes.question_evidence): per competence, from
the tagged questions of one attempt, whether the attempt passed or not; idempotent; following
regrades; team summaries recomputed after the commit, equal to a recompute from scratch."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from sqlalchemy import select

from learnhub.extensions import db
from learnhub.org.services import get_by_email
from learnhub.quizzes import scoring
from learnhub.quizzes import services as quizzes
from learnhub.quizzes.layout import attempt_questions
from learnhub.quizzes.models import Attempt
from learnhub.quizzes.question_evidence import TaggedResult, competence_levels
from learnhub.quizzes.regrade import fix_question, regrade_quiz
from learnhub.skills.models import Evidence, TeamSummary
from learnhub.skills.services import attained_levels, frameworks_with_profiles, targets_query
from tests.factories import EmployeeFactory, competence
from tests.skills.conftest import stale_summaries

F = "digcomp-3.0"


def _r(tags, earned, maximum=1) -> TaggedResult:
    return TaggedResult(
        tuple((F, code, level) for code, level in tags), Fraction(earned), Fraction(maximum)
    )


def test_the_rule_per_competence_needs_the_pass_mark_share_of_two_questions_or_more():
    results = [
        _r([("4.1", 1)], 1),
        _r([("4.1", 1)], 1),
        _r([("4.2", 1)], 0),
        _r([("4.2", 1)], 1),
        _r([("1.2", 1)], 1),  # one lucky answer proves nothing
    ]
    # 4.1: 2/2; 4.2: 1/2 = 50% < 80%; 1.2: one question only
    assert competence_levels(results, Decimal("80")) == {(F, "4.1"): 1}
    # a pass mark of 50% lets 4.2's half through: the quiz's own bar, compared exactly
    assert competence_levels(results, Decimal("50")) == {(F, "4.1"): 1, (F, "4.2"): 1}
    assert competence_levels(results, Decimal("50.001")) == {(F, "4.1"): 1}


def test_a_level_is_shown_by_the_questions_at_it_or_above():
    # two advanced questions answered: level 3, though the basic ones were missed
    hard = [_r([("4.1", 3)], 1), _r([("4.1", 3)], 1), _r([("4.1", 1)], 0), _r([("4.1", 1)], 0)]
    assert competence_levels(hard, Decimal("75")) == {(F, "4.1"): 3}
    # one advanced question right is too few for level 3, but with a basic one it shows level 1
    one = [_r([("4.1", 3)], 1), _r([("4.1", 1)], 1)]
    assert competence_levels(one, Decimal("75")) == {(F, "4.1"): 1}
    # basic answered, advanced missed: level 3 fails; level 1 pools all four (2/4 = 50%)
    missed = [_r([("4.1", 3)], 0), _r([("4.1", 3)], 0), _r([("4.1", 1)], 1), _r([("4.1", 1)], 1)]
    assert competence_levels(missed, Decimal("75")) == {}
    assert competence_levels(missed, Decimal("50")) == {(F, "4.1"): 1}
    # partial credit counts as points; a question that carries no points counts for nothing
    partial = [_r([("4.1", 2)], Fraction(1, 2)), _r([("4.1", 2)], 1), _r([("4.1", 2)], 0, 0)]
    assert competence_levels(partial, Decimal("75")) == {(F, "4.1"): 2}
    assert competence_levels(partial[:1] + partial[2:], Decimal("10")) == {}


def _tf(name: str, tag: str | None) -> str:
    comment = f"// [tag:{tag}]\n" if tag else ""
    return f"{comment}::{name}::{name} is true. {{TRUE#Right.#Wrong.}}\n"


def _answers(attempt: Attempt, right: set[str]) -> dict[int, dict]:
    """Full marks on the questions named in ``right``, nothing on the others."""
    return {
        q.id: (scoring.score_question(q.spec, None).correct_response or {})
        if q.name in right
        else {}
        for q in attempt_questions(attempt)
    }


def _rows(attempt_id: int, kind: str = "question_result") -> dict[str, tuple[int, bool]]:
    """{competence code: (level, revoked)} of the attempt's evidence of ``kind``."""
    rows = db.session.execute(
        select(Evidence, Evidence.competence_id).where(
            Evidence.source == f"attempt:{attempt_id}", Evidence.kind == kind
        )
    ).all()
    codes = {competence(c).id: c for c in ("4.1", "4.2", "1.2", "2.1")}
    return {codes[cid]: (e.level_number, e.revoked_at is not None) for e, cid in rows}


GIFT = "\n".join(
    [
        _tf("A1", "digcomp:4.1:intermediate"),
        _tf("A2", "digcomp:4.1:2"),
        _tf("B1", "digcomp:4.2:basic"),
        _tf("B2", "digcomp:4.2:basic"),
        _tf("C1", "digcomp:1.2:basic"),
        _tf("Plain", None),
    ]
)


def test_a_failed_attempt_still_gives_evidence_of_the_competence_it_showed(app, make_quiz):
    quiz_id = make_quiz(GIFT, pass_mark="80")
    with app.app_context():
        me = EmployeeFactory()
        attempt = quizzes.start_attempt(quiz_id, me.id)
        quizzes.submit_attempt(attempt, _answers(attempt, {"A1", "A2", "B1", "C1"}))
        # 4/6 = 67% < 80%: failed, so no quiz_passed evidence of the module's competences
        assert attempt.passed is False and _rows(attempt.id, "quiz_passed") == {}
        # 4.1: both intermediate questions right; 4.2: 1 of 2 (50%); 1.2: one question only
        assert _rows(attempt.id) == {"4.1": (2, False)}
        assert attained_levels([me.id]) == {(me.id, competence("4.1").id): 2}
        db.session.commit()

        # a second submit (double click, another tab) records nothing more
        again = quizzes.submit_attempt(db.session.get(Attempt, attempt.id), None)
        assert again.id == attempt.id
        assert (
            db.session.scalar(
                select(db.func.count(Evidence.id)).where(Evidence.source == f"attempt:{attempt.id}")
            )
            == 1
        )


def test_a_passed_attempt_gives_both_kinds_and_a_regrade_makes_them_follow(app, make_quiz):
    quiz_id = make_quiz(GIFT, pass_mark="50")
    with app.app_context():
        me = EmployeeFactory()
        attempt = quizzes.start_attempt(quiz_id, me.id)
        quizzes.submit_attempt(attempt, _answers(attempt, {"A1", "A2", "B1", "B2"}))
        assert attempt.passed is True
        assert _rows(attempt.id) == {"4.1": (2, False), "4.2": (1, False)}
        assert set(_rows(attempt.id, "quiz_passed")) == {"4.1", "4.2"}  # the module's
        db.session.commit()

        # a key fix: B2's key becomes FALSE, so the learner's TRUE is now wrong
        b2 = next(q for q in attempt_questions(attempt) if q.name == "B2")
        fixed = {**b2.spec, "choices": [dict(c) for c in b2.spec["choices"]]}
        for choice in fixed["choices"]:
            choice["weight"] = "0" if choice["weight"] != "0" else "100"
        fix_question(b2.id, fixed)
        report = regrade_quiz(quiz_id)
        assert [c["attempt_id"] for c in report["changed"]] == [attempt.id]
        # still passed (3/6 = 50%): quiz_passed stays; 4.2 is now 1 of 2, which reaches this
        # quiz's 50% pass mark, so its question-level evidence stays too
        assert _rows(attempt.id) == {"4.1": (2, False), "4.2": (1, False)}

        # A2's key fixed too: 4.1 falls to 1 of 2 (50% >= 50%), the attempt to 2/6 (fail)
        a2 = next(q for q in attempt_questions(attempt) if q.name == "A2")
        fixed = {**a2.spec, "choices": [dict(c) for c in a2.spec["choices"]]}
        for choice in fixed["choices"]:
            choice["weight"] = "0" if choice["weight"] != "0" else "100"
        fix_question(a2.id, fixed)
        regrade_quiz(quiz_id)
        assert attempt.passed is False
        assert all(revoked for _l, revoked in _rows(attempt.id, "quiz_passed").values())
        # question-level rows follow their own rule, not the pass: 4.1 1/2 and 4.2 1/2 at 50%
        assert _rows(attempt.id) == {"4.1": (2, False), "4.2": (1, False)}
        db.session.commit()


def test_a_regrade_revokes_and_reinstates_question_evidence(app, make_quiz):
    quiz_id = make_quiz(GIFT, pass_mark="80")
    with app.app_context():
        me = EmployeeFactory()
        attempt = quizzes.start_attempt(quiz_id, me.id)
        quizzes.submit_attempt(attempt, _answers(attempt, {"A1", "A2"}))
        assert _rows(attempt.id) == {"4.1": (2, False)}
        a1 = next(q for q in attempt_questions(attempt) if q.name == "A1")
        original = a1.spec

        def flip(spec: dict) -> dict:
            new = {**spec, "choices": [dict(c) for c in spec["choices"]]}
            for choice in new["choices"]:
                choice["weight"] = "0" if choice["weight"] != "0" else "100"
            return new

        fix_question(a1.id, flip(original))
        regrade_quiz(quiz_id)
        assert _rows(attempt.id) == {"4.1": (2, True)}  # 1 of 2: revoked, kept on record
        assert attained_levels([me.id]) == {}
        fix_question(a1.id, flip(flip(original)))
        regrade_quiz(quiz_id)
        assert _rows(attempt.id) == {"4.1": (2, False)}
        assert attained_levels([me.id]) == {(me.id, competence("4.1").id): 2}
        db.session.commit()


def test_team_summaries_follow_question_evidence_after_the_commit(app, demo, make_quiz):
    """The learner's target met by tagged questions alone, in a failed attempt: the manager's
    stored summary (recomputed after the commit; eagerly in tests) counts it, and equals a
    recompute from scratch."""
    with app.app_context():
        me = get_by_email("employee@example.org")
        framework = frameworks_with_profiles()[0]
        _e, competence_id, target = db.session.execute(targets_query([me.id], framework.id)).first()
        code = next(c for c in ("4.1", "4.2", "1.2", "2.1") if competence(c).id == competence_id)
        manager_id = me.manager_id

    def meeting() -> int:
        with app.app_context():
            summary = db.session.scalar(
                select(TeamSummary).where(
                    TeamSummary.manager_id == manager_id,
                    TeamSummary.framework_id == framework.id,
                )
            )
            row = next(
                c for c in summary.data["competences"] if c["competence_id"] == competence_id
            )
            return row["meeting"]

    before = meeting()
    gift = "\n".join(
        [_tf("T1", f"digcomp:{code}:{target}"), _tf("T2", f"digcomp:{code}:{target}")]
        + [_tf(f"U{n}", None) for n in range(4)]
    )
    quiz_id = make_quiz(gift, pass_mark="80")
    with app.app_context():
        attempt = quizzes.start_attempt(quiz_id, me.id)
        quizzes.submit_attempt(attempt, _answers(attempt, {"T1", "T2"}))
        assert attempt.passed is False
        db.session.commit()  # the recompute runs after it
    assert meeting() == before + 1
    assert stale_summaries(app) == []


def test_an_essay_waiting_for_its_reviewer_gives_nothing_until_it_is_scored(app, make_quiz):
    from learnhub.quizzes.essay_review import score_essays

    gift = "\n".join(
        [
            "// [tag:digcomp:4.1:basic]\n::Essay::Explain what a call-back check is. {}\n",
            _tf("T1", "digcomp:4.1:basic"),
            _tf("T2", None),
        ]
    )
    quiz_id = make_quiz(gift, pass_mark="60", essays_graded=True)
    with app.app_context():
        me = EmployeeFactory()
        attempt = quizzes.start_attempt(quiz_id, me.id)
        answers = _answers(attempt, {"T1"})
        essay = next(q for q in attempt_questions(attempt) if q.name == "Essay")
        answers[essay.id] = {"text": "I ring the supplier on the number we already hold."}
        quizzes.submit_attempt(attempt, answers)
        assert attempt.needs_review and attempt.passed is None
        assert _rows(attempt.id) == {}  # no final score yet
        score_essays(attempt.id, {essay.id: {"points": "1"}}, reviewer_id=None)
        assert _rows(attempt.id) == {"4.1": (1, False)}  # essay 1/1 and T1 1/1
        score_essays(attempt.id, {essay.id: {"points": "0"}}, reviewer_id=None)
        assert _rows(attempt.id) == {"4.1": (1, True)}  # now 1 of 2: 50% < 60%
        db.session.rollback()
