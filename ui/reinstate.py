"""«Reactivar este equipo…»: the unlock page offers it after an unlock refused because the
server revoked this laptop (``DeviceRevoked``). What ``intake sync reinstate`` does for the
command line (docs/sync.md, "Lease and revocation"; docs/server.md, "A laptop revoked by
mistake"), with :mod:`intake_app.sync.reinstate` doing the work.

Only the office can undo a revocation made by mistake (``intake-server device reinstate``);
the dialog says so, then applies the server's signed status that says so: «Por la red» (the
server address, the saved preferences' one prefilled) or «Desde una memoria USB» (the folder
chooser of ``ui.file_dialogs``; the office wrote the status with ``--dir``).

The passphrase is typed here: the unlock page emptied its field at the refusal, as after
every failed unlock. It is kept as the unlock keeps it: in the field until a job takes it,
then in that job only; the field is emptied after every attempt, and the dialog goes with
the page. The vault is opened ``for_reinstatement`` (nothing else may use it: it is never
the session's vault) and closed again on the vault worker. Over the network the HTTP runs
on a thread of its own, as ``ui.enroll_online`` does: only the vault steps go to the worker.
Success emits ``reinstated`` (the page says so; the officer unlocks normally); a failure is
said here in the typed error's words and changes nothing.

Each problem is said under the buttons and with the box it concerns (``ui.problem_said``),
the keyboard there: a missing address or passphrase with its box until typed; a refusal
after the passphrase is checked (a wrong one and its wait, a server not reached, still
revoked, a stick without the status) with the passphrase, to be typed again, until the next
try; a server not reached also with the address."""

from __future__ import annotations

import logging
from concurrent.futures import TimeoutError as FutureTimeout
from functools import partial

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout,
    QWidget,
)

from .countdown import Countdown
from .file_dialogs import ask_folder
from .offthread import run_off_gui
from .problem_said import ProblemSaid
from .sync_service import VAULT_STEP_TIMEOUT
from .text import error_text, tr
from .widgets import body_scroll, busy_bar, fit_window, message_label

log = logging.getLogger(__name__)

# per HTTP request, as «Inscribir por la red»: the officer is looking at the dialog, waiting
TIMEOUT = 15.0


class _Held:
    """The vault opened for reinstatement: created, used and closed on the vault worker only."""

    def __init__(self) -> None:
        self.vault = None

    def open(self, s, officer: str, passphrase: str) -> None:
        from intake_app.vault import Vault

        self.vault = Vault.open(s.home, officer, passphrase, for_reinstatement=True)

    def close(self, s=None) -> None:
        vault, self.vault = self.vault, None
        if vault is not None:
            vault.close()


def _open(officer: str, passphrase: str, held: _Held, s) -> None:
    held.open(s, officer, passphrase)


def _on_worker(backend, fn):
    """``fn(session)`` on the vault worker, from the dialog's thread; its result."""
    from intake_app.errors import VaultLocked

    future = backend.post(fn)
    try:
        return future.result(VAULT_STEP_TIMEOUT)
    except FutureTimeout:
        future.cancel()
        raise VaultLocked() from None


def reinstate_online(backend, opener, url: str) -> str:
    """On the dialog's thread: open (``opener(held, session)``, on the worker), read the
    signed status over HTTP here, apply it on the worker; the vault is closed either way."""
    from intake_app.sync.client import SyncClient
    from intake_app.sync.reinstate import reinstate_online_via

    held = _Held()
    try:
        _on_worker(backend, lambda s: opener(held, s))
        opener = None  # the passphrase goes with it
        with SyncClient(url, timeout=TIMEOUT) as client:
            return reinstate_online_via(lambda fn: _on_worker(backend, lambda s: fn(held.vault)), url, client=client)
    finally:
        try:
            _on_worker(backend, held.close)
        except Exception as exc:  # the worker stopped (the app is closing): the process ends
            log.warning("vault opened for reinstatement not closed: %s", type(exc).__name__)


