"""Money: integer minor units inside BEEP! (``Money(amount, currency)``), converted to each
vendor's format with the currency's real ISO 4217 exponent (JPY 0, EUR 2, KWD 3, CLF 4).
The same tables and rules as the Rust SDK's ``money`` module."""

import math
from typing import Optional

from .errors import invalid_config
from wit_world.imports.beep_connector_types import Money

# Currencies whose exponent is not 2 (ISO 4217 list one, as published).
_EXPONENTS = {
    **dict.fromkeys(
        "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(), 0
    ),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
    **dict.fromkeys("CLF UYW".split(), 4),
}

# Active ISO 4217 codes with exponent 2.
_TWO_DECIMALS = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP
    BYN BZD CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL
    GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP
    LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR
    NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP
    STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD UYU UZS VES WST XCD XCG YER ZAR
    ZMW ZWG""".split()
)

_I64_MAX = 2**63 - 1


def exponent(currency: str) -> Optional[int]:
    """The number of decimals of an ISO 4217 currency, or None for an unknown code."""
    code = str(currency).upper()
    if code in _EXPONENTS:
        return _EXPONENTS[code]
    return 2 if code in _TWO_DECIMALS else None


def _exponent_or_raise(currency: str) -> int:
    exp = exponent(currency)
    if exp is None:
        raise invalid_config(f"unknown currency {currency!r}")
    return exp


def of(amount: int, currency: str) -> Money:
    """``of(1999, "eur")`` → ``Money(amount=1999, currency="EUR")``."""
    return Money(int(amount), str(currency).upper())


money = of


def to_major_string(m: Money) -> str:
    """Minor units to a major-unit decimal string with exactly the currency's decimals:
    1000 EUR → "10.00", 1000 JPY → "1000", 1000 KWD → "1.000"."""
    exp = _exponent_or_raise(m.currency)
    sign = "-" if m.amount < 0 else ""
    whole, frac = divmod(abs(m.amount), 10**exp)
    return f"{sign}{whole}" if exp == 0 else f"{sign}{whole}.{frac:0{exp}d}"


def from_major_str(value: str, currency: str) -> int:
    """A major-unit decimal string to minor units. More decimals than the currency has is
    an error unless they are zeros ("10.50" EUR → 1050; "1.5" JPY → error)."""
    exp = _exponent_or_raise(currency)
    digits = str(value).strip()
    bad = invalid_config(f"not a {currency} amount: {value!r}")
    negative = digits.startswith("-")
    if negative:
        digits = digits[1:]
    int_part, _, frac_part = digits.partition(".")
    if (not int_part and not frac_part) or not all(
        p == "" or (p.isascii() and p.isdigit()) for p in (int_part, frac_part)
    ):
        raise bad
    kept, dropped = frac_part[:exp], frac_part[exp:]
    if dropped.strip("0"):
        raise bad
    minor = int(int_part or "0") * 10**exp + int((kept or "0").ljust(exp, "0") or "0")
    if minor > _I64_MAX:
        raise bad
    return -minor if negative else minor


def to_major_float(m: Money) -> float:
    """Minor units to a major-unit number, for vendors that take a JSON number."""
    return m.amount / 10 ** _exponent_or_raise(m.currency)


def from_major_float(value: float, currency: str) -> int:
    """A major-unit number to minor units, rounding half away from zero."""
    exp = _exponent_or_raise(currency)
    scaled = float(value) * 10**exp
    if not math.isfinite(scaled) or abs(scaled) > 9.0e15:
        raise invalid_config(f"not a {currency} amount: {value}")
    return int(math.copysign(math.floor(abs(scaled) + 0.5), scaled))
