"""The online path: the same bundles, receipts and status objects over HTTP (httpx).

``push(vault, url)`` does one whole exchange on the calling thread: status (lease,
revocation, key rotation), receipts the server already has for us, then every bundle
without a receipt, each answered by its receipt. Everything the server says is verified
against the keys pinned at enrollment, so a wrong server is refused even over plain
HTTP. An upload cut mid-way is retried with the very same bytes; the server answers a
bundle it already holds with the same receipt, so nothing is ever stored twice.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import msgpack
from cryptography.hazmat.primitives.asymmetric import ed25519

from ..bundle import device_auth
from ..bundle.keys import SigningKeys
from . import deadline, outbox, state
from .status import LiveStatus, apply_status
from ..bundle.errors import BundleError
from ..bundle.receipt import MAGIC_RECEIPT
from ..bundle.status import MAGIC_STATUS, NONCE_HEADER, new_nonce
from .errors import (
    ConnectionTooSlow,
    EnrollmentPending,
    EnrollmentQueueFull,
    EnrollmentRefused,
    NetworkWebPage,
    RevocationUnconfirmed,
    ServerProtocolError,
    ServerBusy,
    ServerRefused,
    ServerUnreachable,
    StatusNotForThisRequest,
    SyncError,
)
from .receipts import Applied, apply_receipt

log = logging.getLogger(__name__)

OCTET = "application/octet-stream"
API = "/api/v1"


RETRYABLE = (ServerUnreachable,)  # ServerBusy included
# retried by the next cycle, not at once: a Wi-Fi's sign-in page or an unsigned "revoked"
# does not go away in seconds (and the latter is first checked against the signed status),
# nor does a link so slow that a request outlived its overall deadline (a second try of
# the same would only double the wait: docs/sync.md "Online")
NOT_AT_ONCE = (NetworkWebPage, RevocationUnconfirmed, ConnectionTooSlow)

# Overall time a request may take (httpx's own timeout is per read or write): GRACE seconds,
# plus one second per MIN_RATE bytes sent or received so far. A server (or a link) that
# trickles a byte a second is given up after about GRACE seconds; a 1 MiB bundle on a link
# doing at least 8 KiB/s gets 60 + 128 s, the largest bundle the server takes (64 MiB)
# 60 s + 2 h 16 min. The wait for the answer's headers counts too (deadline.py). docs/sync.md "Online".
GRACE = 60.0
MIN_RATE = 8 * 1024


def backoff_delay(attempt: int, base: float = 1.0, cap: float = 300.0, rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter: attempt 1 → up to ``base`` s, doubling, at most ``cap``."""
    top = min(cap, base * (2 ** max(0, attempt - 1)))
    return (rng or random).uniform(top / 2, top)


