"""README's settings name every environment variable learnhub/config.py reads (tester report
E22: ``LEARNHUB_EXPORT_JOB_STALL_SECONDS`` was in config.py only)."""

from __future__ import annotations

import re

from tests.conftest import PROJECT_ROOT


def test_every_setting_read_from_the_environment_is_in_the_readme():
    config = (PROJECT_ROOT / "learnhub" / "config.py").read_text(encoding="utf-8")
    read = set(re.findall(r'(?:environ\.get|_bool)\(\s*"(LEARNHUB_[A-Z0-9_]+)"', config))
    assert "LEARNHUB_EXPORT_JOB_STALL_SECONDS" in read and len(read) > 30
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    missing = sorted(name for name in read if f"`{name}`" not in readme)
    assert missing == [], f"README.md does not explain {missing}"
