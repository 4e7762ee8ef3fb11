"""Sends a Request over wasi:http/outgoing-handler, synchronously: the call blocks on the
host's pollables, so exports stay plain functions (no asyncio loop needed).

componentize-py conventions used here: a ``result`` in return position raises
``Err(value)``; ``option`` is ``None``; nested results are ``Ok``/``Err`` values;
resources are dropped with their context manager (children — streams — first).
"""

from componentize_py_types import Err, Ok
from wit_world.imports import outgoing_handler, streams
from wit_world.imports import wasi_http_types as h

from .errors import internal, network
from .http import Request, Response, split_url

_METHODS = {
    "GET": h.Method_Get,
    "HEAD": h.Method_Head,
    "POST": h.Method_Post,
    "PUT": h.Method_Put,
    "DELETE": h.Method_Delete,
    "PATCH": h.Method_Patch,
    "OPTIONS": h.Method_Options,
}


def _drop(resource) -> None:
    if resource is not None:
        resource.__exit__(None, None, None)


def describe_error_code(code) -> Err:
    """wasi:http's error-code as the contract's ``network`` error (the Rust SDK's wording)."""
    if isinstance(code, h.ErrorCode_HttpRequestDenied):
        return network("request denied by the host's egress policy")
    if isinstance(code, h.ErrorCode_DestinationIpProhibited):
        return network("destination address denied by the host's egress policy")
    if isinstance(code, h.ErrorCode_DnsError):
        return network("DNS lookup failed")
    if isinstance(code, h.ErrorCode_ConnectionRefused):
        return network("connection refused")
    if isinstance(code, (h.ErrorCode_ConnectionTimeout, h.ErrorCode_ConnectionReadTimeout)):
        return network("connection timed out")
    if isinstance(code, h.ErrorCode_HttpResponseBodySize):
        return network("response body exceeds the host's limit")
    return network(repr(code))


def send(req: Request) -> Response:
    scheme, authority, path = split_url(req.url)
    try:
        headers = h.Fields.from_list([(k, v.encode()) for k, v in req.headers])
    except Err as e:
        raise internal(f"invalid header: {e.value!r}") from None
    outgoing = h.OutgoingRequest(headers)
    method = _METHODS.get(req.method)

    def bad(what: str) -> Err:
        return internal(f"invalid request {what}: {req.url}")

    try:
        outgoing.set_method(method() if method else h.Method_Other(req.method))
    except Err:
        raise bad("method") from None
    try:
        outgoing.set_scheme(
            h.Scheme_Http() if scheme == "http" else h.Scheme_Https() if scheme == "https" else h.Scheme_Other(scheme)
        )
    except Err:
        raise bad("scheme") from None
    try:
        outgoing.set_authority(authority)
    except Err:
        raise bad("authority") from None
    try:
        outgoing.set_path_with_query(path)
    except Err:
        raise bad("path") from None

    # The body is complete before `handle`: the host sends it in one piece.
    body = outgoing.body()
    if req.body:
        stream = body.write()
        try:
            for i in range(0, len(req.body), 4096):
                stream.blocking_write_and_flush(req.body[i : i + 4096])
        except Err as e:
            raise network(f"writing request body: {e.value!r}") from None
        finally:
            _drop(stream)
    try:
        h.OutgoingBody.finish(body, None)
    except Err as e:
        raise describe_error_code(e.value) from None

    try:
        future = outgoing_handler.handle(outgoing, None)
    except Err as e:
        raise describe_error_code(e.value) from None
    answer = future.get()
    while answer is None:
        pollable = future.subscribe()
        pollable.block()
        _drop(pollable)
        answer = future.get()
    _drop(future)
    if isinstance(answer, Err):
        raise internal("response already taken")
    inner = answer.value
    if isinstance(inner, Err):
        raise describe_error_code(inner.value)
    incoming = inner.value

    status = incoming.status()
    fields = incoming.headers()
    response_headers = [(k, v.decode("utf-8", errors="replace")) for k, v in fields.entries()]
    _drop(fields)

    incoming_body = incoming.consume()
    stream = incoming_body.stream()
    chunks = []
    try:
        while True:
            try:
                chunks.append(stream.blocking_read(64 * 1024))
            except Err as e:
                if isinstance(e.value, streams.StreamError_Closed):
                    break
                detail = e.value
                if isinstance(detail, streams.StreamError_LastOperationFailed):
                    detail = detail.value.to_debug_string()
                raise network(f"reading response: {detail}") from None
    finally:
        _drop(stream)
    _drop(h.IncomingBody.finish(incoming_body))
    _drop(incoming)
    return Response(status, response_headers, b"".join(chunks))
