"""BEEP! Connect guest SDK for Python connectors.

A connector module (``app.py``) implements one world of ``beep:connector`` (wit/) and is
built into a WebAssembly component with componentize-py::

    import beep
    from beep.types import ConnectorInfo, ConnectorKind, Payment, PaymentStatus
    import wit_world
    from wit_world import exports

    class WitWorld(wit_world.WitWorld):
        def describe(self) -> ConnectorInfo: ...

    @beep.guarded
    class Psp(exports.Psp):
        def validate_config(self, config: str) -> None:
            cfg = beep.parse_config(config)
            beep.get(f"{cfg['baseUrl']}/v1/balance").bearer(cfg["secretKey"]).send().ok()

HTTP goes through ``wasi:http/outgoing-handler`` and blocks (no event loop needed).
Errors are raised as the contract's ``connector-error`` (``raise beep.unauthorized("…")``);
``@beep.guarded`` turns anything else raised into ``internal`` instead of a trap.
"""

from .errors import (
    ConnectorError,
    forbidden,
    from_status,
    internal,
    invalid_config,
    network,
    not_found,
    rate_limited,
    to_connector_error,
    unauthorized,
    unsupported,
    unsupported_currency,
    upstream,
    amount_below_minimum,
)
from .form import encode_form, to_pairs
from .http import Request, Response, delete, get, patch, post, put
from .connector import cursor_decode, cursor_encode, guarded, parse_config, require_fields
from .host import deadline_ms, log
from . import money, types
from . import _wasi
from .http import set_transport as _set_transport

# Modules are imported while componentize-py snapshots the interpreter: the component has
# no file system at run time, so nothing may be imported lazily.
_set_transport(_wasi.send)

__all__ = [
    "ConnectorError",
    "Request",
    "Response",
    "cursor_decode",
    "cursor_encode",
    "deadline_ms",
    "delete",
    "encode_form",
    "forbidden",
    "from_status",
    "get",
    "guarded",
    "internal",
    "invalid_config",
    "log",
    "money",
    "network",
    "not_found",
    "parse_config",
    "patch",
    "post",
    "put",
    "rate_limited",
    "require_fields",
    "to_connector_error",
    "to_pairs",
    "types",
    "unauthorized",
    "unsupported",
    "unsupported_currency",
    "upstream",
    "amount_below_minimum",
]
