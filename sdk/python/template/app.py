"""A minimal BEEP! Connect POS connector in Python: copy this directory, rename the
connector, and replace the vendor calls. Build with ./build.sh (see README.md).

The host calls fetch_catalog once per page (a fresh instance each time, no state kept
between calls) until has_more is false, and push_sales with batches of BEEP! receipts.
"""

import json
from typing import List, Optional

import beep
import wit_world
from beep.types import (
    CatalogPage,
    ConnectorInfo,
    ConnectorKind,
    Product,
    PushOutcome_Created,
    PushResult,
    Sale,
)
from wit_world import exports

DEFAULT_BASE_URL = "https://api.acme-pos.example"


class WitWorld(wit_world.WitWorld):
    def describe(self) -> ConnectorInfo:
        return ConnectorInfo(
            name="acme-pos-py",  # unique among the server's connectors: the connectorId
            kind=ConnectorKind.POS,
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


@beep.guarded  # anything raised that is not a connector error becomes `internal`
class Pos(exports.Pos):
    def fetch_catalog(self, config: str, cursor: Optional[str]) -> CatalogPage:
        page = beep.cursor_decode(cursor).get("page", 1)
        body = Api(config).get("/products", {"page": page, "size": 100}).json()
        items = body.get("items") or []
        has_more = bool(body.get("hasMore"))
        products = [
            Product(
                external_id=str(p["id"]),
                sku=p.get("sku"),
                name=str(p.get("name") or p["id"]),
                category_id=None,
                # Money is integer minor units and an ISO 4217 code.
                price=beep.money.of(beep.money.from_major_str(str(p["price"]), "EUR"), "EUR")
                if p.get("price") is not None
                else None,
                tax_rate_bps=None,
                gtins=[],
                unit=None,
                active=True,
            )
            for p in items
        ]
        return CatalogPage(
            products=products,
            categories=[],
            price_updates=[],
            next_cursor=beep.cursor_encode({"page": page + 1}) if has_more else None,
            has_more=has_more,
        )

    def push_sales(self, config: str, sales: List[Sale]) -> List[PushResult]:
        # Each sale once: send sale.id as the vendor's external reference so that a
        # resend is recognised as a duplicate.
        api = Api(config)
        results = []
        for sale in sales:
            answer = api.post(
                "/receipts",
                {
                    "externalId": sale.id,
                    "number": sale.receipt_number,
                    "total": beep.money.to_major_string(sale.total),
                    "currency": sale.total.currency,
                },
            ).json()
            results.append(PushResult(id=sale.id, outcome=PushOutcome_Created(answer.get("id"))))
        return results
