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
signatures, never with cookies, so another site's page has nothing to ride on. The refusal's
log line names the origin received and the one expected, and what differs.

The same middleware notices the commonest mistake behind a proxy: ``X-Forwarded-*`` headers
from a peer that ``--trusted-proxy`` does not list (a proxy on another host, the default
trusting only 127.0.0.1). uvicorn ignores them without a word, so cookies lose ``Secure`` and
forms may be refused as from another site: a warning says so, once an hour per peer, without
the peer's address (it may be a person's; the operator knows the proxy's).
"""

from __future__ import annotations

import ipaddress
import logging
import os
import time
from functools import lru_cache
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


def shown(origin: tuple[str, str, int] | None) -> str:
    """An origin as a browser writes it (its default port left out)."""
    if origin is None:
        return "-"
    scheme, host, port = origin
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}" + ("" if DEFAULT_PORTS[scheme] == port else f":{port}")


DIFFERS = (("esquema", "scheme"), ("host", "host"), ("puerto", "port"))


def refusal_line(request: Request, method: str, area: str) -> str:
    """The refusal's log line, Spanish then English: the origin received and the one expected
    (this server's own host names and ports), what differs, and where to look. Worded rather
    than numbers only: the privacy filter masks a port of five digits."""
    site = (request.headers.get("sec-fetch-site") or "-")[:20]
    raw = request.headers.get("origin")
    got, want = (origin_of(raw) if raw is not None else None), own_origin(request)
    received = shown(got) if got else repr(raw[:100]) if raw is not None else "-"
    differs = [i for i in range(3) if got and want and got[i] != want[i]]
    es = ", ".join(DIFFERS[i][0] for i in differs) or "-"
    en = ", ".join(DIFFERS[i][1] for i in differs) or "-"
    hint_es = hint_en = ""
    if 1 in differs:  # most likely another site indeed
        hint_es = "; ¿otro sitio, o un proxy que no pasa el Host del navegador (proxy_set_header Host $http_host)?"
        hint_en = "; another site, or a proxy that does not pass the browser's Host (proxy_set_header Host $http_host)?"
    else:  # this server's own name: the proxy's set-up
        if 0 in differs:
            hint_es += "; ¿está el proxy en --trusted-proxy y envía X-Forwarded-Proto?"
            hint_en += "; is the proxy in --trusted-proxy, and does it send X-Forwarded-Proto?"
        if 2 in differs:
            hint_es += "; ¿pasa el proxy el Host del navegador con su puerto (proxy_set_header Host $http_host)?"
            hint_en += "; does the proxy pass the browser's Host with its port (proxy_set_header Host $http_host)?"
    return (f"{method} a {area} rechazado como de otro sitio (Sec-Fetch-Site {site}; Origin recibido {received}, "
            f"esperado {shown(want)}; difiere: {es}{hint_es}) / cross-site {method} to {area} refused "
            f"(Sec-Fetch-Site {site}; Origin received {received}, expected {shown(want)}; differs: {en}{hint_en})")


TRUSTED_ENV = "FORWARDED_ALLOW_IPS"  # what serve --trusted-proxy sets, and uvicorn's own default
WARN_EVERY = 3600.0  # seconds between two warnings about the same peer
MAX_PEERS = 1024


@lru_cache(maxsize=8)
def trusted_hosts(value: str) -> tuple[bool, tuple, frozenset]:
    """(any, networks, literals) of a ``--trusted-proxy`` value, read as uvicorn reads it."""
    if value.strip() == "*":
        return True, (), frozenset()
    nets, literals = [], set()
    for item in (i.strip() for i in value.split(",")):
        try:
            nets.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            literals.add(item)
    return False, tuple(nets), frozenset(literals)


def is_trusted(host: str, value: str) -> bool:
    anything, nets, literals = trusted_hosts(value)
    if anything or host in literals:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in net for net in nets)


def forwarded_hosts(headers) -> set[str]:
    """The addresses ``X-Forwarded-For`` names, ports left out."""
    hosts = set()
    for name, value in headers:
        if name != b"x-forwarded-for":
            continue
        for item in value.decode("latin-1").split(","):
            item = item.strip()
            if item.startswith("["):
                item = item[1:item.find("]")] if "]" in item else item[1:]
            elif item.count(":") == 1:
                item = item.split(":")[0]
            hosts.add(item)
    return hosts


def peer_kind(host: str) -> tuple[str, str]:
    """What kind of address a peer has, in words (Spanish, English): never the address itself."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "no es una IP", "not an IP address"
    if address.is_loopback:
        return "de este mismo equipo", "this host's own"
    return ("de una red privada", "on a private network") if address.is_private else ("pública", "public")


class SameOrigin:
    def __init__(self, app) -> None:
        self.app = app
        self.warned: dict[str, float] = {}  # peer -> when it was last warned about (memory only)

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            self.untrusted_proxy(scope)
        area = guarded(scope)
        if area is not None:
            request = Request(scope)
            if cross_site(request):
                log.warning("%s", refusal_line(request, scope["method"], area))
                response = refusal_page(request, area)
                return await response(scope, receive, send)
        return await self.app(scope, receive, send)

    def untrusted_proxy(self, scope) -> None:
        """Warn when a peer that ``--trusted-proxy`` does not list sends ``X-Forwarded-*``
        (uvicorn ignored them). Behind a trusted proxy uvicorn has put the client's address
        from ``X-Forwarded-For`` in its place: that one is listed there, so it is not warned about."""
        headers = scope.get("headers") or ()
        if not any(name.startswith(b"x-forwarded-") for name, _ in headers) or not scope.get("client"):
            return
        host, trusted = scope["client"][0], os.environ.get(TRUSTED_ENV, "127.0.0.1")
        if is_trusted(host, trusted) or host in forwarded_hosts(headers):
            return
        now = time.monotonic()
        if now - self.warned.get(host, -WARN_EVERY) < WARN_EVERY:
            return
        if len(self.warned) >= MAX_PEERS:
            self.warned.clear()
        self.warned[host] = now
        kind_es, kind_en = peer_kind(host)
        log.warning("se ignoran las cabeceras X-Forwarded-* de una dirección que no está en --trusted-proxy (%s; "
                    "la dirección es %s): las cookies de sesión no llevan Secure y los formularios pueden rechazarse "
                    "como de otro sitio; si es el proxy TLS, inicie serve con --trusted-proxy <IP del proxy> / "
                    "X-Forwarded-* headers from an address not in --trusted-proxy (%s; the address is %s) are "
                    "ignored: session cookies lose Secure and forms may be refused as cross-site; if it is the TLS "
                    "proxy, start serve with --trusted-proxy <the proxy's IP>",
                    trusted[:100], kind_es, trusted[:100], kind_en)


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
