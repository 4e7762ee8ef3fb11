"""A small, blocking HTTP client. The transport is ``wasi:http/outgoing-handler`` (see
``_wasi.py``); the host decides whether a request may leave (its grant and budgets), and
a denied request comes back as a ``network`` error naming the reason."""

import base64
import json as _json
from typing import Any, Callable, Iterable, List, Mapping, Optional, Tuple, Union

from .errors import from_status, internal
from .form import encode_form, to_pairs

Headers = List[Tuple[str, str]]

_transport: Optional[Callable[["Request"], "Response"]] = None


def set_transport(fn: Callable[["Request"], "Response"]) -> None:
    """Replaces how requests are sent (unit tests install a fake)."""
    global _transport
    _transport = fn


class Request:
    """An outgoing request, built fluently and sent with ``send()``."""

    def __init__(self, method: str, url: str):
        self.method = method.upper()
        self.url = str(url)
        self.headers: Headers = []
        self.body = b""

    def header(self, name: str, value: str) -> "Request":
        self.headers.append((name.lower(), str(value)))
        return self

    def bearer(self, token: str) -> "Request":
        return self.header("authorization", f"Bearer {token}")

    def basic(self, user: str, password: str) -> "Request":
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        return self.header("authorization", f"Basic {token}")

    def query(self, params: Union[Mapping[str, Any], Iterable[Tuple[str, Any]]]) -> "Request":
        """Appends URL-encoded query parameters (None values left out)."""
        items = params.items() if isinstance(params, Mapping) else params
        pairs = [(k, str(v)) for k, v in items if v is not None]
        if pairs:
            sep = "&" if "?" in self.url else "?"
            self.url = f"{self.url}{sep}{encode_form(pairs)}"
        return self

    def json(self, value: Any) -> "Request":
        return self.header("content-type", "application/json").bytes(
            _json.dumps(value, separators=(",", ":")).encode()
        )

    def form(self, params: Union[Mapping[str, Any], Iterable[Tuple[str, str]]]) -> "Request":
        """An application/x-www-form-urlencoded body; nested mappings and lists use brackets."""
        pairs = to_pairs(params) if isinstance(params, Mapping) else list(params)
        return self.header("content-type", "application/x-www-form-urlencoded").bytes(
            encode_form(pairs).encode()
        )

    def bytes(self, body: Union[bytes, str]) -> "Request":
        self.body = body.encode() if isinstance(body, str) else bytes(body)
        return self

    def send(self) -> "Response":
        """Sends the request; any status is a successful exchange (see ``Response.ok``)."""
        split_url(self.url)
        if _transport is None:
            raise internal("no HTTP transport: import the SDK as `import beep`")
        return _transport(self)


def get(url: str) -> Request:
    return Request("GET", url)


def post(url: str) -> Request:
    return Request("POST", url)


def put(url: str) -> Request:
    return Request("PUT", url)


def patch(url: str) -> Request:
    return Request("PATCH", url)


def delete(url: str) -> Request:
    return Request("DELETE", url)


class Response:
    """A received response with its whole body."""

    def __init__(self, status: int, headers: Headers, body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name: str) -> Optional[str]:
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)

    @property
    def is_success(self) -> bool:
        return 200 <= self.status < 300

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        try:
            return _json.loads(self.body)
        except ValueError as e:
            raise internal(
                f"unexpected answer (status {self.status}): {e}: {self.text()[:200]}"
            ) from None

    def retry_after(self) -> Optional[int]:
        """``Retry-After`` in seconds (delta-seconds form)."""
        v = (self.header("retry-after") or "").strip()
        return int(v) if v.isdigit() else None

    def ok(self, message: Optional[Callable[["Response"], Optional[str]]] = None) -> "Response":
        """Passes a 2xx through; anything else raises the matching connector error with the
        vendor's message, as ``message(response)`` extracts it from the body (default: the
        first 200 characters of the body)."""
        if self.is_success:
            return self
        msg = None
        if message is not None:
            try:
                msg = message(self)
            except Exception:
                msg = None
        raise from_status(self.status, msg if msg is not None else self.text()[:200], self.retry_after())


def split_url(url: str) -> Tuple[str, str, str]:
    """Splits ``scheme://authority/path?query``."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise internal(f"not an absolute URL: {url}")
    cut = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
    authority, path = rest[:cut], rest[cut:] or "/"
    if path.startswith("?"):
        path = "/" + path
    if not authority:
        raise internal(f"URL without host: {url}")
    return scheme, authority, path
