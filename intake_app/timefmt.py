"""Times as a person at the border reads them: the laptop's local time with its offset,
``23/11/2026 16:05 (UTC−06:00)``. The desktop app and the printed summary both use this,
so a save shows the same clock time on screen and on paper. The central server's pages
serve both countries and write UTC (:func:`utc_time_iso`)."""

from __future__ import annotations

from datetime import datetime, timezone


def local_time(moment: datetime) -> str:
    local = moment.astimezone()
    offset = local.strftime("%z")
    sign = "−" if offset.startswith("-") else "+"
    return f"{local.strftime('%d/%m/%Y %H:%M')} (UTC{sign}{offset[1:3]}:{offset[3:5]})"


def local_time_iso(stamp: str) -> str:
    """The same from a stored UTC stamp (``2026-11-23T22:05:00Z``); the text itself if it is not one."""
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return stamp
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return local_time(moment)


def utc_time_iso(stamp: str) -> str:
    """A stored UTC stamp as the server's pages write it: ``24/11/2026 03:24 UTC``; "" if it is not one."""
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime("%d/%m/%Y %H:%M UTC")