class SyncClient:
    """Thin HTTP client for the device endpoints of the sync contract. Reads (status,
    receipts, enrollment answer) are signed with the device key given to ``sign_as``."""

    def __init__(self, server_url: str, *, timeout: float = 30.0, transport: httpx.BaseTransport | None = None,
                 grace: float | None = None, min_rate: float | None = None):
        self.base = server_url.rstrip("/")
        self.http = httpx.Client(base_url=self.base, timeout=timeout, transport=transport,
                                 headers={"User-Agent": "intake-device/1"}, follow_redirects=False)
        deadline.install(self.http)  # the deadline and stop() reach the wait for the answer too
        self._device: tuple[str, ed25519.Ed25519PrivateKey] | None = None
        self.grace = GRACE if grace is None else grace
        self.min_rate = MIN_RATE if min_rate is None else min_rate
        # set by the background service: its stop() ends a request between two chunks, or
        # within deadline.SLICE seconds while it waits for the answer
        self.cancelled: Callable[[], bool] = lambda: False

    def sign_as(self, device_id: str, keys: SigningKeys | ed25519.Ed25519PrivateKey) -> "SyncClient":
        """Sign reads as this device; only its Ed25519 key is kept (device_auth.read_key)."""
        key = keys if isinstance(keys, ed25519.Ed25519PrivateKey) else device_auth.read_key(keys)
        self._device = (device_id, key)
        return self

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> "SyncClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _request(self, method: str, path: str, *, content: bytes | None = None, **kw) -> httpx.Response:
        """One request, with an overall deadline (:data:`GRACE`, :data:`MIN_RATE`), the wait
        for the answer's headers included: the body goes out and the answer comes in by
        chunks, the time allowed growing with the bytes.

        A :class:`ServerUnreachable` for a request with a body carries ``upload_out``: True
        when the whole body went out and no HTTP answer other than a 200 came back (the
        connection dropped or timed out while the server may have been storing it)."""
        budget = deadline.Budget(self.grace, self.min_rate, self.cancelled)
        if content is not None:
            kw["headers"] = {**(kw.get("headers") or {}), "Content-Length": str(len(content))}
            kw["content"] = budget.feed(content)
        status = None
        try:
            with budget.running(), self.http.stream(method, API + path, **kw) as streamed:
                status = streamed.status_code
                chunks = []
                for chunk in streamed.iter_raw():
                    budget.spend(len(chunk))
                    chunks.append(chunk)
            resp = httpx.Response(streamed.status_code, headers=streamed.headers, content=b"".join(chunks),
                                  request=streamed.request)
        except (httpx.TransportError, ServerUnreachable) as exc:
            err = exc if isinstance(exc, ServerUnreachable) else _unreachable(exc)
            err.upload_out = content is not None and budget.body_out and status in (None, 200)
            raise err from None
        if 300 <= resp.status_code < 400 or resp.status_code in (407, 511):
            # no endpoint of the server redirects: a Wi-Fi's sign-in page (or a proxy) answered
            raise NetworkWebPage(status=resp.status_code)
        if resp.status_code >= 500 or resp.status_code == 429:
            raise ServerBusy(status=resp.status_code, reason="busy")
        if resp.status_code < 300 and _web_page(resp):
            raise NetworkWebPage(status=resp.status_code)
        return resp

    @staticmethod
    def _refusal(resp: httpx.Response) -> Exception:
        code, params = "unknown", {}
        try:
            body = resp.json()
            code = str(body.get("code", "unknown"))[:64]
            params = body.get("params") or {}
        except Exception:
            pass
        if code == "device_revoked":
            # unsigned: anything on the way can say it. Never locks by itself: push and the
            # service ask the signed status first (confirm_revocation)
            return RevocationUnconfirmed()
        if code == "enrollment_queue_full":
            return EnrollmentQueueFull(limit=int(params.get("limit", 0)) if str(params.get("limit", "")).isdigit() else 0)
        return ServerRefused(status=resp.status_code, reason=code)

    def _bytes(self, resp: httpx.Response, magic: bytes | None = None, part: str = "") -> bytes:
        if resp.status_code != 200:
            raise self._refusal(resp)
        if magic is not None and not resp.content.startswith(magic):
            raise ServerProtocolError(part=part)  # not a receipt (status) at all: nothing is applied
        return resp.content

    def _signed_get(self, device_id: str, purpose: str, path: str, headers: dict | None = None,
                    **kw) -> httpx.Response:
        """GET with a fresh signed challenge (intake_app/bundle/device_auth.py); asks for a new
        challenge once if the first expired on the way (a slow link)."""
        if self._device is None or self._device[0] != device_id:
            raise RuntimeError("sign_as(device_id, keys) before a device read")
        keys = self._device[1]
        for attempt in (1, 2):
            resp = self._request("GET", f"/devices/{device_id}/challenge")
            if resp.status_code == 404 and _code(resp) == "not_found":
                return self._request("GET", path, headers=headers, **kw)  # a server from before signed reads
            try:
                token = device_auth.unb64(str(resp.json()["challenge"]))
            except Exception:
                token = None
            if resp.status_code != 200:
                raise self._refusal(resp)
            if token is None:
                raise ServerProtocolError(part="challenge")
            signed = {**(headers or {}), device_auth.CHALLENGE_HEADER: device_auth.b64(token),
                      device_auth.SIGNATURE_HEADER: device_auth.b64(device_auth.sign_request(keys, purpose, token))}
            resp = self._request("GET", path, headers=signed, **kw)
            if attempt == 1 and resp.status_code == 401 and _reason(resp) == "expired":
                continue
            return resp
        return resp

    def status(self, device_id: str) -> LiveStatus:
        """The signed status, asked with a fresh nonce the server signs back in it: the bytes
        carry it (``.nonce``) to :func:`.status.apply_status`, which refuses an old status
        replayed in this one's place (docs/sync.md "A server clock that was wrong")."""
        nonce = new_nonce()
        resp = self._signed_get(device_id, "status", f"/devices/{device_id}/status", headers={NONCE_HEADER: nonce})
        return LiveStatus(self._bytes(resp, MAGIC_STATUS, "status"), nonce)

    def post_bundle(self, data: bytes) -> bytes:
        return self._bytes(self._request("POST", "/bundles", content=data, headers={"Content-Type": OCTET}),
                           MAGIC_RECEIPT, "receipt")

    def receipts(self, device_id: str, after: int) -> list[bytes]:
        data = self._bytes(self._signed_get(device_id, "receipts", f"/devices/{device_id}/receipts",
                                            params={"after": after}))
        try:
            items = msgpack.unpackb(data, raw=False)
        except Exception:
            raise ServerProtocolError(part="receipts") from None
        if not isinstance(items, list) or not all(isinstance(i, bytes) for i in items):
            raise ServerProtocolError(part="receipts")
        return items

    def enroll(self, request: bytes) -> None:
        resp = self._request("POST", "/enroll", content=request, headers={"Content-Type": OCTET})
        if resp.status_code not in (200, 202):
            raise self._refusal(resp)

    def enrollment_response(self, device_id: str) -> bytes:
        resp = self._signed_get(device_id, "enroll", f"/enroll/{device_id}")
        if resp.status_code == 202:
            raise EnrollmentPending()
        if resp.status_code == 403 and _code(resp) != "device_unknown":
            raise EnrollmentRefused()
        return self._bytes(resp)


