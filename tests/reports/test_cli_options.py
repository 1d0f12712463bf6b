"""``flask reports export-completions`` and ``export-requirements`` declare their common
options once (:func:`learnhub.reports.cli.export_options`): the command line stays what it
was, option for option, in the same order, with the same help."""

from __future__ import annotations

from flask import Flask

from learnhub.reports.cli import reports_cli

COMMON = ["--out", "--format", "--excel", "--course", "--org-unit", "--no-sub-units", "--status"]


def _options(command: str) -> list[dict]:
    return [p.to_info_dict() for p in reports_cli.commands[command].params]


def test_both_exports_list_the_common_options_first_in_one_order():
    completions, requirements = _options("export-completions"), _options("export-requirements")
    assert [o["opts"][0] for o in completions] == [*COMMON, "--completed-from", "--completed-to"]
    assert [o["opts"][0] for o in requirements] == [*COMMON, "--include-unassigned"]
    for theirs, ours in zip(completions[:6], requirements[:6], strict=True):
        assert theirs == ours
    out, excel, sub_units, status = completions[0], completions[2], completions[5], completions[6]
    assert out["required"] and out["type"]["dir_okay"] is False
    assert excel["is_flag"] and sub_units["is_flag"] and status["multiple"]
    assert status["name"] == "statuses"
    assert status["type"]["choices"] == ("not_started", "in_progress", "completed", "waived")
    assert status["help"] == "Only modules of this status (repeat for several)."
    assert requirements[6]["help"] == "Only requirements of this status (repeat for several)."
    assert "not_assigned" not in completions[6]["type"]["choices"]


def test_help_shows_each_option_once_with_its_words(app: Flask):
    runner = app.test_cli_runner()
    for command in ("export-completions", "export-requirements"):
        result = runner.invoke(args=["reports", command, "--help"])
        assert result.exit_code == 0, result.output
        for option in COMMON:
            assert result.output.count(f"  {option} ") == 1, (command, option)
        assert "Default: the --out file's extension when it is" in result.output
        assert "CSV for Excel: a UTF-8 byte order mark first" in result.output
        assert result.output.index("--out") < result.output.index("--status")
