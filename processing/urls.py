"""Canonical URLs: one key per article, whatever tracking, AMP or mobile dressing a link wears.

The canonical form is an identity key (``Article.id`` hashes it), not a link to show: the
original URL is kept for display. Everything here is pure string work; no network.
"""

from __future__ import annotations

import contextlib
import posixpath
import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

# Query parameters that only say how a reader arrived (campaigns, click ids, share widgets).
_TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
        "ttclid", "li_fat_id", "igshid", "igsh", "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc",
        "_hsmi", "ref", "ref_src", "ref_url", "referrer", "cmpid", "cmp", "ocid", "ncid", "ito",
        "spm", "s_cid", "sr_share", "share", "smid", "__twitter_impression", "rss", "feature",
        "amp", "amp_js_v", "amp_gsa", "usqp", "outputtype", "output",
    }
)  # fmt: skip
# Whole families: utm_source, at_medium (AT Internet), pk_campaign (Matomo), ns_mchannel…
_TRACKING_PREFIXES = ("utm_", "at_", "pk_", "mtm_", "ns_", "hsa_", "oly_", "vero_", "__hs")
# `output`/`outputType` are only dropped when they ask for the AMP rendering.
_AMP_VALUED = frozenset({"output", "outputtype"})
# Host prefixes that serve the same articles as the bare site.
_HOST_PREFIXES = ("www.", "amp.", "m.", "mobile.")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_AMP_CACHE = ".cdn.ampproject.org"
# Characters RFC 3986 allows unescaped in a path / in a query component.
_PATH_SAFE = "/:@!$&'()*+,;=-._~"
_QUERY_SAFE = ":@!$'()*+,;/?-._~"
_PCT_SLASH = re.compile("%2f", re.IGNORECASE)


def canonical_url(url: str, html_canonical: str | None = None) -> str:
    """The canonical form of ``url``.

    ``html_canonical`` is the page's ``<link rel=canonical>`` href (possibly relative). It is
    followed only when it stays on the same site (same host once www./m./amp. are dropped):
    otherwise any page could claim another outlet's URL and overwrite that article's record.
    """
    base = _canonical(url)
    if html_canonical and html_canonical.strip():
        target = _canonical(urljoin(url.strip(), html_canonical.strip()))
        if _is_http(target) and _site(target) == _site(base):
            return target
    return base


def _canonical(url: str) -> str:
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return url.strip()  # mailto:, urn:, garbage: nothing sensible to normalise
    host = _host(parts.hostname or "")
    path = parts.path
    query = parts.query
    if host.endswith(_AMP_CACHE):
        # Google's AMP cache: https://www-x-com.cdn.ampproject.org/c/s/www.x.com/path
        unwrapped = _unwrap_amp_cache(path, query)
        if unwrapped:
            return _canonical(unwrapped)
    port = _port(parts)
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = _strip_amp_path(_normalise_path(path))
    query = _normalise_query(query)
    # A `#!` fragment is an old AJAX route that names the content; other fragments never do.
    fragment = parts.fragment if parts.fragment.startswith("!") else ""
    return urlunsplit((scheme, netloc, path, query, fragment))


def _is_http(url: str) -> bool:
    return url.startswith(("http://", "https://"))


def _site(url: str) -> str:
    return urlsplit(url).hostname or ""


def _host(host: str) -> str:
    host = host.lower().rstrip(".")
    with contextlib.suppress(UnicodeError):  # an undecodable label stays as it is
        host = host.encode("idna").decode("ascii")
    for prefix in _HOST_PREFIXES:
        # Keep at least a registrable-looking name: "m.co" stays.
        if host.startswith(prefix) and "." in host[len(prefix) :]:
            host = host[len(prefix) :]
            break
    return host


def _port(parts: object) -> int | None:
    try:
        return parts.port  # type: ignore[attr-defined]
    except ValueError:  # a non-numeric port: drop it rather than fail
        return None


def _pct(text: str, safe: str) -> str:
    """One spelling of percent-encoding: decode, then encode with upper-case hex."""
    # An encoded slash is data, not a separator: keep it encoded through the round trip.
    pieces = _PCT_SLASH.split(text)
    return "%2F".join(quote(unquote(p), safe=safe) for p in pieces)


def _normalise_path(path: str) -> str:
    """Collapse //, resolve ./ and ../, drop the trailing slash (/a/ and /a are one article)."""
    if not path or path == "/":
        return "/"
    path = posixpath.normpath("/" + re.sub("/{2,}", "/", path).lstrip("/"))
    return _pct(path, _PATH_SAFE)


def _strip_amp_path(path: str) -> str:
    segments = [s for s in path.split("/") if s]
    if segments and segments[-1].lower() == "amp":
        segments = segments[:-1]  # /story/123/amp
    if segments and segments[0].lower() == "amp":
        segments = segments[1:]  # /amp/story/123
    if segments:
        last = segments[-1]
        # story.amp.html -> story.html ; story.amp -> story
        last = re.sub(r"\.amp(?=\.html?$)|\.amp$", "", last, flags=re.IGNORECASE)
        segments[-1] = last
    return "/" + "/".join(segments)


def _is_tracking(key: str, value: str) -> bool:
    k = key.lower()
    if k in _AMP_VALUED:
        return value.lower() == "amp"
    return k in _TRACKING_PARAMS or k.startswith(_TRACKING_PREFIXES)


def _normalise_query(query: str) -> str:
    if not query:
        return ""
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not _is_tracking(k, v)]
    pairs.sort()
    return urlencode(pairs, quote_via=lambda s, *_: quote(s, safe=_QUERY_SAFE.replace("&", "")))


def _unwrap_amp_cache(path: str, query: str) -> str | None:
    # /c/s/host/path (https) or /c/host/path (http); /v/ is the viewer form of the same.
    m = re.match(r"^/[cv]/(s/)?([^/]+)(/.*)?$", path)
    if not m:
        return None
    scheme = "https" if m.group(1) else "http"
    inner = f"{scheme}://{m.group(2)}{m.group(3) or '/'}"
    return f"{inner}?{query}" if query else inner
