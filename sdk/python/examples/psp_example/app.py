"""Example PSP connector in Python: Stripe (PaymentIntents and Refunds).

A small version of what the bundled Rust connector (connectors/psp-stripe) does, to show
the SDK:

- validate-config: ``GET /v1/balance`` (an authenticated read)
- create-payment:  ``POST /v1/payment_intents``, created and confirmed in one call, with
  redirect-based methods switched off; ``Idempotency-Key: beep-payment-{id}`` so a retry
  after a timeout replays Stripe's answer instead of charging twice
- get-payment:     by the intent's id, or by ``metadata['beep_payment_id']`` (search)
- refund-payment:  ``POST /v1/refunds``, ``Idempotency-Key: beep-refund-{id}``
- parse-webhook:   verifies ``Stripe-Signature`` (HMAC-SHA256) and maps the event

In Test Mode, give the config ``"sandbox": "stripe"`` and the host points ``baseUrl`` at
its Stripe simulator.
"""

import hashlib
import hmac
import json
from typing import Optional
from urllib.parse import quote

import beep
import wit_world
from beep.types import (
    CancelRequest,
    CaptureRequest,
    ConnectorInfo,
    ConnectorKind,
    Money,
    Payment,
    PaymentLookup,
    PaymentRequest,
    PaymentStatus,
    Refund,
    RefundRequest,
    RefundStatus,
    WebhookEvent,
    WebhookRequest,
    PayoutsPage,
)
from wit_world import exports

STRIPE_VERSION = "2023-08-16"
DEFAULT_BASE_URL = "https://api.stripe.com"
WEBHOOK_TOLERANCE_SECS = 300

CONFIG_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Stripe (Python example)",
    "type": "object",
    "required": ["secretKey"],
    "properties": {
        "secretKey": {"type": "string", "pattern": "^(sk|rk)_(test|live)_[A-Za-z0-9_]+$"},
        "webhookSecret": {"type": "string", "pattern": "^whsec_"},
        "baseUrl": {"type": "string", "format": "uri", "default": DEFAULT_BASE_URL},
    },
}


class WitWorld(wit_world.WitWorld):
    def describe(self) -> ConnectorInfo:
        return ConnectorInfo(
            name="example-python-psp",
            kind=ConnectorKind.PSP,
            version="0.1.0",
            systems=["stripe"],
            hosts=[DEFAULT_BASE_URL],
            config_schema=json.dumps(CONFIG_SCHEMA),
        )


# ---- config and requests ---------------------------------------------------------------


class Stripe:
    def __init__(self, config: str):
        cfg = beep.require_fields(beep.parse_config(config), "secretKey")
        if not cfg["secretKey"].startswith(("sk_test_", "sk_live_", "rk_test_", "rk_live_")):
            raise beep.invalid_config("secretKey must be a Stripe secret key (sk_test_…, sk_live_…, rk_…)")
        self.key = cfg["secretKey"]
        self.webhook_secret = cfg.get("webhookSecret")
        self.base = str(cfg.get("baseUrl") or DEFAULT_BASE_URL).rstrip("/")

    def get(self, path: str, query=None):
        req = beep.get(self.base + path).bearer(self.key).header("stripe-version", STRIPE_VERSION)
        return req.query(query or {}).send().ok(stripe_message)

    def post(self, path: str, form: dict, idempotency_key: str):
        req = (
            beep.post(self.base + path)
            .bearer(self.key)
            .header("stripe-version", STRIPE_VERSION)
            .header("idempotency-key", idempotency_key)
            .form(form)
        )
        return req.send()


def stripe_message(resp) -> Optional[str]:
    """Stripe's own words: the error's message, with its code when it has one."""
    error = resp.json().get("error") or {}
    message = error.get("message") or ""
    code = error.get("code")
    return f"{message} ({code})" if code and resp.status != 401 else message


# ---- amounts: Stripe's exponents differ from ISO 4217 for a few currencies --------------

