"""Actions on the server's own pages come from those pages, never from another site.

The session cookies of the dashboard and the exchange are SameSite=Strict, but a form on
another site can still sign a person in under the attacker's account (login CSRF) and the
cookie attribute is the only line of defence for every other action. This ASGI middleware
refuses a state-changing request (POST, PUT, PATCH, DELETE) to ``/exchange`` and
``/dashboard`` (sign-in and sign-out included) that a browser says came from elsewhere:

* ``Sec-Fetch-Site`` present (every current browser sends it): only ``same-origin`` and
  ``none`` (typed by the person) pass; ``same-site`` and ``cross-site`` are refused;
* else ``Origin`` present: it must be this server's own origin, the scheme and host the
  request was made to (behind the trusted proxy, uvicorn's proxy headers give the scheme
  from ``X-Forwarded-Proto``; the host is the ``Host`` header, which the proxy passes on);
  ``Origin: null`` (a sandboxed frame, a ``data:`` page) is refused.

A request with neither header (curl, scripts, the tests) passes. The refusal is the area's
own 403 page, worded Spanish first, English second; the request reaches no route.
``/api/*`` is left alone: devices and API clients authenticate with bearer tokens and
signatures, never with cookies, so another site's page has nothing to ride on.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.routing import get_route_path

from ..i18n import LANGUAGES, t
from .errors import ServerError

log = logging.getLogger(__name__)

GUARDED = ("/exchange", "/dashboard")
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FETCH_SITE_OK = frozenset({"same-origin", "none"})
DEFAULT_PORTS = {"http": 80, "https": 443}


class CrossSiteRefused(ServerError):
    """A form or script of another site tried an action on the server's pages. params: none."""

    code = "cross_site_refused"
    status = 403


def origin_of(value: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an origin such as ``https://intake.example``; None when it is
    not one (``null``, garbage, a port that is no number)."""
    try:
        parts = urlsplit(value.strip())
        scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
        port = parts.port or DEFAULT_PORTS.get(scheme)
    except ValueError:
        return None
    if scheme not in DEFAULT_PORTS or not host or port is None:
        return None
    return scheme, host, port


def own_origin(request: Request) -> tuple[str, str, int] | None:
    """The origin this request was made to, as the pages see it (``request.url``: the
    scheme after the trusted proxy's ``X-Forwarded-Proto``, the ``Host`` header)."""
    return origin_of(f"{request.url.scheme}://{request.url.netloc}")


def guarded(scope) -> str | None:
    """The page area (``/exchange``, ``/dashboard``) of a state-changing request, else None."""
    if scope["type"] != "http" or scope["method"] not in STATE_CHANGING:
        return None
    path = get_route_path(scope)  # as the router sees it (under uvicorn --root-path too)
    return next((area for area in GUARDED if path == area or path.startswith(area + "/")), None)


def cross_site(request: Request) -> bool:
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site.strip().lower() not in FETCH_SITE_OK
    origin = request.headers.get("origin")
    if origin is not None:
        return origin_of(origin) is None or origin_of(origin) != own_origin(request)
    return False


class SameOrigin:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        area = guarded(scope)
        if area is not None:
            request = Request(scope)
            if cross_site(request):
                log.warning("cross-site %s to %s refused (Sec-Fetch-Site %r, Origin %r)", scope["method"], area,
                            (request.headers.get("sec-fetch-site") or "-")[:20],
                            (request.headers.get("origin") or "-")[:100])
                response = refusal_page(request, area)
                return await response(scope, receive, send)
        return await self.app(scope, receive, send)


def refusal_page(request: Request, area: str):
    """The area's own 403 page. The form's language travels in its body, which is not read
    here: the message says it in both languages, Spanish first."""
    lang = request.query_params.get("lang", "es")
    lang = lang if lang in LANGUAGES else "es"
    key = "error." + CrossSiteRefused.code
    message = f"{t(key, 'es')} — {t(key, 'en')}"
    if area == "/exchange":
        from .exchange import web

        return web.render("error.html", lang, 403, message=message, principal=None)
    from .dashboard import routes
    from .dashboard.filters import Filters

    return routes.render("error.html", 403, lang=lang, message=message, filters=Filters(lang=lang), principal=None,
                         back="/dashboard/" + ("?lang=en" if lang == "en" else ""),
                         back_label=t("dashboard.error.back", lang), hint=None,
                         other_href=routes._other_language(request, lang))