def reinstate_from_stick_job(officer: str, passphrase: str, folder: str):
    """A worker job: open for reinstatement, apply the stick's status, close."""
    def job(s):
        from intake_app.sync.reinstate import reinstate_from_stick

        held = _Held()
        held.open(s, officer, passphrase)
        try:
            return reinstate_from_stick(held.vault, folder)
        finally:
            held.close()
    return job


def failure_text(err: BaseException) -> str:
    """The words for a reinstatement that did not happen (the vault stays locked)."""
    from intake_app.sync.errors import DeviceRevoked, ServerUnreachable

    if isinstance(err, ServerUnreachable):  # its own words say it is retried: nothing retries this
        return tr("ui.reinstate.unreachable")
    if type(err) is DeviceRevoked:  # the server itself still says so (not an old status on a stick)
        return tr("ui.reinstate.still_revoked", device_id=err.params.get("device_id", ""))
    return error_text(err)


class ReinstateDialog(QDialog):
    """Signals: ``reinstated(lease_state)``; ``failed(err)`` after its words are shown."""

    reinstated = Signal(str)
    failed = Signal(object)
    _finished = Signal(object, object)  # (result, error), from the dialog's thread

    def __init__(self, backend, officer: str, device_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.backend, self.officer = backend, officer
        self.busy = False
        self.setWindowTitle(tr("ui.reinstate.window"))
        fit_window(self, 680, 400)  # never taller or wider than the screen: Cerrar stays on it
        outer = QVBoxLayout(self)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        self.scroll = body_scroll(body)  # a long answer at a large font scrolls, the buttons stay
        self.scroll.setAccessibleName(tr("ui.reinstate.window"))
        outer.addWidget(self.scroll, 1)
        explain = QLabel(tr("ui.reinstate.help", device=device_id))  # the window's title says what it is
        explain.setWordWrap(True)
        explain.setTextFormat(Qt.TextFormat.PlainText)
        explain.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(explain)

        label = QLabel(tr("ui.reinstate.passphrase", officer=officer))
        label.setWordWrap(True)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName(tr("ui.reinstate.passphrase", officer=officer))
        self.passphrase.setAccessibleDescription(tr("ui.reinstate.help", device=device_id))
        label.setBuddy(self.passphrase)
        layout.addWidget(label)
        layout.addWidget(self.passphrase)

        online = QGroupBox(tr("ui.syncdlg.online"))
        row = QHBoxLayout(online)
        label = QLabel(tr("ui.syncdlg.server"))
        self.url = QLineEdit()
        self.url.setPlaceholderText("https://…")
        self.url.setAccessibleName(tr("ui.syncdlg.server"))
        label.setBuddy(self.url)
        self.online_button = QPushButton(tr("ui.reinstate.online_button"))
        self.online_button.setObjectName("primary")
        self.online_button.setAccessibleName(tr("ui.reinstate.online_button"))
        self.online_button.setDefault(True)  # Enter in the passphrase or the address
        row.addWidget(label)
        row.addWidget(self.url, 1)
        row.addWidget(self.online_button)
        layout.addWidget(online)

        usb = QGroupBox(tr("ui.reinstate.usb"))
        row = QHBoxLayout(usb)
        self.usb_button = QPushButton(tr("ui.reinstate.usb_button"))
        self.usb_button.setAccessibleName(tr("ui.reinstate.usb_button"))
        self.usb_button.setAccessibleDescription(tr("ui.reinstate.usb_help"))
        self.usb_button.setToolTip(tr("ui.reinstate.usb_help"))
        self.usb_button.setAutoDefault(False)
        row.addWidget(self.usb_button)
        row.addStretch(1)
        layout.addWidget(usb)

        self.progress = busy_bar()
        self.progress.setAccessibleName(tr("ui.reinstate.window"))
        layout.addWidget(self.progress)
        self.message = message_label()
        self.message.setAccessibleName(tr("ui.reinstate.window"))
        layout.addWidget(self.message)
        self.said = ProblemSaid(self.message)
        for box in (self.passphrase, self.url):
            self.said.watch(box, box.textChanged)
        layout.addStretch(1)
        self.close_button = QPushButton(tr("ui.print.close"))
        self.close_button.setAccessibleName(tr("ui.print.close"))
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.close_button)
        outer.addLayout(row)

        self.countdown = Countdown(self)  # after a wrong passphrase: the core's wait, on both buttons
        self.countdown.add(self.online_button)
        self.countdown.add(self.usb_button)
        self.online_button.clicked.connect(self.reinstate_online)
        self.passphrase.returnPressed.connect(self.reinstate_online)
        self.url.returnPressed.connect(self.reinstate_online)
        self.usb_button.clicked.connect(self._choose_stick)
        self._finished.connect(self._on_finished)  # queued: emitted on the dialog's thread
        self.passphrase.setFocus(Qt.FocusReason.OtherFocusReason)
        # the address the background sync uses, as saved (read on the worker)
        backend.op(_saved_server_url, self).quiet().success(self._prefill).failure(lambda e: None).run()

    def _prefill(self, url: str) -> None:
        if url and not self.url.text():
            self.url.setText(url)

    # --- the two ways -----------------------------------------------------------------------
    def _take_passphrase(self) -> str | None:
        """The passphrase for one attempt, or None (said) when there is none."""
        text = self.passphrase.text()
        if not text:
            self._say(tr("ui.reinstate.need_passphrase"), (self.passphrase,), "fixed",
                      lambda: not self.passphrase.text())
        return text or None

    def reinstate_online(self) -> None:
        if self.busy or not self.online_button.isEnabled():
            return
        url = self.url.text().strip()
        if not url:
            self._say(tr("ui.syncdlg.need_server"), (self.url,), "fixed", lambda: not self.url.text().strip())
            return
        passphrase = self._take_passphrase()
        if passphrase is None:
            return
        backend, finished = self.backend, self._finished
        holder = [partial(_open, self.officer, passphrase)]  # taken by the thread, then gone
        del passphrase
        self._start()

        run_off_gui(lambda: reinstate_online(backend, holder.pop(), url), finished, "intake-reinstate",
                    "reinstatement over the network")

    def _choose_stick(self) -> None:
        if self.busy or not self.usb_button.isEnabled() or self._take_passphrase() is None:
            return
        folder = ask_folder(self, tr("ui.syncdlg.choose_folder"))
        if folder:
            self.reinstate_from_stick(folder)

    def reinstate_from_stick(self, folder: str) -> None:
        passphrase = self._take_passphrase()
        if self.busy or passphrase is None:
            return
        self._start()
        self.backend.op(reinstate_from_stick_job(self.officer, passphrase, folder), self) \
            .success(lambda r: self._on_finished(r, None)).failure(lambda e: self._on_finished(None, e)).run()

    # --- busy, result -----------------------------------------------------------------------
    def _start(self) -> None:
        self.busy = True
        self.said.say("")  # the next try: what was said before goes
        self.passphrase.setEnabled(False)  # the text stays until the job ends, as on the unlock page
        for w in (self.online_button, self.usb_button, self.url):
            w.setEnabled(False)
        self.progress.show()

    def _on_finished(self, result, error) -> None:
        self.busy = False
        self.progress.hide()
        self.passphrase.clear()
        self.passphrase.setEnabled(True)
        self.url.setEnabled(True)
        self.countdown.start(error)  # the buttons back (after a wait, if the core asks one)
        if error is None:
            self.accept()
            self.reinstated.emit(result)
            return
        self._say(failure_text(error), (self.passphrase, self.url) if _unreached(error) else (self.passphrase,))
        self.failed.emit(error)

    def _say(self, text: str, boxes: tuple[QWidget, ...] = (), until: str = "retried", holds=None) -> None:
        """The message, scrolled into view once laid out; said with ``boxes`` (``ProblemSaid``)."""
        self.said.say(text, "error", boxes, until, holds)
        QTimer.singleShot(0, self, lambda: self.scroll.ensureWidgetVisible(self.message))


def _unreached(err: BaseException) -> bool:
    from intake_app.sync.errors import ServerUnreachable

    return isinstance(err, ServerUnreachable)


def _saved_server_url(s) -> str:
    from . import prefs

    return prefs.load(s.home).server_url