def _unreachable(exc: httpx.TransportError) -> ServerUnreachable:
    if isinstance(exc, httpx.TimeoutException):
        return ServerUnreachable(reason="timeout")
    dropped = isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError))
    return ServerUnreachable(reason="dropped" if dropped else "connect")


def _web_page(resp: httpx.Response) -> bool:
    """An answer no endpoint of the server gives: an HTML (or other text) page."""
    kind = resp.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind.startswith("text/") or "html" in kind:
        return True
    return kind != "application/json" and resp.content.lstrip()[:1] == b"<"


def _reason(resp: httpx.Response) -> str:
    try:
        return str(resp.json().get("params", {}).get("reason", ""))
    except Exception:
        return ""


def _code(resp: httpx.Response) -> str:
    try:
        return str(resp.json().get("code", ""))
    except Exception:
        return ""


def signed_client(vault, server_url: str, client: "SyncClient | None" = None) -> "SyncClient":
    """A client (the given one or a new one) that signs reads as this vault's device."""
    return (client or SyncClient(server_url)).sign_as(vault.device_id, vault.device_keys())


# --- steps that touch the vault (the service runs them on the vault's thread) ----------------
def first_unacknowledged(vault) -> int:
    """Receipts are asked for from just before the oldest bundle without one."""
    chain = state.chain(vault)
    oldest = vault.conn.execute("SELECT min(sequence) FROM sync_outbox WHERE chain = ? AND state != 'delivered'",
                                (chain,)).fetchone()[0]
    if oldest is not None:
        return oldest - 1
    return vault.conn.execute("SELECT coalesce(max(sequence), 0) FROM sync_outbox WHERE chain = ?",
                              (chain,)).fetchone()[0]


def apply_receipt_list(vault, receipts: list[bytes]) -> list[Applied]:
    out = []
    for data in receipts:
        out.append(apply_receipt(vault, data, via="online"))
    return out


def confirm_revocation(client: SyncClient, device_id: str, apply: Callable[[bytes], object]) -> None:
    """An answer said ``403 device_revoked``, unsigned: anything between the laptop and the
    server (a Wi-Fi's portal, a proxy, an attacker) can say that. Ask the server's signed
    status and ``apply`` it (:func:`.status.apply_status`, verified against the pinned keys):
    if it says revoked, that locks the vault and raises DeviceRevoked. Otherwise (it says
    active, or it cannot be read or verified) nothing is locked: RevocationUnconfirmed, a
    network error the next cycle retries (docs/sync-protocol.md, "HTTP")."""
    try:
        data = client.status(device_id)
    except SyncError:
        log.warning("an unsigned 'device revoked' answer and no signed status: not locking")
        raise RevocationUnconfirmed() from None
    try:
        apply(data)
    # not signed by the pinned keys, not for this device, not for this request (an old one), malformed
    except (BundleError, StatusNotForThisRequest):
        log.warning("an unsigned 'device revoked' answer and an unverifiable status: not locking")
        raise RevocationUnconfirmed() from None
    log.warning("an unsigned 'device revoked' answer, but the signed status says active: not locking")
    raise RevocationUnconfirmed()


@dataclass
class PushReport:
    lease_state: str = "ok"
    delivered: list[int] = field(default_factory=list)
    audit_only: int = 0  # of those, bundles that carried no case revision (unlocks, views: the audit log)
    already: list[int] = field(default_factory=list)
    revisions: int = 0
    uploads: int = 0  # POSTs that got an answer (retries not counted)
    retries: int = 0


