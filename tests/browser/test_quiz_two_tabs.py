"""One timed quiz attempt open in two tabs (tester's finding 3), as the learner's browser runs
it: a tab's own saves keep its page current; the other tab's next save is refused, says so in
its live region ("changed in another window or tab") and it saves no more; its "Save and finish
later" shows the page again with the answers stored, never overwriting them."""

from __future__ import annotations

from tests.browser.test_timed_quiz import sign_in, timed_quiz  # noqa: F401  (the fixture)

MESSAGE = "This quiz has been changed in another window or tab"


def test_the_older_tab_is_told_and_overwrites_nothing(app, page, timed_quiz) -> None:  # noqa: F811
    module_id, _quiz_id = timed_quiz
    page.clock.install()  # the pages' timers run on a clock the test moves
    sign_in(page)
    page.goto(f"/modules/{module_id}")
    page.locator("form[action$='/start'] button").click()
    page.wait_for_url("**/attempts/*")
    tab1 = page
    tab2 = page.context.new_page()
    tab2.goto(tab1.url)
    posts: list[str] = []
    tab1.on("request", lambda r: r.method == "POST" and posts.append(r.url))

    # tab 2 answers: saved 2 s later; its own "Save and finish later" is then still current
    tab2.locator("div[role=radiogroup]").nth(0).locator("input").nth(1).check()
    with tab2.expect_response(lambda r: r.request.method == "POST") as saved:
        tab2.clock.run_for(2_500)
    assert saved.value.status == 204
    tab2.locator("div[role=radiogroup]").nth(1).locator("input").nth(1).check()
    tab2.get_by_role("button", name="Save and finish later").click()
    tab2.wait_for_load_state()
    assert "Your answers are saved" in tab2.locator("main").inner_text()

    # tab 1, opened before those saves: its answer's save is refused, the live region says so
    tab1.locator("div[role=radiogroup]").nth(0).locator("input").nth(0).check()
    with tab1.expect_response(lambda r: r.request.method == "POST") as refused:
        tab1.clock.run_for(2_500)
    assert refused.value.status == 409
    warning = tab1.locator("#quiz-timer [role=alert]")
    warning.wait_for(state="visible")
    assert MESSAGE in warning.inner_text()
    sent = len(posts)
    tab1.locator("div[role=radiogroup]").nth(2).locator("input").nth(0).check()
    tab1.clock.run_for(61_000)  # neither the 2 s save nor the minute's: it saves no more
    assert len(posts) == sent

    # its "Save and finish later" shows the page again with the answers stored (tab 2's)
    tab1.get_by_role("button", name="Save and finish later").click()
    tab1.wait_for_load_state()
    assert MESSAGE in tab1.locator("main").inner_text()
    groups = tab1.locator("div[role=radiogroup]")
    assert groups.nth(0).locator("input").nth(1).is_checked()
    assert groups.nth(1).locator("input").nth(1).is_checked()
    assert not groups.nth(2).locator("input:checked").count()
    tab2.reload()
    assert tab2.locator("div[role=radiogroup] input:checked").count() == 2
    tab2.close()
