"""Form bodies with bracket nesting, the convention of Stripe and other Rails/PHP-style
APIs: ``{"metadata": {"id": "x"}, "types": ["card"]}`` → ``metadata[id]=x&types[0]=card``."""

from typing import Any, Iterable, List, Mapping, Tuple

Pairs = List[Tuple[str, str]]


def to_pairs(value: Mapping[str, Any]) -> Pairs:
    """Flattens a mapping into (key, value) pairs: None left out, booleans as true/false,
    lists indexed (``a[0]``), nested mappings bracketed (``a[b][c]``)."""
    out: Pairs = []
    for k, v in value.items():
        _flatten(str(k), v, out)
    return out


def _flatten(key: str, value: Any, out: Pairs) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        out.append((key, "true" if value else "false"))
    elif isinstance(value, Mapping):
        for k, v in value.items():
            _flatten(f"{key}[{k}]", v, out)
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _flatten(f"{key}[{i}]", v, out)
    else:
        out.append((key, str(value)))


_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-._")


def _encode(s: str) -> str:
    out = []
    for b in str(s).encode("utf-8"):
        if b in _SAFE:
            out.append(chr(b))
        elif b == 0x20:
            out.append("+")
        else:
            out.append(f"%{b:02X}")
    return "".join(out)


def encode_form(pairs: Iterable[Tuple[str, str]]) -> str:
    """application/x-www-form-urlencoded, as the WHATWG URL standard (and Rust's
    form_urlencoded) write it."""
    return "&".join(f"{_encode(k)}={_encode(v)}" for k, v in pairs)