def push(vault, server_url: str, *, client: SyncClient | None = None, attempts: int = 4,
         on_progress: Callable[[int, int], None] | None = None,
         sleep: Callable[[float], None] = time.sleep, backoff_base: float = 0.5) -> PushReport:
    """One whole online exchange on this thread. Retries a dropped upload ``attempts`` times
    (same bytes), then raises ServerUnreachable; what was delivered stays delivered."""
    state.check_not_revoked(vault)
    state.require_server_info(vault)
    own = client is None
    client = signed_client(vault, server_url, client)
    report = PushReport()
    out: set[int] = set()  # bundles a cut upload of this run sent whole (an attempt may have reached the server)
    try:
        def post(item: outbox.OutboxItem) -> bytes:
            try:
                return client.post_bundle(item.bundle)
            except ServerUnreachable as exc:
                if getattr(exc, "upload_out", False):  # it left the laptop; its answer did not come
                    out.add(item.sequence)
                    outbox.mark_sent(vault, [item.sequence], via="online")
                # for the words (cli/sync_cmds.py): the server answered the reads, an upload was cut;
                # whole once (maybe arrived, or cut on the way: the next sync asks and sends it again)
                exc.uploading, exc.upload_out = True, item.sequence in out
                raise

        def call(fn, *args):
            for attempt in range(1, attempts + 1):
                try:
                    return fn(*args)
                except RETRYABLE as exc:
                    if attempt == attempts or isinstance(exc, NOT_AT_ONCE):
                        raise
                    report.retries += 1
                    sleep(backoff_delay(attempt, backoff_base, 30.0))

        try:
            report.lease_state = apply_status(vault, call(client.status, vault.device_id))
            for applied in apply_receipt_list(vault, call(client.receipts, vault.device_id,
                                                          first_unacknowledged(vault))):
                _count(report, applied)
            outbox.prepare(vault)
            items = outbox.outstanding(vault)
            for n, item in enumerate(items, 1):
                receipt = call(post, item)
                report.uploads += 1
                _count(report, apply_receipt(vault, receipt, via="online"))
                if on_progress:
                    on_progress(n, len(items))
        except RevocationUnconfirmed:
            confirm_revocation(client, vault.device_id, lambda data: apply_status(vault, data))
        vault.record("sync_push", delivered=len(report.delivered), retries=report.retries)
        report.lease_state = state.lease_state(vault)
        return report
    finally:
        if own:
            client.close()


def _count(report: PushReport, applied: Applied) -> None:
    if applied.status == "delivered":
        report.delivered.append(applied.sequence)
        report.revisions += applied.revisions
        report.audit_only += applied.revisions == 0
    else:
        report.already.append(applied.sequence)


def enroll_online(vault, server_url: str, post: str, officer_labels: list[str] | None = None, *,
                  client: SyncClient | None = None, expected_server_fingerprint: str | None = None):
    """POST the request; if the administrator has approved it already, import the response.
    Raises EnrollmentPending while waiting (call again later), EnrollmentRefused if refused."""
    return enroll_online_via(lambda fn: fn(vault), server_url, post, officer_labels, client=client,
                             expected_server_fingerprint=expected_server_fingerprint)


def enroll_online_via(vault_call, server_url: str, post: str, officer_labels: list[str] | None = None, *,
                      client: SyncClient | None = None, expected_server_fingerprint: str | None = None):
    """:func:`enroll_online` with the HTTP on the calling thread and each vault step run
    through ``vault_call(fn)`` (``fn(vault)`` on the thread that owns the vault, as
    :class:`intake_app.sync.SyncService` does): a slow server never holds the vault."""
    from .enroll import apply_enrollment_response, enrollment_request

    device_id, key, posted = vault_call(
        lambda v: (v.device_id, device_auth.read_key(v.device_keys()), v.meta(state.K_ENROLL_POSTED)))
    own = client is None
    client = (client or SyncClient(server_url)).sign_as(device_id, key)
    try:
        def send() -> None:
            client.enroll(vault_call(lambda v: enrollment_request(v, post, officer_labels)))
            vault_call(_mark_posted)

        if posted is None:
            send()
        try:
            data = client.enrollment_response(device_id)
        except ServerRefused as exc:
            if exc.params.get("reason") != "device_unknown":
                raise
            send()  # the administrator cleared the waiting requests (device clear-pending): ask again
            raise EnrollmentPending() from None
        return vault_call(lambda v: apply_enrollment_response(v, data, expected_server_fingerprint))
    finally:
        if own:
            client.close()


def _mark_posted(vault) -> None:
    with vault.transaction():
        vault.set_meta(state.K_ENROLL_POSTED, state.iso(state.utc_now()))
