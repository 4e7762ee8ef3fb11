"""Unit tests of the SDK's pure parts, natively (no component, no wasi:http). Run with the
generated bindings on the path (scripts/build-guests does):

    componentize-py -d wit -w beep:connector/psp-connector bindings /tmp/b
    PYTHONPATH=/tmp/b:sdk/python python -m unittest discover -s sdk/python/tests
"""

import unittest

import beep
from beep import money
from beep.http import Response, set_transport, split_url
from beep.types import (
    ConnectorError_Internal,
    ConnectorError_InvalidConfig,
    ConnectorError_NotFound,
    ConnectorError_RateLimited,
    ConnectorError_Unauthorized,
    ConnectorError_Upstream,
    Err,
    Money,
)


def raises(case, fn, *args):
    try:
        fn(*args)
    except Err as e:
        if isinstance(e.value, case):
            return e.value
        raise AssertionError(f"expected {case.__name__}, got {e.value!r}")
    raise AssertionError(f"expected {case.__name__}, nothing raised")


class MoneyTest(unittest.TestCase):
    def test_exponents_follow_iso_4217(self):
        self.assertEqual(money.exponent("EUR"), 2)
        self.assertEqual(money.exponent("jpy"), 0)
        self.assertEqual(money.exponent("KWD"), 3)
        self.assertEqual(money.exponent("CLF"), 4)
        self.assertIsNone(money.exponent("XXX"))

    def test_major_strings_carry_exact_decimals(self):
        self.assertEqual(money.to_major_string(money.of(1000, "EUR")), "10.00")
        self.assertEqual(money.to_major_string(money.of(5, "EUR")), "0.05")
        self.assertEqual(money.to_major_string(money.of(-1234, "USD")), "-12.34")
        self.assertEqual(money.to_major_string(money.of(1000, "JPY")), "1000")
        self.assertEqual(money.to_major_string(money.of(1000, "KWD")), "1.000")
        self.assertEqual(money.to_major_string(money.of(1, "KWD")), "0.001")
        raises(ConnectorError_InvalidConfig, money.to_major_string, Money(1, "ABC"))

    def test_major_strings_parse_back(self):
        self.assertEqual(money.from_major_str("10.00", "EUR"), 1000)
        self.assertEqual(money.from_major_str("10.5", "EUR"), 1050)
        self.assertEqual(money.from_major_str("10", "EUR"), 1000)
        self.assertEqual(money.from_major_str("0.001", "KWD"), 1)
        self.assertEqual(money.from_major_str("1000", "JPY"), 1000)
        self.assertEqual(money.from_major_str("1000.00", "JPY"), 1000)
        self.assertEqual(money.from_major_str("-12.34", "USD"), -1234)
        for value, currency in [("1.5", "JPY"), ("1.005", "EUR"), ("abc", "EUR"), ("", "EUR"), ("1.-5", "EUR")]:
            raises(ConnectorError_InvalidConfig, money.from_major_str, value, currency)

    def test_floats_round_trip(self):
        self.assertEqual(money.to_major_float(money.of(1999, "EUR")), 19.99)
        self.assertEqual(money.from_major_float(19.99, "EUR"), 1999)
        self.assertEqual(money.from_major_float(0.1 + 0.2, "EUR"), 30)
        self.assertEqual(money.from_major_float(1000.0, "JPY"), 1000)
        self.assertEqual(money.from_major_float(1.234, "KWD"), 1234)
        self.assertEqual(money.from_major_float(-0.125, "EUR"), -13)


class HttpTest(unittest.TestCase):
    def test_forms_nest_and_encode_like_form_urlencoded(self):
        pairs = beep.to_pairs({"amount": 100, "confirm": True, "description": None, "metadata": {"id": "x"}, "types": ["card"]})
        self.assertEqual(pairs, [("amount", "100"), ("confirm", "true"), ("metadata[id]", "x"), ("types[0]", "card")])
        self.assertEqual(beep.encode_form([("a", "x y&z~")]), "a=x+y%26z%7E")
        self.assertEqual(beep.get("http://h/p").query({"a": "1 2", "b": "&", "c": None}).url, "http://h/p?a=1+2&b=%26")
        self.assertEqual(beep.get("http://h/p?x=1").query([("y", 2)]).url, "http://h/p?x=1&y=2")
        r = beep.post("http://h").form({"metadata": {"beep_payment_id": "p1"}})
        self.assertEqual(r.body, b"metadata%5Bbeep_payment_id%5D=p1")

    def test_auth_headers(self):
        self.assertEqual(beep.get("http://h").basic("beep", "sandbox").headers, [("authorization", "Basic YmVlcDpzYW5kYm94")])
        self.assertEqual(beep.get("http://h").bearer("sk").headers, [("authorization", "Bearer sk")])

    def test_urls_split_into_parts(self):
        self.assertEqual(split_url("https://api.stripe.com/v1/refunds?a=b"), ("https", "api.stripe.com", "/v1/refunds?a=b"))
        self.assertEqual(split_url("http://127.0.0.1:9000"), ("http", "127.0.0.1:9000", "/"))
        raises(ConnectorError_Internal, split_url, "/relative")

    def test_statuses_map_to_contract_errors(self):
        err = raises(ConnectorError_RateLimited, Response(429, [("Retry-After", "7")], b"slow").ok)
        self.assertEqual(err.value, 7)
        err = raises(
            ConnectorError_Unauthorized,
            Response(401, [], b'{"error":{"message":"bad key"}}').ok,
            lambda r: r.json()["error"]["message"],
        )
        self.assertEqual(err.value, "bad key")
        err = raises(ConnectorError_Upstream, Response(500, [], b"boom").ok)
        self.assertEqual((err.value.status, err.value.message), (500, "boom"))
        self.assertEqual(Response(204, [], b"").ok().status, 204)

    def test_sends_through_the_transport(self):
        seen = []
        set_transport(lambda req: seen.append(req) or Response(200, [], b'{"ok":true}'))
        self.assertEqual(beep.get("http://sim/x").send().json(), {"ok": True})
        self.assertEqual(seen[0].url, "http://sim/x")


class ConnectorTest(unittest.TestCase):
    def test_config_and_cursor(self):
        self.assertEqual(beep.parse_config('{"a":1}'), {"a": 1})
        raises(ConnectorError_InvalidConfig, beep.parse_config, "nope")
        raises(ConnectorError_InvalidConfig, beep.parse_config, "[]")
        raises(ConnectorError_InvalidConfig, beep.require_fields, {"a": ""}, "a")
        self.assertEqual(beep.cursor_decode(beep.cursor_encode({"page": 2})), {"page": 2})
        self.assertEqual(beep.cursor_decode(None), {})

    def test_guarded_turns_exceptions_into_internal(self):
        @beep.guarded
        class C:
            def boom(self):
                raise KeyError("secretKey")

            def missing(self):
                raise beep.not_found("gone")

        err = raises(ConnectorError_Internal, C().boom)
        self.assertEqual(err.value, "KeyError: 'secretKey'")
        raises(ConnectorError_NotFound, C().missing)


if __name__ == "__main__":
    unittest.main()
