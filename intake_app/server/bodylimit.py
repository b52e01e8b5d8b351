"""Every request body is bounded before anything reads it.

``read_upload`` streams bundles and enrollment requests with their own limits, but form
posts (sign-in, the supervisors' pages) and JSON bodies were read whole into memory before
being cut: a few unauthenticated requests of hundreds of megabytes could exhaust the
server. This ASGI middleware refuses a declared ``Content-Length`` over the route's limit at
once, and answers 413 ``upload_too_large`` as soon as a body streamed without a length
grows past it (the app then sees the client gone and stops reading).

Limits: bundle uploads and exchange package imports, the server's upload limit (64 MiB by
default); everything else 1 MiB (the largest form, a referral of 5,000 case ids, is ~75 KB).
"""

from __future__ import annotations

import json

from .errors import UploadTooLarge

SMALL = 1024 * 1024
LARGE_PATHS = ("/api/v1/bundles", "/exchange/received/inspect", "/exchange/received/import")


class BodyLimit:
    def __init__(self, app, large: int) -> None:
        self.app = app
        self.large = large

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.large if scope["path"] in LARGE_PATHS else SMALL
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                return await _refuse(send, limit)
        seen, refused, started = 0, False, False

        async def bounded():
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:  # answer now; the app sees the client gone and stops reading
                    refused = True
                    if not started:
                        await _refuse(send, limit)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message):
            nonlocal started
            if refused:
                return  # the 413 is the answer; what the app says after the disconnect is dropped
            started = True
            await send(message)

        return await self.app(scope, bounded, guarded_send)


async def _refuse(send, limit: int) -> None:
    body = json.dumps({"code": UploadTooLarge.code, "params": {"limit": limit}}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
