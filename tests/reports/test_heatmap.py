"""The team heat map (learnhub.reports.heatmap): each cell the gap of one person in one
targeted competence, the whole subtree's totals from the stored summary, paging and grouping
by direct report's team, scoping, the statement count, and the HTML's text and colours."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from learnhub.reports.heatmap import (
    GAP_COLOURS,
    PAGE_COLOUR,
    TEXT_COLOUR,
    competence_anchor,
    gap_step,
    team_heatmap,
)
from learnhub.skills.rollup import store_all_summaries
from learnhub.skills.summaries import get_summary
from tests.conftest import sign_in
from tests.factories import (
    EmployeeFactory,
    EvidenceFactory,
    TargetProfileFactory,
    manager_with_summaries,
    team,
)

PASSWORD = "a-test-password"
CSS = Path(__file__).resolve().parents[2] / "learnhub" / "web" / "static" / "heatmap.css"


def _org():
    """A boss with two team leads (3 and 2 people below them) and one direct individual
    contributor, targets 1.2 at 2 and 2.1 at 3 for HEAT_JOB (the leads have no job role:
    every cell of theirs is "no target"), and evidence giving gaps 0 to 3."""
    TargetProfileFactory(targets={"1.2": 2, "2.1": 3}, job_codes=["HEAT_JOB"])
    boss = EmployeeFactory(password=PASSWORD, last_name="Boss")
    lead_a = EmployeeFactory(manager=boss, last_name="Lead-A")
    lead_b = EmployeeFactory(manager=boss, last_name="Lead-B")
    solo = EmployeeFactory(manager=boss, job_code="HEAT_JOB", last_name="Solo")
    a_people = team(lead_a, 3, job_code="HEAT_JOB")
    b_people = team(lead_b, 2, job_code="HEAT_JOB")
    EmployeeFactory(manager=lead_a, job_code="HEAT_JOB", active=False)  # a leaver: not counted
    levels = {  # person: (attained in 1.2, attained in 2.1)
        a_people[0]: (2, 3),  # gaps 0, 0
        a_people[1]: (1, 0),  # gaps 1, 3
        a_people[2]: (0, 2),  # gaps 2, 1
        b_people[0]: (3, 1),  # gaps 0, 2
        b_people[1]: (0, 0),  # gaps 2, 3
        solo: (2, 2),  # gaps 0, 1
    }
    for person, (first, second) in levels.items():
        if first:
            EvidenceFactory(employee=person, code="1.2", level=first)
        if second:
            EvidenceFactory(employee=person, code="2.1", level=second)
    store_all_summaries()
    return boss, lead_a, lead_b, solo, a_people, b_people


def _all_cells(boss_id: int, per_page: int, grouped: bool) -> tuple[list[str], Counter]:
    """Every person's name and the (competence code, gap) counts over every page."""
    names: list[str] = []
    gaps: Counter = Counter()
    page = 1
    while True:
        heat = team_heatmap(boss_id, page=page, per_page=per_page, group_by_team=grouped)
        [framework] = heat["frameworks"]
        if not framework["rows"]:
            return names, gaps
        codes = [c["code"] for c in framework["competences"]]
        for row in framework["rows"]:
            names.append(row["name"])
            for code, cell in zip(codes, row["cells"], strict=True):
                if cell is not None:
                    gaps[(code, cell["gap"])] += 1
        page += 1


