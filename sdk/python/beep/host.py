"""The host's capped, per-call log and the call's deadline."""

import json

from wit_world.imports import host


def _emit(level_name: str, parts) -> None:
    text = " ".join(p if isinstance(p, str) else _json(p) for p in parts)
    host.log(getattr(host.LogLevel, level_name), text)


def _json(v) -> str:
    try:
        return json.dumps(v, default=str)
    except (TypeError, ValueError):
        return repr(v)


class _Log:
    def trace(self, *parts) -> None:
        _emit("TRACE", parts)

    def debug(self, *parts) -> None:
        _emit("DEBUG", parts)

    def info(self, *parts) -> None:
        _emit("INFO", parts)

    def warn(self, *parts) -> None:
        _emit("WARN", parts)

    def error(self, *parts) -> None:
        _emit("ERROR", parts)


log = _Log()


def deadline_ms() -> int:
    """Milliseconds left before this call's deadline."""
    return host.deadline_ms()
