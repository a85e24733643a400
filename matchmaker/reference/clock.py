"""Times as Danish readers read them: stored UTC timestamps on the Danish clock."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

LOCAL_TIME = ZoneInfo("Europe/Copenhagen")
TIME_FORMATS = {"da": "%d.%m.%Y %H:%M", "en": "%d %b %Y %H:%M"}
DATE_FORMATS = {"da": "%d.%m.%Y", "en": "%d %b %Y"}


def local(stamp: str | None) -> dt.datetime | None:
    """A stored timestamp (ISO, UTC when it names no zone) on the Danish clock, or None."""
    if not stamp:
        return None
    try:
        moment = dt.datetime.fromisoformat(str(stamp))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(LOCAL_TIME)


def local_time(stamp: str | None, lang: str = "da", *, date_only: bool = False) -> str:
    """'29.11.2026 10:15' (English '29 Nov 2026 10:15'); with `date_only` '29.11.2026'.
    Anything that is not a timestamp is returned as it is."""
    moment = local(stamp)
    if moment is None:
        return str(stamp or "")
    formats = DATE_FORMATS if date_only else TIME_FORMATS
    return moment.strftime(formats.get(lang, formats["da"]))
