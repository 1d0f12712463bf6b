"""The cost of the trend snapshots (learnhub.skills.trends), printed by bench/team_summaries.py
on the organisation it built: time to snapshot every team summary, and the storage a day and a
month, both for one full row per manager a day and for rows written only on change (what
LearnHub does) after days on which a share of the people got a new piece of evidence.

Prints figures; asserts nothing. Empties team_summary_snapshots first, adds evidence rows
(sources ``trend-bench:…``) and recomputes the summaries: run it after the other figures.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta

from sqlalchemy import delete, func, insert, select, text

#: shares of the people who get one new piece of evidence on each simulated day
ACTIVITY = (0.001, 0.01, 0.05)
DAYS_A_MONTH = 30


def print_snapshot_cost(targets: list, retention_days: int = 400) -> None:
    """Print the snapshot figures; ``targets``: (employee id, competence id, target level)."""
    from learnhub.core.models import utcnow
    from learnhub.extensions import db
    from learnhub.skills.models import Evidence, TeamSummary, TeamSummarySnapshot
    from learnhub.skills.rollup import store_all_summaries
    from learnhub.skills.trends import prune_snapshots, snapshot_team_summaries

    start = utcnow()
    db.session.execute(delete(TeamSummarySnapshot))
    store_all_summaries(start)  # the summaries as of the evidence now, for every day to compare
    db.session.commit()
    _vacuum(full=True)
    summaries = db.session.scalar(select(func.count()).select_from(TeamSummary))

    def snapshot(days: int) -> tuple[int, float]:
        started = time.perf_counter()
        written = snapshot_team_summaries(start + timedelta(days=days))
        db.session.commit()
        return written, time.perf_counter() - started

    written, elapsed = snapshot(0)
    _vacuum()
    size = _size()  # one full day, in a table emptied by VACUUM FULL: pages of live rows only
    per_row = size / max(1, written)
    print(
        f"trend snapshot of every summary (first day, {written} of {summaries} summaries "
        f"written): {elapsed:.2f} s; {size / 1e6:.2f} MB with its index, {per_row:.0f} bytes a row"
    )
    print(
        f"  one full row per manager a day would be {size / 1e6:.2f} MB a day, "
        f"{DAYS_A_MONTH * size / 1e6:.0f} MB a month, {retention_days * size / 1e9:.2f} GB "
        f"for the {retention_days} days kept"
    )
    rerun_written, rerun = snapshot(0)
    print(f"  rerun the same day, nothing changed: {rerun:.2f} s, {rerun_written} rows written")
    rng = random.Random(11)
    for day, share in enumerate(ACTIVITY, start=1):
        chosen = rng.sample(targets, int(share * len({e for e, _c, _t in targets})))
        db.session.execute(
            insert(Evidence),
            [
                {
                    "employee_id": e,
                    "competence_id": c,
                    "level_number": t,
                    "kind": "quiz_passed",
                    "source": f"trend-bench:{day}:{e}:{c}",
                    "achieved_at": start + timedelta(days=day),
                }
                for e, c, t in chosen
            ],
        )
        store_all_summaries(start + timedelta(days=day))
        db.session.commit()
        written, elapsed = snapshot(day)
        day_bytes = written * per_row
        print(
            f"  a day on which {share:.1%} of the people got new evidence ({len(chosen)}): "
            f"{written} rows written ({written / max(1, summaries):.0%} of the summaries) in "
            f"{elapsed:.2f} s, {day_bytes / 1e6:.2f} MB at {per_row:.0f} bytes a row: "
            f"{DAYS_A_MONTH * day_bytes / 1e6:.0f} MB a month of such days"
        )
    started = time.perf_counter()
    pruned = prune_snapshots(start + timedelta(days=retention_days + 2), days=retention_days)
    db.session.commit()
    print(
        f"  pruning past {retention_days} days: {pruned} rows in "
        f"{time.perf_counter() - started:.2f} s"
    )


def _size() -> int:
    """Bytes of team_summary_snapshots with its index (PostgreSQL); SQLite: its pages."""
    from learnhub.extensions import db

    if db.engine.dialect.name == "postgresql":
        return int(
            db.session.scalar(text("SELECT pg_total_relation_size('team_summary_snapshots')"))
        )
    try:  # dbstat is compiled into most SQLite builds, not all
        rows = db.session.execute(
            text(
                "SELECT sum(pgsize) FROM dbstat WHERE name IN ('team_summary_snapshots', "
                "'sqlite_autoindex_team_summary_snapshots_1')"
            )
        )
        return int(rows.scalar() or 0)
    except Exception:
        db.session.rollback()
        return 0


def _vacuum(full: bool = False) -> None:
    """PostgreSQL: VACUUM (FULL: and give the space back) the snapshots' table."""
    from learnhub.extensions import db

    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f"VACUUM {'FULL ' if full else ''}team_summary_snapshots"))