@pytest.mark.parametrize("grouped", [False, True])
def test_cells_over_every_page_add_up_to_the_stored_summary(app_ctx, grouped):
    boss, *_ = _org()
    names, gaps = _all_cells(boss.id, per_page=2, grouped=grouped)
    assert len(names) == len(set(names)) == 8  # everyone once, not the leaver nor the boss
    assert gaps == Counter(
        {
            ("1.2", 0): 3,
            ("1.2", 1): 1,
            ("1.2", 2): 2,
            ("2.1", 0): 1,
            ("2.1", 1): 2,
            ("2.1", 2): 1,
            ("2.1", 3): 2,
        }
    )
    summary = get_summary(boss.id, _framework_id()).data
    heat = team_heatmap(boss.id, per_page=2, group_by_team=grouped)
    [framework] = heat["frameworks"]
    for stored, column in zip(summary["competences"], framework["competences"], strict=True):
        code = stored["code"]
        assert column["code"] == code
        assert (
            column["with_target"]
            == stored["with_target"]
            == sum(n for (c, _g), n in gaps.items() if c == code)
        )
        assert column["meeting"] == stored["meeting"] == gaps[(code, 0)]
        assert column["gaps"] == {str(g): n for (c, g), n in sorted(gaps.items()) if c == code}
        gap_sum = sum(g * n for (c, g), n in gaps.items() if c == code)
        assert stored["mean_gap"] == round(gap_sum / stored["with_target"], 2)
        assert column["anchor"] == competence_anchor(code)
    assert sum(c["with_target"] for c in framework["competences"]) == summary["targets"]
    assert sum(c["meeting"] for c in framework["competences"]) == summary["targets_met"]


def test_grouped_pages_keep_each_team_together_head_first(app_ctx):
    boss, lead_a, lead_b, solo, a_people, b_people = _org()
    heat = team_heatmap(boss.id, per_page=50, group_by_team=True)
    [framework] = heat["frameworks"]
    order = [(row["team"], row["name"]) for row in framework["rows"]]
    assert order == (
        [(lead_a.employee_number, lead_a.full_name)]
        + [(lead_a.employee_number, p.full_name) for p in sorted(a_people, key=_by_name)]
        + [(lead_b.employee_number, lead_b.full_name)]
        + [(lead_b.employee_number, p.full_name) for p in sorted(b_people, key=_by_name)]
        + [(solo.employee_number, solo.full_name)]
    )
    assert heat["teams"] == [
        {"employee_id": lead_a.employee_number, "name": lead_a.full_name, "people": 4},
        {"employee_id": lead_b.employee_number, "name": lead_b.full_name, "people": 3},
        {"employee_id": solo.employee_number, "name": solo.full_name, "people": 1},
    ]
    # a lead has no job role: a row of "no target" cells, never a gap of 0
    assert framework["rows"][0]["cells"] == [None, None]


def _by_name(person) -> tuple:
    return (person.last_name, person.first_name, person.id)


def _framework_id() -> int:
    from learnhub.skills.services import get_framework

    return get_framework("digcomp-3.0").id


def test_a_cell_is_target_attained_gap_and_colour_step(app_ctx):
    boss, _a, _b, solo, *_ = _org()
    heat = team_heatmap(boss.id)
    [framework] = heat["frameworks"]
    [row] = [r for r in framework["rows"] if r["name"] == solo.full_name]
    assert row["cells"] == [
        {"target": 2, "attained": 2, "gap": 0, "step": 0},
        {"target": 3, "attained": 2, "gap": 1, "step": 1},
    ]
    assert [gap_step(g) for g in (None, 0, 1, 2, 3, 4, 7)] == [None, 0, 1, 2, 3, 3, 3]


def test_api_scoped_to_the_callers_subtree(app):
    with app.app_context():
        _boss, lead_a, _b, _solo, a_people, _b_people = _org()
        lead_a_email = lead_a.email
        EmployeeFactory(password=PASSWORD)  # another part of the organisation
        from learnhub.auth.services import account_for, set_password
        from learnhub.extensions import db

        set_password(account_for(lead_a), PASSWORD)
        set_password(account_for(a_people[0]), PASSWORD)
        employee_email = a_people[0].email
        expected = sorted(p.full_name for p in a_people)
        db.session.commit()
    client = app.test_client()
    sign_in(client, lead_a_email, PASSWORD)
    body = client.get("/api/v1/teams/me/heatmap").get_json()
    assert body["people_total"] == 3
    assert sorted(r["name"] for r in body["frameworks"][0]["rows"]) == expected
    page = client.get("/team/heatmap")
    assert page.status_code == 200
    assert all(name in page.get_data(as_text=True) for name in expected)
    other = app.test_client()
    sign_in(other, employee_email, PASSWORD)
    refused = other.get("/api/v1/teams/me/heatmap")
    assert refused.status_code == 403 and refused.get_json()["code"] == 403
    assert other.get("/team/heatmap").status_code == 403
    assert client.get("/api/v1/teams/me/heatmap?group=nonsense").status_code == 422


