"""A minimal BEEP! Connect payment-provider (PSP) connector in Python: copy this
directory, rename the connector, and replace the vendor calls. Build with ./build.sh (see
README.md).

Every call gets a fresh instance (no state kept between calls). BEEP!'s payment and
refund ids are the vendor's idempotency keys, so that a retry never charges twice.
"""

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

DEFAULT_BASE_URL = "https://api.acme-psp.example"


class WitWorld(wit_world.WitWorld):
    def describe(self) -> ConnectorInfo:
        return ConnectorInfo(
            name="acme-psp-py",  # unique among the server's connectors: the connectorId
            kind=ConnectorKind.PSP,
            version="0.1.0",
            systems=["acme"],
            hosts=[DEFAULT_BASE_URL],  # the only origins the host lets it reach (live mode)
            config_schema=json.dumps(
                {
                    "type": "object",
                    "required": ["apiKey"],
                    "properties": {
                        "apiKey": {"type": "string", "writeOnly": True},
                        "baseUrl": {"type": "string", "format": "uri", "default": DEFAULT_BASE_URL},
                    },
                }
            ),
        )


class Api:
    def __init__(self, config: str):
        # config: the store's credentials as JSON text; in Test Mode the host sets baseUrl.
        cfg = beep.require_fields(beep.parse_config(config), "apiKey")
        self.key = cfg["apiKey"]
        self.base = str(cfg.get("baseUrl") or DEFAULT_BASE_URL).rstrip("/")

    def get(self, path: str, query=None):
        return beep.get(self.base + path).bearer(self.key).query(query or {}).send().ok()

    def post(self, path: str, body, idempotency_key: str):
        req = beep.post(self.base + path).bearer(self.key).header("idempotency-key", idempotency_key)
        return req.json(body).send().ok()


def opt_str(value) -> Optional[str]:
    return None if value is None else str(value)


def money(value, currency: str) -> Money:
    """Amounts travel as major-unit strings ("12.34"); the contract's money is integer
    minor units and an ISO 4217 code."""
    code = currency.upper()
    return beep.money.of(beep.money.from_major_str(str(value), code), code)


# The vendor's payment statuses → the contract's.
STATUSES = {
    "pending": PaymentStatus.PENDING,
    "processing": PaymentStatus.PENDING,
    "requires_action": PaymentStatus.REQUIRES_ACTION,
    "authorized": PaymentStatus.AUTHORIZED,
    "succeeded": PaymentStatus.SUCCEEDED,
    "paid": PaymentStatus.SUCCEEDED,
    "failed": PaymentStatus.FAILED,
    "canceled": PaymentStatus.CANCELED,
}


def payment_from(p: dict, fallback: Optional[Money] = None) -> Payment:
    status = STATUSES.get(p.get("status"), PaymentStatus.PENDING)
    currency = str(p.get("currency") or (fallback.currency if fallback else "EUR"))
    amount = money(p["amount"], currency) if p.get("amount") is not None else fallback
    if amount is None:
        raise beep.internal("the vendor's payment has no amount")
    failed = status == PaymentStatus.FAILED
    return Payment(
        provider_reference=str(p["id"]),
        status=status,
        amount=amount,
        captured=money(p["captured"], currency) if p.get("captured") is not None else None,
        failure_code=opt_str(p.get("failureCode")) if failed else None,
        failure_message=opt_str(p.get("failureMessage")) if failed else None,
        action_url=opt_str(p.get("actionUrl")) if status == PaymentStatus.REQUIRES_ACTION else None,
    )


def refund_from(r: dict, payment_reference: str, fallback: Money) -> Refund:
    status = {"succeeded": RefundStatus.SUCCEEDED, "failed": RefundStatus.FAILED}.get(
        r.get("status"), RefundStatus.PENDING
    )
    currency = str(r.get("currency") or fallback.currency)
    return Refund(
        provider_reference=str(r["id"]),
        payment_provider_reference=opt_str(r.get("paymentId")) or payment_reference,
        status=status,
        amount=money(r["amount"], currency) if r.get("amount") is not None else fallback,
        failure_message=opt_str(r.get("failureMessage")),
    )


@beep.guarded  # anything raised that is not a connector error becomes `internal`
class Psp(exports.Psp):
    def validate_config(self, config: str) -> None:
        # An authenticated read proves the credentials work.
        Api(config).get("/account")

    def create_payment(self, config: str, request: PaymentRequest) -> Payment:
        return self._create(config, request, capture="automatic")

    def _create(self, config: str, request: PaymentRequest, capture: str) -> Payment:
        answer = Api(config).post(
            "/payments",
            {
                "amount": beep.money.to_major_string(request.amount),
                "currency": request.amount.currency,
                "reference": request.reference,
                "paymentMethod": request.payment_method,  # a vendor token, never a card number
                "description": request.description,
                "returnUrl": request.return_url,
                "metadata": {"beepPaymentId": request.id},
                "capture": capture,
            },
            f"beep-payment-{request.id}",
        ).json()
        return payment_from(answer, request.amount)

    def get_payment(self, config: str, lookup: PaymentLookup) -> Payment:
        # By the vendor's reference, or (after a timeout that left none) by BEEP!'s id.
        api = Api(config)
        if lookup.provider_reference:
            return payment_from(api.get(f"/payments/{quote(lookup.provider_reference, safe='')}").json())
        items = api.get("/payments", {"beepPaymentId": lookup.payment_id}).json().get("items") or []
        if not items:
            raise beep.not_found(f"no payment for {lookup.payment_id}")
        return payment_from(items[0])

    def authorize_payment(self, config: str, request: PaymentRequest) -> Payment:
        # Manual capture: the vendor holds the amount (status "authorized") until
        # capture_payment or cancel_payment. A vendor that cannot: raise beep.unsupported.
        return self._create(config, request, capture="manual")

    def capture_payment(self, config: str, request: CaptureRequest) -> Payment:
        reference = quote(request.payment_provider_reference, safe="")
        answer = Api(config).post(
            f"/payments/{reference}/capture",
            {"amount": beep.money.to_major_string(request.amount), "currency": request.amount.currency},
            f"beep-capture-{request.id}",
        ).json()
        return payment_from(answer, request.authorized)

    def cancel_payment(self, config: str, request: CancelRequest) -> Payment:
        reference = quote(request.payment_provider_reference, safe="")
        answer = Api(config).post(f"/payments/{reference}/cancel", {}, f"beep-cancel-{request.id}").json()
        return payment_from(answer, request.authorized)

    def fetch_payouts(self, config: str, cursor: Optional[str]) -> PayoutsPage:
        # List the vendor's settlements here (see beep_sdk::payout in the Rust SDK for
        # how their parts add up), or say why the vendor has none to list.
        raise beep.unsupported("this connector does not list payouts")

    def refund_payment(self, config: str, request: RefundRequest) -> Refund:
        reference = request.payment_provider_reference
        answer = Api(config).post(
            f"/payments/{quote(reference, safe='')}/refunds",
            {
                "amount": beep.money.to_major_string(request.amount),
                "currency": request.amount.currency,
                "reason": request.reason,
                "metadata": {"beepRefundId": request.id},
            },
            f"beep-refund-{request.id}",
        ).json()
        return refund_from(answer, reference, request.amount)

    def parse_webhook(self, config: str, request: WebhookRequest) -> WebhookEvent:
        # Verify the vendor's signature (or re-fetch the object) before trusting a webhook.
        raise beep.unsupported("webhooks are not supported by this connector yet")