STRIPE_ZERO_DECIMAL = set("BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split())
STRIPE_THREE_DECIMAL = set("BHD JOD KWD OMR TND".split())


def stripe_exponent(currency: str) -> int:
    code = currency.upper()
    return 0 if code in STRIPE_ZERO_DECIMAL else 3 if code in STRIPE_THREE_DECIMAL else 2


def to_stripe_amount(m: Money) -> int:
    iso = beep.money.exponent(m.currency)
    if iso is None:
        raise beep.invalid_config(f"unknown currency {m.currency!r}")
    stripe = stripe_exponent(m.currency)
    if stripe >= iso:
        return m.amount * 10 ** (stripe - iso)
    factor = 10 ** (iso - stripe)
    if m.amount % factor:
        raise beep.unsupported(f"Stripe takes {m.currency} in whole units only")
    return m.amount // factor


def from_stripe_amount(amount: int, currency: str) -> Money:
    code = currency.upper()
    iso = beep.money.exponent(code)
    stripe = stripe_exponent(code)
    if iso is not None and stripe > iso:
        amount //= 10 ** (stripe - iso)
    elif iso is not None and stripe < iso:
        amount *= 10 ** (iso - stripe)
    return beep.money.of(amount, code)


# ---- mapping ----------------------------------------------------------------------------

STATUSES = {
    "succeeded": PaymentStatus.SUCCEEDED,
    "requires_capture": PaymentStatus.AUTHORIZED,
    "requires_action": PaymentStatus.REQUIRES_ACTION,
    "processing": PaymentStatus.PENDING,
    "requires_confirmation": PaymentStatus.PENDING,
    # BEEP! confirms on creation: back at requires_payment_method means declined.
    "requires_payment_method": PaymentStatus.FAILED,
    "canceled": PaymentStatus.CANCELED,
}

REFUND_STATUSES = {
    "succeeded": RefundStatus.SUCCEEDED,
    "failed": RefundStatus.FAILED,
    "canceled": RefundStatus.FAILED,
}


def payment_from(pi: dict, failure: Optional[dict] = None) -> Payment:
    status = STATUSES.get(pi.get("status"), PaymentStatus.PENDING)
    failure = failure or pi.get("last_payment_error")
    code = message = None
    if status in (PaymentStatus.FAILED, PaymentStatus.CANCELED) and failure:
        code = failure.get("decline_code") or failure.get("code")
        message = failure.get("message")
    action_url = None
    if status == PaymentStatus.REQUIRES_ACTION:
        action_url = ((pi.get("next_action") or {}).get("redirect_to_url") or {}).get("url")
    return Payment(
        provider_reference=pi["id"],
        status=status,
        amount=from_stripe_amount(pi["amount"], pi["currency"]),
        captured=from_stripe_amount(pi.get("amount_received") or 0, pi["currency"]),
        failure_code=code,
        failure_message=message,
        action_url=action_url,
    )


def refund_from(r: dict) -> Refund:
    return Refund(
        provider_reference=r["id"],
        payment_provider_reference=r.get("payment_intent"),
        status=REFUND_STATUSES.get(r.get("status"), RefundStatus.PENDING),
        amount=from_stripe_amount(r["amount"], r["currency"]),
        failure_message=r.get("failure_reason"),
    )


def create_intent(stripe: Stripe, request: PaymentRequest, capture_method: Optional[str]) -> Payment:
    return_url = request.return_url or None
    form = {
        "amount": to_stripe_amount(request.amount),
        "currency": request.amount.currency.lower(),
        "payment_method": request.payment_method,
        "confirm": True,
        "capture_method": capture_method,  # "manual": held until captured
        "metadata": {"beep_payment_id": request.id, "beep_reference": request.reference},
        "description": request.description or None,
        "return_url": return_url,
        # Without a return_url Stripe refuses to confirm unless redirects are off.
        "automatic_payment_methods": None if return_url else {"enabled": True, "allow_redirects": "never"},
    }
    resp = stripe.post("/v1/payment_intents", form, f"beep-payment-{request.id}")
    if resp.status == 402:
        # A declined card: Stripe answers 402 with the failed intent inside the error.
        error = resp.json().get("error") or {}
        if error.get("payment_intent"):
            return payment_from(error["payment_intent"], error)
    return payment_from(resp.ok(stripe_message).json())


# ---- the export -------------------------------------------------------------------------


@beep.guarded
class Psp(exports.Psp):
    def validate_config(self, config: str) -> None:
        Stripe(config).get("/v1/balance")

    def create_payment(self, config: str, request: PaymentRequest) -> Payment:
        return create_intent(Stripe(config), request, capture_method=None)

    def authorize_payment(self, config: str, request: PaymentRequest) -> Payment:
        # Held (requires_capture) until capture_payment or cancel_payment.
        return create_intent(Stripe(config), request, capture_method="manual")

    def capture_payment(self, config: str, request: CaptureRequest) -> Payment:
        reference = quote(request.payment_provider_reference, safe="")
        form = {"amount_to_capture": to_stripe_amount(request.amount)}
        resp = Stripe(config).post(f"/v1/payment_intents/{reference}/capture", form, f"beep-capture-{request.id}")
        return payment_from(resp.ok(stripe_message).json())

    def cancel_payment(self, config: str, request: CancelRequest) -> Payment:
        reference = quote(request.payment_provider_reference, safe="")
        form = {"cancellation_reason": "abandoned"}
        resp = Stripe(config).post(f"/v1/payment_intents/{reference}/cancel", form, f"beep-cancel-{request.id}")
        return payment_from(resp.ok(stripe_message).json())

    def fetch_payouts(self, config: str, cursor: Optional[str]) -> PayoutsPage:
        # List the vendor's settlements here (see beep_sdk::payout in the Rust SDK for
        # how their parts add up), or say why the vendor has none to list.
        raise beep.unsupported("this connector does not list payouts")

    def get_payment(self, config: str, lookup: PaymentLookup) -> Payment:
        stripe = Stripe(config)
        if lookup.provider_reference:
            pi = stripe.get(f"/v1/payment_intents/{quote(lookup.provider_reference, safe='')}").json()
            return payment_from(pi)
        escaped = lookup.payment_id.replace("\\", "\\\\").replace("'", "\\'")
        found = stripe.get("/v1/payment_intents/search", {"query": f"metadata['beep_payment_id']:'{escaped}'"})
        data = found.json().get("data") or []
        if not data:
            raise beep.not_found(f"no Stripe payment for {lookup.payment_id}")
        return payment_from(data[0])

    def refund_payment(self, config: str, request: RefundRequest) -> Refund:
        stripe = Stripe(config)
        reason = (request.reason or "").strip()
        normalised = reason.lower().replace(" ", "_").replace("-", "_")
        form = {
            "payment_intent": request.payment_provider_reference,
            "amount": to_stripe_amount(request.amount),
            "reason": normalised if normalised in ("duplicate", "fraudulent", "requested_by_customer") else None,
            "metadata": {"beep_refund_id": request.id, "beep_reason": reason[:500] or None},
        }
        resp = stripe.post("/v1/refunds", form, f"beep-refund-{request.id}").ok(stripe_message)
        return refund_from(resp.json())

    def parse_webhook(self, config: str, request: WebhookRequest) -> WebhookEvent:
        stripe = Stripe(config)
        if not stripe.webhook_secret:
            raise beep.invalid_config("webhookSecret is needed to verify Stripe webhooks")
        header = next((v for k, v in request.headers if k.lower() == "stripe-signature"), "")
        verify_signature(stripe.webhook_secret, header, bytes(request.body), request.received_at)
        event = json.loads(bytes(request.body))
        obj = (event.get("data") or {}).get("object") or {}
        kind = event.get("type", "")
        payment = refund = None
        if kind.startswith("payment_intent."):
            payment = payment_from(obj)
        elif kind in ("refund.created", "refund.updated", "refund.failed", "charge.refund.updated"):
            refund = refund_from(obj)
        return WebhookEvent(id=event["id"], event_type=kind, payment=payment, refund=refund, dispute=None)


def verify_signature(secret: str, header: str, payload: bytes, now: int) -> None:
    """``Stripe-Signature: t=…,v1=…``: one v1 must be the HMAC-SHA256 of ``"{t}.{payload}"``
    under the endpoint secret, and t within five minutes of now."""
    timestamp = None
    signatures = []
    for item in header.split(","):
        k, _, v = item.strip().partition("=")
        if k == "t" and v.isdigit():
            timestamp = int(v)
        elif k == "v1":
            signatures.append(v.strip())
    if timestamp is None or not signatures:
        raise beep.unauthorized("invalid webhook signature")
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, s) for s in signatures):
        raise beep.unauthorized("invalid webhook signature")
    if abs(now - timestamp) > WEBHOOK_TOLERANCE_SECS:
        raise beep.unauthorized("webhook signature too old")
