"""The contract's ``connector-error`` variant, as exceptions a connector raises.

componentize-py represents the ``err`` side of an export's ``result`` as the exception
``componentize_py_types.Err(value)``; these constructors build it::

    raise beep.unauthorized("Invalid API Key")
"""

from typing import Optional

from componentize_py_types import Err
from wit_world.imports import beep_connector_types as t

ConnectorError = t.ConnectorError


def _text(msg) -> str:
    return "" if msg is None else str(msg)


def unauthorized(msg=None) -> Err:
    return Err(t.ConnectorError_Unauthorized(_text(msg)))


def forbidden(msg=None) -> Err:
    return Err(t.ConnectorError_Forbidden(_text(msg)))


def not_found(msg=None) -> Err:
    return Err(t.ConnectorError_NotFound(_text(msg)))


def invalid_config(msg=None) -> Err:
    return Err(t.ConnectorError_InvalidConfig(_text(msg)))


def rate_limited(retry_after: Optional[int] = None) -> Err:
    ok = isinstance(retry_after, int) and 0 <= retry_after < 2**32
    return Err(t.ConnectorError_RateLimited(retry_after if ok else None))


def upstream(status: int, msg=None) -> Err:
    return Err(t.ConnectorError_Upstream(t.UpstreamError(int(status) & 0xFFFF, _text(msg))))


def unsupported(msg=None) -> Err:
    return Err(t.ConnectorError_Unsupported(_text(msg)))


def unsupported_currency(msg=None) -> Err:
    """The vendor takes no payments in this currency (checked before sending)."""
    return Err(t.ConnectorError_UnsupportedCurrency(_text(msg)))


def amount_below_minimum(msg=None) -> Err:
    """The amount is below the vendor's published minimum for its currency."""
    return Err(t.ConnectorError_AmountBelowMinimum(_text(msg)))


def network(msg=None) -> Err:
    return Err(t.ConnectorError_Network(_text(msg)))


def internal(msg=None) -> Err:
    return Err(t.ConnectorError_Internal(_text(msg)))


def from_status(status: int, message: str, retry_after: Optional[int] = None) -> Err:
    """A vendor's non-success status as the contract's error, with the vendor's own words
    (the same table as the Rust SDK's ``error::from_status``)."""
    if status == 401:
        return unauthorized(message)
    if status == 403:
        return forbidden(message)
    if status == 404:
        return not_found(message)
    if status == 429:
        return rate_limited(retry_after)
    return upstream(status, message)


_CASES = (
    t.ConnectorError_Unauthorized,
    t.ConnectorError_Forbidden,
    t.ConnectorError_NotFound,
    t.ConnectorError_InvalidConfig,
    t.ConnectorError_RateLimited,
    t.ConnectorError_Upstream,
    t.ConnectorError_Unsupported,
    t.ConnectorError_UnsupportedCurrency,
    t.ConnectorError_AmountBelowMinimum,
    t.ConnectorError_Network,
    t.ConnectorError_Internal,
)


def to_connector_error(e: BaseException) -> Err:
    """Anything raised, as the contract's error (unknown exceptions become ``internal``)."""
    if isinstance(e, Err):
        if isinstance(e.value, _CASES):
            return e
        return internal(f"unexpected error value: {e.value!r}")
    return internal(f"{type(e).__name__}: {e}")
