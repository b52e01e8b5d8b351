"""Where an officer was when the window locked (or was rebuilt in another language), and
the form there kept as that officer's draft in the vault.

While the window is locked it remembers, per officer, only the draft's id, the case id of
an edit, the step and a save still in flight (``Place``): never an answer. The answers are
written to the vault, encrypted, by ``keep_place`` on the worker, and read back from it at
the next unlock of the SAME officer (``own_draft``: ``Vault.load_drafts`` lists only the
signed-in officer's drafts). Another officer who signs in starts on the case list; the
draft stays the first officer's (``Vault.save_draft`` never takes another's over)."""

from __future__ import annotations

from dataclasses import dataclass


class Saving:
    """A save in flight, shared with the worker: its job sets ``case_id`` once the case is
    stored and ``finished`` when it ends. A lock, a close or a rebuild queued after it (on
    the same worker, in order) reads it there: the form becomes a draft again only if the
    save did not store the case."""

    __slots__ = ("case_id", "finished")

    def __init__(self) -> None:
        self.case_id, self.finished = "", False


@dataclass(frozen=True)
class Place:
    """A form left at a lock: ids and the step only (the answers are in the vault)."""

    draft_id: str
    case_id: str | None
    step: int
    saving: Saving | None = None


class Places:
    """The place each officer left at their last lock, until that officer signs in again."""

    def __init__(self) -> None:
        self._by_officer: dict[str, Place] = {}

    def keep(self, officer: str, place: dict) -> None:
        """``place``: ``Workspace.place()`` (``{}`` when no form was on show); its answers
        are not kept here."""
        if place:
            self._by_officer[officer] = Place(place["draft_id"], place["case_id"], place.get("step", 0),
                                              place.get("saving"))
        else:
            self._by_officer.pop(officer, None)

    def take(self, officer: str) -> Place | None:
        """The place ``officer`` left, once (another officer's is never given)."""
        return self._by_officer.pop(officer, None)


def _step_key() -> str:
    from .form.intake import DRAFT_STEP  # the form's modules load after the window shows

    return DRAFT_STEP


def keep_place(s, place: dict) -> None:
    """Worker job: keep the form of ``place`` (``Workspace.place``) as a draft, unless the
    save in flight when the place was taken has stored the case since: then its draft goes."""
    v = s.vault
    if not place or v is None or not v.is_open:
        return
    saving = place.get("saving")
    if saving is not None and saving.case_id:
        v.delete_draft(place["draft_id"])  # normally gone with the save already
    else:
        v.save_draft(place["draft_id"], {**place["content"], _step_key(): place.get("step", 0)}, place["case_id"])


def keep_step(draft_id: str, case_id: str | None, content: dict, step: int):
    """Worker job: the draft ``draft_id``, if it is in the vault (a form never changed has
    none), keeps ``step`` beside its answers, so that it reopens there; rewritten only when
    that changes something (its "last changed" time is the officer's last change)."""
    def job(s) -> None:
        v = s.vault
        if v is None or not v.is_open:
            return
        kept = {**content, _step_key(): step}
        old = next((d for d in v.load_drafts() if d[0] == draft_id), None)
        if old is not None and old[3] != kept:
            v.save_draft(draft_id, kept, case_id)
    return job


def own_draft(draft_id: str):
    """Worker job: the signed-in officer's draft ``draft_id`` as ``(draft_id, case_id,
    answers)`` (without the step), or None when this officer has no such draft."""
    def job(s):
        key = _step_key()
        for found, case_id, _, content in s.require().load_drafts():
            if found == draft_id:
                return found, case_id, {k: v for k, v in content.items() if k != key}
        return None
    return job
