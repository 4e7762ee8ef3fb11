// A minimal BEEP! Connect ERP connector: copy this directory, rename the connector, and
// replace the vendor calls. Build with `node build.mjs` (see README.md).
//
// The host calls each fetch* once per page (a fresh instance each time, no state kept
// between calls) until hasMore is false, and the push* functions with batches from BEEP!.

import * as beep from '@beep/connector-sdk';

export const describe = beep.describe({
  name: 'acme-erp', // unique among the server's connectors: the connectorId
  kind: 'erp',
  version: '0.1.0',
  systems: ['acme'],
  hosts: ['https://api.acme-erp.example'], // the only origins the host lets it reach (live mode)
  configSchema: {
    type: 'object',
    required: ['apiKey'],
    properties: {
      apiKey: { type: 'string', writeOnly: true },
      baseUrl: { type: 'string', format: 'uri', default: 'https://api.acme-erp.example' },
    },
  },
});

function api(config) {
  beep.requireFields(config, 'apiKey');
  const base = (config.baseUrl ?? 'https://api.acme-erp.example').replace(/\/+$/, '');
  return {
    get: (path, query) => beep.get(`${base}${path}`).bearer(config.apiKey).query(query ?? {}).send().ok(),
    post: (path, body) => beep.post(`${base}${path}`).bearer(config.apiKey).json(body).send().ok(),
  };
}

// One page of a vendor list: `GET path?page=…&size=100` answering {items, hasMore}.
function page(config, cursor, path) {
  const { page = 1 } = beep.cursor.decode(cursor);
  const body = api(config).get(path, { page, size: 100 }).json();
  const items = Array.isArray(body.items) ? body.items : [];
  const hasMore = Boolean(body.hasMore);
  return { items, hasMore, nextCursor: hasMore ? beep.cursor.encode({ page: page + 1 }) : undefined };
}

// Money is integer minor units (a number or BigInt) and an ISO 4217 code.
const money = (value, currency = 'EUR') =>
  value !== undefined && value !== null
    ? beep.money.of(beep.money.fromMajorString(String(value), currency), currency)
    : undefined;
const optString = (value) => (value !== undefined && value !== null ? String(value) : undefined);

export const erp = beep.erp({
  // config: the store's credentials (parsed JSON; in Test Mode `baseUrl` is set by the
  // host). cursor: undefined on the first call, else what the last page returned.
  fetchInventory(config, cursor) {
    const { items, hasMore, nextCursor } = page(config, cursor, '/stock');
    return {
      levels: items.map((s) => ({
        externalId: String(s.productId ?? s.id),
        sku: optString(s.sku),
        warehouseId: optString(s.warehouseId),
        quantity: Number(s.quantity ?? 0),
        unit: optString(s.unit),
        updatedAt: optString(s.updatedAt),
      })),
      nextCursor,
      hasMore,
    };
  },

  fetchOrders(config, cursor) {
    const { items, hasMore, nextCursor } = page(config, cursor, '/purchase-orders');
    return {
      orders: items.map((o) => ({
        externalId: String(o.id),
        supplierId: optString(o.supplierId),
        number: optString(o.number),
        status: String(o.status ?? 'open'),
        total: money(o.total, o.currency),
        orderedAt: optString(o.orderedAt),
        lines: (Array.isArray(o.lines) ? o.lines : []).map((l) => ({
          productId: optString(l.productId),
          sku: optString(l.sku),
          description: optString(l.description),
          quantity: Number(l.quantity ?? 0),
          unitPrice: money(l.unitPrice, o.currency),
        })),
      })),
      nextCursor,
      hasMore,
    };
  },

  fetchSuppliers(config, cursor) {
    const { items, hasMore, nextCursor } = page(config, cursor, '/suppliers');
    return {
      suppliers: items.map((s) => ({
        externalId: String(s.id),
        name: String(s.name ?? s.id),
        email: optString(s.email),
        vatId: optString(s.vatId),
      })),
      nextCursor,
      hasMore,
    };
  },

  // Each item once: send its id as the vendor's external reference so that a resend is
  // recognised as a duplicate.
  pushTransactions(config, transactions) {
    const client = api(config);
    return transactions.map((t) => {
      const resp = client.post('/transactions', {
        externalId: t.id,
        kind: t.kind, // 'sale', 'payment', 'refund', 'chargeback', 'fee' or 'payout'
        amount: beep.money.toMajorString(t.amount),
        currency: t.amount.currency,
        reference: t.reference,
        paymentMethod: t.paymentMethod,
        occurredAt: t.occurredAt,
      });
      return { id: t.id, outcome: { tag: 'created', val: optString(resp.json().id) } };
    });
  },

  pushStockChanges(config, changes) {
    const client = api(config);
    return changes.map((c) => {
      const resp = client.post('/stock-movements', {
        externalId: c.id,
        productId: c.productId,
        sku: c.sku,
        quantity: c.quantityDelta, // negative for a sale
        reason: c.reason,
        occurredAt: c.occurredAt,
      });
      return { id: c.id, outcome: { tag: 'created', val: optString(resp.json().id) } };
    });
  },
});
