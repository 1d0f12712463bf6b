"""The time zone a person's times are shown in (DESIGN.md: times are stored in UTC and shown
in the employee's time zone).

A person's own IANA zone (``Employee.timezone``) when set, else the organisation's
(``LEARNHUB_DEFAULT_TIME_ZONE``, "Europe/Brussels" by default); UTC only if neither names a
zone this machine knows (the ``tzdata`` package supplies them where the system has none).
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app

from learnhub.org.models import Employee

logger = logging.getLogger(__name__)


@lru_cache(maxsize=256)
def zone(name: str | None) -> tzinfo | None:
    """The zone called ``name`` ("Europe/Lisbon"), or None for None, "" or an unknown name."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        logger.warning("unknown time zone %r: the organisation's zone is used", name)
        return None


def time_zone_of(employee: Employee | None) -> tzinfo:
    """The zone ``employee``'s times are shown in (None: the organisation's)."""
    own = zone(employee.timezone) if employee is not None else None
    return own or zone(current_app.config["LEARNHUB_DEFAULT_TIME_ZONE"]) or UTC


def local_time(moment: datetime, employee: Employee | None) -> datetime:
    """``moment`` (aware; a naive one is taken as UTC) in ``employee``'s zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(time_zone_of(employee))


def zone_named(name: str | None) -> tzinfo:
    """The zone of a stored ``Employee.timezone`` value (None or "": the organisation's; an
    unknown name: the organisation's too, as :func:`time_zone_of` does)."""
    return zone(name) or zone(current_app.config["LEARNHUB_DEFAULT_TIME_ZONE"]) or UTC


def end_of_day(day: date, where: tzinfo) -> datetime:
    """The instant (aware UTC) the local calendar day ``day`` ends in ``where``: midnight at
    the start of the next day there. Across a daylight-saving change the day is 23 or 25 hours
    long; zoneinfo knows which (issue 10: "due 31 March" ends at midnight local time)."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=where).astimezone(UTC)


def local_date(moment: datetime, where: tzinfo) -> date:
    """The calendar day it is in ``where`` at ``moment`` (aware)."""
    return moment.astimezone(where).date()
