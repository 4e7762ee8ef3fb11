// A minimal BEEP! Connect payment-provider (PSP) connector: copy this directory, rename
// the connector, and replace the vendor calls. Build with `node build.mjs` (see README.md).
//
// Every call gets a fresh instance (no state kept between calls). BEEP!'s payment and
// refund ids are the vendor's idempotency keys, so that a retry never charges twice.

import * as beep from '@beep/connector-sdk';

export const describe = beep.describe({
  name: 'acme-psp', // unique among the server's connectors: the connectorId
  kind: 'psp',
  version: '0.1.0',
  systems: ['acme'],
  hosts: ['https://api.acme-psp.example'], // the only origins the host lets it reach (live mode)
  configSchema: {
    type: 'object',
    required: ['apiKey'],
    properties: {
      apiKey: { type: 'string', writeOnly: true },
      baseUrl: { type: 'string', format: 'uri', default: 'https://api.acme-psp.example' },
    },
  },
});

function api(config) {
  beep.requireFields(config, 'apiKey');
  const base = (config.baseUrl ?? 'https://api.acme-psp.example').replace(/\/+$/, '');
  return {
    get: (path, query) => beep.get(`${base}${path}`).bearer(config.apiKey).query(query ?? {}).send().ok(),
    post: (path, body, idempotencyKey) =>
      beep.post(`${base}${path}`).bearer(config.apiKey).header('idempotency-key', idempotencyKey).json(body).send().ok(),
  };
}

const optString = (value) => (value !== undefined && value !== null ? String(value) : undefined);

// The vendor's payment statuses → the contract's: pending, requires-action, authorized,
// succeeded, failed, canceled.
const STATUSES = {
  pending: 'pending',
  processing: 'pending',
  requires_action: 'requires-action',
  authorized: 'authorized',
  succeeded: 'succeeded',
  paid: 'succeeded',
  failed: 'failed',
  canceled: 'canceled',
};

// Amounts travel as major-unit strings ("12.34") with the currency; the contract's money
// is integer minor units.
const money = (value, currency) => beep.money.of(beep.money.fromMajorString(String(value), currency), currency);

function payment(p, fallbackAmount) {
  const status = STATUSES[p.status] ?? 'pending';
  const currency = String(p.currency ?? fallbackAmount?.currency ?? 'EUR').toUpperCase();
  return {
    providerReference: String(p.id),
    status,
    amount: p.amount !== undefined ? money(p.amount, currency) : fallbackAmount,
    captured: p.captured !== undefined ? money(p.captured, currency) : undefined,
    failureCode: status === 'failed' ? optString(p.failureCode) : undefined,
    failureMessage: status === 'failed' ? optString(p.failureMessage) : undefined,
    actionUrl: status === 'requires-action' ? optString(p.actionUrl) : undefined,
  };
}

function refund(r, fallbackAmount) {
  const currency = String(r.currency ?? fallbackAmount?.currency ?? 'EUR').toUpperCase();
  return {
    providerReference: String(r.id),
    paymentProviderReference: optString(r.paymentId),
    status: r.status === 'succeeded' ? 'succeeded' : r.status === 'failed' ? 'failed' : 'pending',
    amount: r.amount !== undefined ? money(r.amount, currency) : fallbackAmount,
    failureMessage: optString(r.failureMessage),
  };
}

export const psp = beep.psp({
  // config: the store's credentials (parsed JSON; in Test Mode `baseUrl` is set by the
  // host). An authenticated read proves they work.
  validateConfig(config) {
    api(config).get('/account');
  },

  createPayment(config, request) {
    const body = api(config)
      .post(
        '/payments',
        {
          amount: beep.money.toMajorString(request.amount),
          currency: request.amount.currency,
          reference: request.reference,
          paymentMethod: request.paymentMethod, // a vendor token, never a card number
          description: request.description,
          returnUrl: request.returnUrl,
          metadata: { beepPaymentId: request.id },
        },
        `beep-payment-${request.id}`,
      )
      .json();
    return payment(body, request.amount);
  },

  // By the vendor's reference, or (after a timeout that left none) by BEEP!'s payment id.
  getPayment(config, lookup) {
    const client = api(config);
    if (lookup.providerReference) {
      return payment(client.get(`/payments/${encodeURIComponent(lookup.providerReference)}`).json());
    }
    const found = client.get('/payments', { beepPaymentId: lookup.paymentId }).json();
    const items = Array.isArray(found.items) ? found.items : [];
    if (items.length === 0) throw beep.notFound(`no payment for ${lookup.paymentId}`);
    return payment(items[0]);
  },

  refundPayment(config, request) {
    const body = api(config)
      .post(
        `/payments/${encodeURIComponent(request.paymentProviderReference)}/refunds`,
        {
          amount: beep.money.toMajorString(request.amount),
          currency: request.amount.currency,
          reason: request.reason,
          metadata: { beepRefundId: request.id },
        },
        `beep-refund-${request.id}`,
      )
      .json();
    return refund({ paymentId: request.paymentProviderReference, ...body }, request.amount);
  },

  // Verify the vendor's signature (or re-fetch the object) before trusting a webhook.
  parseWebhook(_config, _request) {
    throw beep.unsupported('webhooks are not supported by this connector yet');
  },
});
