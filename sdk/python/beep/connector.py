"""Config and cursor decoding, and ``@guarded``: exceptions as the contract's errors."""

import functools
import inspect
import json
from typing import Any, Dict

from .errors import invalid_config, to_connector_error


def parse_config(text: str) -> Dict[str, Any]:
    """Parses the store's config object; bad JSON (or not an object) is ``invalid-config``."""
    try:
        value = json.loads(text)
    except ValueError as e:
        raise invalid_config(f"config: {e}") from None
    if not isinstance(value, dict):
        raise invalid_config("config: expected a JSON object")
    return value


def require_fields(config: Dict[str, Any], *names: str) -> Dict[str, Any]:
    """Each named field must be a non-empty string, else ``invalid-config`` naming it."""
    for name in names:
        if not isinstance(config.get(name), str) or not config[name]:
            raise invalid_config(f"config: {name} is required")
    return config


def cursor_decode(text, default=None):
    """The opaque cursor the host carries between calls, as JSON (``default`` when absent)."""
    if not text:
        return {} if default is None else default
    try:
        return json.loads(text)
    except ValueError as e:
        raise invalid_config(f"cursor: {e}") from None


def cursor_encode(state) -> str:
    return json.dumps(state, separators=(",", ":"))


def _guard(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as e:  # noqa: BLE001 — every failure must reach the host as an error
            err = to_connector_error(e)
            if err is e:
                raise
            raise err from None

    return wrapper


def guarded(target):
    """Decorates an export class (every public method) or one function: anything raised
    that is not already a connector error becomes ``internal`` with its message, instead of
    trapping the component."""
    if inspect.isclass(target):
        for name, member in list(vars(target).items()):
            if not name.startswith("_") and inspect.isfunction(member):
                setattr(target, name, _guard(member))
        return target
    return _guard(target)
