"""A minimal BEEP! Connect ERP connector in Python: copy this directory, rename the
connector, and replace the vendor calls. Build with ./build.sh (see README.md).

The host calls each fetch_* once per page (a fresh instance each time, no state kept
between calls) until has_more is false, and the push_* methods with batches from BEEP!.
"""

import json
from typing import List, Optional

import beep
import wit_world
from beep.types import (
    ConnectorInfo,
    ConnectorKind,
    InventoryPage,
    OrderLine,
    OrdersPage,
    PurchaseOrder,
    PushOutcome_Created,
    PushResult,
    StockChange,
    StockLevel,
    Supplier,
    SuppliersPage,
    Transaction,
    TransactionKind,
)
from wit_world import exports

DEFAULT_BASE_URL = "https://api.acme-erp.example"


class WitWorld(wit_world.WitWorld):
    def describe(self) -> ConnectorInfo:
        return ConnectorInfo(
            name="acme-erp-py",  # unique among the server's connectors: the connectorId
            kind=ConnectorKind.ERP,
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

    def post(self, path: str, body):
        return beep.post(self.base + path).bearer(self.key).json(body).send().ok()

    def page(self, path: str, cursor: Optional[str]):
        """One page of a vendor list: ``GET path?page=…&size=100`` answering {items, hasMore}.
        Returns (items, next_cursor, has_more)."""
        page = beep.cursor_decode(cursor).get("page", 1)
        body = self.get(path, {"page": page, "size": 100}).json()
        has_more = bool(body.get("hasMore"))
        next_cursor = beep.cursor_encode({"page": page + 1}) if has_more else None
        return body.get("items") or [], next_cursor, has_more


def opt_str(value) -> Optional[str]:
    return None if value is None else str(value)


def money(value, currency: Optional[str]):
    """Money is integer minor units and an ISO 4217 code."""
    if value is None:
        return None
    code = str(currency or "EUR").upper()
    return beep.money.of(beep.money.from_major_str(str(value), code), code)


TRANSACTION_KINDS = {
    TransactionKind.SALE: "sale",
    TransactionKind.PAYMENT: "payment",
    TransactionKind.REFUND: "refund",
    TransactionKind.CHARGEBACK: "chargeback",
    TransactionKind.FEE: "fee",
    TransactionKind.PAYOUT: "payout",
}


@beep.guarded  # anything raised that is not a connector error becomes `internal`
class Erp(exports.Erp):
    def fetch_inventory(self, config: str, cursor: Optional[str]) -> InventoryPage:
        items, next_cursor, has_more = Api(config).page("/stock", cursor)
        levels = [
            StockLevel(
                external_id=str(s.get("productId") or s["id"]),
                sku=opt_str(s.get("sku")),
                warehouse_id=opt_str(s.get("warehouseId")),
                quantity=float(s.get("quantity") or 0),
                unit=opt_str(s.get("unit")),
                updated_at=opt_str(s.get("updatedAt")),
            )
            for s in items
        ]
        return InventoryPage(levels=levels, next_cursor=next_cursor, has_more=has_more)

    def fetch_orders(self, config: str, cursor: Optional[str]) -> OrdersPage:
        items, next_cursor, has_more = Api(config).page("/purchase-orders", cursor)
        orders = [
            PurchaseOrder(
                external_id=str(o["id"]),
                supplier_id=opt_str(o.get("supplierId")),
                number=opt_str(o.get("number")),
                status=str(o.get("status") or "open"),
                total=money(o.get("total"), o.get("currency")),
                ordered_at=opt_str(o.get("orderedAt")),
                lines=[
                    OrderLine(
                        product_id=opt_str(line.get("productId")),
                        sku=opt_str(line.get("sku")),
                        description=opt_str(line.get("description")),
                        quantity=float(line.get("quantity") or 0),
                        unit_price=money(line.get("unitPrice"), o.get("currency")),
                    )
                    for line in o.get("lines") or []
                ],
            )
            for o in items
        ]
        return OrdersPage(orders=orders, next_cursor=next_cursor, has_more=has_more)

    def fetch_suppliers(self, config: str, cursor: Optional[str]) -> SuppliersPage:
        items, next_cursor, has_more = Api(config).page("/suppliers", cursor)
        suppliers = [
            Supplier(
                external_id=str(s["id"]),
                name=str(s.get("name") or s["id"]),
                email=opt_str(s.get("email")),
                vat_id=opt_str(s.get("vatId")),
            )
            for s in items
        ]
        return SuppliersPage(suppliers=suppliers, next_cursor=next_cursor, has_more=has_more)

    # Each item once: send its id as the vendor's external reference so that a resend is
    # recognised as a duplicate.
    def push_transactions(self, config: str, transactions: List[Transaction]) -> List[PushResult]:
        api = Api(config)
        results = []
        for t in transactions:
            answer = api.post(
                "/transactions",
                {
                    "externalId": t.id,
                    "kind": TRANSACTION_KINDS.get(t.kind, "sale"),
                    "amount": beep.money.to_major_string(t.amount),
                    "currency": t.amount.currency,
                    "reference": t.reference,
                    "paymentMethod": t.payment_method,
                    "occurredAt": t.occurred_at,
                },
            ).json()
            results.append(PushResult(id=t.id, outcome=PushOutcome_Created(opt_str(answer.get("id")))))
        return results

    def push_stock_changes(self, config: str, changes: List[StockChange]) -> List[PushResult]:
        api = Api(config)
        results = []
        for c in changes:
            answer = api.post(
                "/stock-movements",
                {
                    "externalId": c.id,
                    "productId": c.product_id,
                    "sku": c.sku,
                    "quantity": c.quantity_delta,  # negative for a sale
                    "reason": c.reason,
                    "occurredAt": c.occurred_at,
                },
            ).json()
            results.append(PushResult(id=c.id, outcome=PushOutcome_Created(opt_str(answer.get("id")))))
        return results
