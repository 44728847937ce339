"""Camera stream URLs: which schemes a camera may have, and URL templates by GB/T 28181 channel.

A city's cameras usually come through a GB/T 28181 video platform (e.g. wvp-GB28181 with
ZLMediaKit) that serves every channel (the 20-digit national code) under a fixed pattern, so an
import may give one template instead of a URL per camera: `rtsp://host:554/rtp/{channel}`.
The client plays rtsp, rtmp and http(s) (HLS .m3u8, HTTP-FLV); anything else (file:, javascript:,
a typo) is refused with the reason, never stored.
"""
from __future__ import annotations

from string import Formatter
from urllib.parse import urlsplit

STREAM_SCHEMES = ("rtsp", "rtmp", "http", "https")
# A path on the API server itself (the demo's own live HLS, server_stub/api/streams.py): the camera
# answers make it absolute with the address the client used; an event may carry it as it is.
SERVER_PATH = "/streams/"
PLACEHOLDER = "channel"
MAX_URL_LEN = 500  # the database column


class StreamUrlError(ValueError):
    """A stream URL or template that cannot be used; the message says why."""


def check_stream_url(url: str) -> str:
    """The URL stripped, or StreamUrlError naming the problem."""
    url = str(url).strip()
    if len(url) > MAX_URL_LEN:
        raise StreamUrlError(f"a stream URL has at most {MAX_URL_LEN} characters, got {len(url)}")
    if url.startswith(SERVER_PATH) and ".." not in url and not any(c.isspace() for c in url):
        return url
    try:
        parts = urlsplit(url)
    except ValueError as e:
        raise StreamUrlError(f"not a URL: {url!r} ({e})") from None
    scheme = parts.scheme.lower()
    if not scheme:
        raise StreamUrlError(f"stream URL {url!r} has no scheme: it must start with one of "
                             f"{', '.join(s + '://' for s in STREAM_SCHEMES)}")
    if scheme not in STREAM_SCHEMES:
        raise StreamUrlError(f"stream URL {url!r}: the scheme must be one of {', '.join(STREAM_SCHEMES)}, "
                             f"got {scheme!r}")
    if not parts.hostname:
        raise StreamUrlError(f"stream URL {url!r} names no host")
    if any(c.isspace() for c in url):
        raise StreamUrlError(f"stream URL {url!r} contains white space")
    return url


def check_template(template: str) -> str:
    """A URL template with exactly the placeholder {channel} (once or more, nothing else)."""
    template = str(template).strip()
    try:
        fields = {name for _, name, _, _ in Formatter().parse(template) if name is not None}
    except ValueError as e:
        raise StreamUrlError(f"URL template {template!r}: {e} (write literal braces as {{{{ }}}})") from None
    if fields != {PLACEHOLDER}:
        other = sorted(fields - {PLACEHOLDER})
        raise StreamUrlError(f"URL template {template!r} must contain {{{PLACEHOLDER}}}"
                             + (f" and no other placeholder (found {', '.join('{' + o + '}' for o in other)})"
                                if other else ""))
    check_stream_url(expand(template, "0" * 20))
    return template


def expand(template: str, channel: str) -> str:
    """The template with the 20-digit channel code filled in."""
    return template.replace("{" + PLACEHOLDER + "}", channel).replace("{{", "{").replace("}}", "}")
