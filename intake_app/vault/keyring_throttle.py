"""Failed unlocks, counted in the keyring (:mod:`keyring`) to impose a growing delay (1 s,
2 s, 4 s … 5 min). The wait left is never more than that delay: a clock set back after a
failure restarts the delay from now rather than lock the officer out until the clock catches
up. The next good unlock clears the count and reports it (:meth:`Keyring.unwrap_reporting`),
so the vault can audit it and tell the officer; an unlock that then does not get through
gives the count back (:meth:`FailureCounts.give_back_failures`).

The counts are changed in the file as it is on disk, under the keyring's lock
(:meth:`Keyring.update`): the methods here whose name starts with ``_`` are the changes
passed to it. The clock is the keyring's (``keyring.clock``, which tests replace): the time
of a failure is given to :meth:`FailureCounts._count_failure` by the caller.
"""

from __future__ import annotations

from typing import Callable

from ..errors import UnknownOfficer, VaultCorrupt

MAX_DELAY = 300.0


def delay_after(failures: int) -> float:
    return 0.0 if failures <= 0 else min(2.0 ** (failures - 1), MAX_DELAY)


def wait_left(failures: int, last_failure: float, now: float,
              delay_of: Callable[[int], float] = delay_after) -> float:
    """Seconds still to wait before the next try: at most :func:`delay_after` ``failures``
    (or ``delay_of``, the keyring's), however far the clock was set back since the last failure."""
    delay = delay_of(failures)
    return max(0.0, min(last_failure + delay - now, delay))


class FailureCounts:
    """The failed-unlock count of :class:`keyring.Keyring`'s entries (mixed into it)."""

    def _count_failure(self, officer_id: str, now: float) -> int:
        entry = self._by_id(officer_id)
        entry.failures += 1
        entry.last_failure = now
        return entry.failures

    def _reset_failures(self, officer_id: str) -> tuple[int, float] | None:
        """Clear the count; what it was (count, time of the last failure), or None."""
        entry = self._by_id(officer_id)
        cleared = (entry.failures, entry.last_failure) if entry.failures else None
        entry.failures, entry.last_failure = 0, 0.0
        return cleared

    def give_back_failures(self, officer_id: str, cleared: tuple[int, float]) -> None:
        """Count again the failed tries a right passphrase cleared when the unlock then did not
        get through (the vault busy, a disk error, a revoked device): they are audited and said
        at the next unlock that does, never lost (their delay runs from their own time, as before)."""
        def put_back(kr) -> None:
            entry = kr._by_id(officer_id)
            entry.failures += cleared[0]
            entry.last_failure = max(entry.last_failure, cleared[1])

        self.update(put_back)

    def _restart_delay(self, officer_id: str, now: float) -> None:
        entry = self._by_id(officer_id)
        if entry.last_failure > now:  # as read again under the lock
            entry.last_failure = now

    def _failures_on_disk(self, officer_id: str) -> int:
        """Failures another program counted since this keyring was read (0 if unreadable)."""
        try:
            return type(self).load(self.path)._by_id(officer_id).failures
        except (VaultCorrupt, UnknownOfficer):
            return 0
