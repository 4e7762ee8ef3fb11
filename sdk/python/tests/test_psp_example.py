"""The Python example connector's mapping, natively (see test_sdk.py for how to run)."""

import hashlib
import hmac
import json
import unittest

import app
import beep
from beep.http import Response, set_transport
from beep.types import ConnectorError_Unauthorized, Err, Money, PaymentRequest, PaymentStatus


class StripeExampleTest(unittest.TestCase):
    def test_amounts_follow_stripe_exponents(self):
        self.assertEqual(app.to_stripe_amount(Money(1999, "EUR")), 1999)
        self.assertEqual(app.to_stripe_amount(Money(5, "ISK")), 500)
        self.assertEqual(app.to_stripe_amount(Money(1000, "JPY")), 1000)
        self.assertEqual(app.from_stripe_amount(500, "isk"), Money(5, "ISK"))

    def test_create_payment_sends_the_documented_form(self):
        sent = []
        intent = {"id": "pi_1", "status": "succeeded", "amount": 1999, "amount_received": 1999, "currency": "eur"}
        set_transport(lambda req: sent.append(req) or Response(200, [], json.dumps(intent).encode()))
        config = json.dumps({"secretKey": "sk_test_x", "baseUrl": "http://sim/stripe"})
        request = PaymentRequest("p1", Money(1999, "EUR"), "order-1", "pm_card_visa", None, None)
        payment = app.Psp().create_payment(config, request)
        self.assertEqual(payment.status, PaymentStatus.SUCCEEDED)
        self.assertEqual(payment.amount, Money(1999, "EUR"))
        req = sent[0]
        self.assertEqual(req.url, "http://sim/stripe/v1/payment_intents")
        self.assertIn(("idempotency-key", "beep-payment-p1"), req.headers)
        self.assertIn(("authorization", "Bearer sk_test_x"), req.headers)
        self.assertEqual(
            req.body.decode(),
            "amount=1999&currency=eur&payment_method=pm_card_visa&confirm=true"
            "&metadata%5Bbeep_payment_id%5D=p1&metadata%5Bbeep_reference%5D=order-1"
            "&automatic_payment_methods%5Benabled%5D=true&automatic_payment_methods%5Ballow_redirects%5D=never",
        )

    def test_bad_keys_are_unauthorized_with_stripes_words(self):
        body = b'{"error":{"message":"Invalid API Key provided","type":"invalid_request_error"}}'
        set_transport(lambda req: Response(401, [], body))
        try:
            app.Psp().validate_config('{"secretKey":"sk_test_wrong"}')
        except Err as e:
            self.assertEqual(e.value, ConnectorError_Unauthorized("Invalid API Key provided"))
        else:
            self.fail("no error")

    def test_webhook_signatures(self):
        payload = b'{"id":"evt_1"}'
        sig = hmac.new(b"whsec_x", b"100." + payload, hashlib.sha256).hexdigest()
        app.verify_signature("whsec_x", f"t=100,v1={sig}", payload, 200)
        with self.assertRaises(Err):
            app.verify_signature("whsec_x", f"t=100,v1={sig}", payload, 1000)
        with self.assertRaises(Err):
            app.verify_signature("whsec_y", f"t=100,v1={sig}", payload, 200)


if __name__ == "__main__":
    unittest.main()
