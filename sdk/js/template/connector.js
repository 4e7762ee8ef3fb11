// A minimal BEEP! Connect POS connector: copy this directory, rename the connector, and
// replace the vendor calls. Build with `node build.mjs` (see README.md).
//
// The host calls fetchCatalog once per page (a fresh instance each time, no state kept
// between calls) until hasMore is false, and pushSales with batches of BEEP! receipts.

import * as beep from '@beep/connector-sdk';

export const describe = beep.describe({
  name: 'acme-pos', // unique among the server's connectors: the connectorId
  kind: 'pos',
  version: '0.1.0',
  systems: ['acme'],
  hosts: ['https://api.acme-pos.example'], // the only origins the host lets it reach (live mode)
  configSchema: {
    type: 'object',
    required: ['apiKey'],
    properties: {
      apiKey: { type: 'string', writeOnly: true },
      baseUrl: { type: 'string', format: 'uri', default: 'https://api.acme-pos.example' },
    },
  },
});

function api(config) {
  beep.requireFields(config, 'apiKey');
  const base = (config.baseUrl ?? 'https://api.acme-pos.example').replace(/\/+$/, '');
  return {
    get: (path, query) => beep.get(`${base}${path}`).bearer(config.apiKey).query(query ?? {}).send().ok(),
    post: (path, body) => beep.post(`${base}${path}`).bearer(config.apiKey).json(body).send().ok(),
  };
}

export const pos = beep.pos({
  // config: the store's credentials (parsed JSON; in Test Mode `baseUrl` is set by the
  // host). cursor: undefined on the first call, else what the last page returned.
  fetchCatalog(config, cursor) {
    const { page = 1 } = beep.cursor.decode(cursor);
    const body = api(config).get('/products', { page, size: 100 }).json();
    const items = Array.isArray(body.items) ? body.items : [];
    const hasMore = Boolean(body.hasMore);
    return {
      products: items.map((p) => ({
        externalId: String(p.id),
        sku: p.sku ?? undefined,
        name: String(p.name ?? p.id),
        categoryId: undefined,
        // Money is integer minor units (a number or BigInt) and an ISO 4217 code.
        price: p.price !== undefined ? beep.money.of(beep.money.fromMajorString(String(p.price), 'EUR'), 'EUR') : undefined,
        taxRateBps: undefined,
        gtins: [],
        unit: undefined,
        active: true,
      })),
      categories: [],
      priceUpdates: [],
      nextCursor: hasMore ? beep.cursor.encode({ page: page + 1 }) : undefined,
      hasMore,
    };
  },

  // Each sale once: send sale.id as the vendor's external reference so that a resend is
  // recognised as a duplicate.
  pushSales(config, sales) {
    const client = api(config);
    return sales.map((sale) => {
      const resp = client.post('/receipts', {
        externalId: sale.id,
        number: sale.receiptNumber,
        total: beep.money.toMajorString(sale.total),
        currency: sale.total.currency,
      });
      return { id: sale.id, outcome: { tag: 'created', val: resp.json().id ?? undefined } };
    });
  },
});