@pytest.mark.parametrize("size", [3, 30])
def test_heatmap_statements_do_not_grow_with_the_team(app, count_queries, size):
    email = manager_with_summaries(app, size, PASSWORD)
    client = app.test_client()
    sign_in(client, email, PASSWORD)
    with count_queries() as queries:
        response = client.get("/api/v1/teams/me/heatmap")
    assert response.status_code == 200 and response.get_json()["people_total"] == size
    # 1 user loader; 2 the subtree's size and one page of people; 1 attained levels (grouped);
    # 2 frameworks with profiles and their levels (selectin); per framework (DigComp 3.0):
    # 1 targets of the page's people, 1 the stored summary, 1 the competences of the columns
    assert queries.count == 9, queries
    with count_queries() as queries:
        response = client.get("/api/v1/teams/me/heatmap?group=team")
    assert response.status_code == 200
    # the same, the page's people with their team (one query), plus 2 for the page's teams:
    # their sizes (grouped, over the closure) and their heads
    assert queries.count == 11, queries


class _Cells(HTMLParser):
    """The text of every <td> and <th> of the page's heat map tables."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[tuple[str, str]] = []
        self._open: list | None = None
        self._in_map = False

    def handle_starttag(self, tag, attrs):
        if tag == "table" and "heatmap" in (dict(attrs).get("class") or ""):
            self._in_map = True
        if self._in_map and tag in ("td", "th"):
            self._open = [tag, ""]

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._open is not None:
            self.cells.append((self._open[0], self._open[1].strip()))
            self._open = None
        if tag == "table":
            self._in_map = False

    def handle_data(self, data):
        if self._open is not None:
            self._open[1] += data


def test_every_cell_of_the_html_says_its_value_in_text(app):
    with app.app_context():
        from learnhub.extensions import db

        boss, *_ = _org()
        email = boss.email
        db.session.commit()
    client = app.test_client()
    sign_in(client, email, PASSWORD)
    html = client.get("/team/heatmap").get_data(as_text=True)
    parser = _Cells()
    parser.feed(html)
    data = [text for tag, text in parser.cells if tag == "td"]
    assert len(data) == 8 * 2 + 2  # 8 people x 2 competences, then the whole team's totals
    assert all(data), [c for c in parser.cells if not c[1]]
    assert sum(1 for text in data if text.endswith("no target")) == 4  # the two leads
    assert "caption" in html and 'scope="col"' in html and 'scope="row"' in html
    assert 'role="region"' in html and 'tabindex="0"' in html
    assert 'id="competence-1-2"' in html  # the column anchor other pages link to
    assert "heatmap.css" in html and "Key" in html


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_every_fill_contrasts_with_its_text_and_the_page_around_the_cells():
    css = CSS.read_text()
    for step, fill in enumerate(GAP_COLOURS):
        assert _contrast(fill, TEXT_COLOUR) >= 4.5, fill  # WCAG 1.4.3 (text)
        assert _contrast(fill, PAGE_COLOUR) >= 3, fill  # WCAG 1.4.11 (the white gaps)
        rule = re.search(rf"\.heat\.step-{step} \{{([^}}]*)\}}", css)
        assert rule and fill in rule.group(1), (step, fill)
        # the stripes of a gap are darker still: even more contrast with the white text
        for stripe in re.findall(r"#[0-9a-f]{6}", rule.group(1)):
            assert _contrast(stripe, TEXT_COLOUR) >= 4.5, stripe
    assert "border-spacing:3px" in css
