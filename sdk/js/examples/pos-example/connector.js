// Example POS connector in JavaScript: KORONA.cloud (API v3), catalogue and receipts.
//
// A deliberately small subset of what the bundled Rust connector (connectors/pos-korona)
// does, to show the SDK:
//   fetch-catalog: commodity groups (categories, first page only) and products, paged
//                  with page=N&size=100; the cursor is the next page number.
//   push-sales:    one batch POST …/pointsOfSale/{pointOfSaleId}/receipts?couplingId=…,
//                  the sale's id as the receipt's id so a resend is a duplicate.
//
// In Test Mode, give the config `"sandbox": "korona"` and the host points `baseUrl` at
// its Korona simulator.

import * as beep from '@beep/connector-sdk';

const PAGE_SIZE = 100;
const DEFAULT_BASE_URL = 'https://www.koronacloud.com/web/api/v3';

export const describe = beep.describe({
  name: 'example-js-pos',
  kind: 'pos',
  version: '0.1.0',
  systems: ['korona'],
  hosts: ['https://*.koronacloud.com'],
  configSchema: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'KORONA.cloud (JavaScript example)',
    type: 'object',
    required: ['accountId', 'username', 'password'],
    properties: {
      accountId: { type: 'string', minLength: 1 },
      username: { type: 'string', minLength: 1 },
      password: { type: 'string', minLength: 1, writeOnly: true },
      baseUrl: { type: 'string', format: 'uri', default: DEFAULT_BASE_URL },
      pointOfSaleId: { type: 'string', description: 'External point of sale for BEEP! receipts' },
      couplingId: { type: 'string', description: 'Its coupling id' },
      currency: { type: 'string', pattern: '^[A-Z]{3}$', default: 'EUR' },
    },
  },
});

/** The validated config plus a request helper. */
function korona(config) {
  beep.requireFields(config, 'accountId', 'username', 'password');
  if (!/^[A-Za-z0-9_-]+$/.test(config.accountId)) {
    throw beep.invalidConfig('config: accountId must be a KORONA.cloud account id');
  }
  const currency = (config.currency ?? 'EUR').toUpperCase();
  if (beep.money.exponent(currency) === undefined) {
    throw beep.invalidConfig(`config: unknown currency ${currency}`);
  }
  const base = String(config.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
  const url = (path) => `${base}/accounts/${encodeURIComponent(config.accountId)}/${path}`;
  const auth = (req) => req.basic(config.username, config.password).header('accept', 'application/json');
  return {
    config,
    currency,
    get: (path, query) => auth(beep.get(url(path)).query(query)).send().ok(koronaMessage),
    post: (path, query, body) => auth(beep.post(url(path)).query(query).json(body)).send().ok(koronaMessage),
  };
}

/** Korona's error body `{"message","code"}` as one line. */
function koronaMessage(resp) {
  const e = resp.json();
  if (e.message && e.code) return `${e.message} (${e.code})`;
  return e.message ?? e.code;
}

/** A `ResultList…` page; 204 No Content is an empty page. */
function list(k, resource, page) {
  const resp = k.get(resource, { page, size: PAGE_SIZE });
  if (resp.status === 204 || resp.body.length === 0) return { results: [], pagesTotal: 0 };
  const body = resp.json();
  return { results: body.results ?? [], pagesTotal: body.pagesTotal ?? 1 };
}

function product(p, currency) {
  const price = (p.prices ?? [])[0];
  return {
    externalId: p.id,
    sku: p.number ?? undefined,
    name: p.name ?? p.number ?? p.id,
    categoryId: p.commodityGroup?.id ?? undefined,
    price: price ? beep.money.of(beep.money.fromMajorNumber(price.value, currency), currency) : undefined,
    taxRateBps: undefined,
    gtins: (p.codes ?? []).map((c) => c.productCode).filter(Boolean),
    unit: p.packagingUnit ?? undefined,
    active: p.active !== false && p.deactivated !== true,
  };
}

export const pos = beep.pos({
  fetchCatalog(config, cursor) {
    const k = korona(config);
    const { page = 1 } = beep.cursor.decode(cursor);
    const categories =
      page === 1
        ? list(k, 'commodityGroups', 1).results.map((g) => ({
            externalId: g.id,
            name: g.name ?? g.number,
            parentId: g.parentCommodityGroup?.id ?? undefined,
          }))
        : [];
    const { results, pagesTotal } = list(k, 'products', page);
    const hasMore = results.length > 0 && page < pagesTotal;
    beep.log.debug(`products page ${page}/${pagesTotal}: ${results.length}`);
    return {
      products: results.map((p) => product(p, k.currency)),
      categories,
      priceUpdates: [],
      nextCursor: hasMore ? beep.cursor.encode({ page: page + 1 }) : undefined,
      hasMore,
    };
  },

  pushSales(config, sales) {
    const k = korona(config);
    beep.requireFields(config, 'pointOfSaleId', 'couplingId');
    if (sales.length === 0) return [];
    const major = (m) => beep.money.toMajorNumber(m);
    const receipts = sales.map((sale) => ({
      id: sale.id,
      number: sale.receiptNumber,
      bookingTime: sale.createdAt,
      items: sale.lines.map((line) => ({
        product: line.productId ? { id: line.productId } : line.sku ? { number: line.sku } : undefined,
        description: line.name,
        quantity: line.quantity,
        recognitionNumber: line.sku,
        total: { gross: major(line.total), base: major(line.total) },
        bookingTime: sale.createdAt,
      })),
      total: { gross: major(sale.total) },
      payments: sale.payments.map((p) => ({ amount: major(p.amount), paymentMethod: { number: p.method } })),
    }));
    const results = [];
    // The simulator (and Korona) take at most 100 receipts per request.
    for (let i = 0; i < receipts.length; i += 100) {
      const batch = receipts.slice(i, i + 100);
      const answer = k.post(
        `pointsOfSale/${encodeURIComponent(config.pointOfSaleId)}/receipts`,
        { couplingId: config.couplingId },
        batch,
      ).json();
      batch.forEach((receipt, j) => results.push({ id: receipt.id, outcome: outcome(answer[j]) }));
    }
    return results;
  },
});

/** One `AddOrUpdateResult` as the contract's push outcome. */
function outcome(r) {
  if (!r) return { tag: 'rejected', val: beep.internal('Korona answered fewer results than receipts sent').payload };
  const status = r.status ?? 'OK';
  const action = r.action ?? 'ADDED';
  if (status === 'OK') return { tag: action === 'NONE' ? 'duplicate' : 'created', val: r.id ?? undefined };
  const message = r.message ?? `${status} ${action}`;
  return { tag: 'rejected', val: beep.upstream(400, message).payload };
}
