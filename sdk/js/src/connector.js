// Export wrappers: they turn a connector's plain functions into the world's exports.
//
// - `config` arrives parsed (a JSON object); bad JSON is `invalid-config`.
// - A thrown ConnectorError is the call's `err`; anything else thrown is `internal`
//   (never a trap), with the exception's message.
// - Functions may be sync or async (componentize-js runs the event loop to completion).
// - Money objects may carry `amount` as a number: it becomes the contract's s64 (BigInt).

import { ConnectorError, invalidConfig, internal, toConnectorError } from './errors.js';

/** Parses the store's config object; a mismatch is `invalid-config`. */
export function parseConfig(text) {
  let value;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw invalidConfig(`config: ${e.message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidConfig('config: expected a JSON object');
  }
  return value;
}

/** `requireFields(config, 'accountId', 'username')`: each must be a non-empty string. */
export function requireFields(config, ...names) {
  for (const name of names) {
    if (typeof config[name] !== 'string' || config[name] === '') {
      throw invalidConfig(`config: ${name} is required`);
    }
  }
  return config;
}

/** The opaque cursor the host carries between calls, as JSON. */
export const cursor = {
  decode(text, fallback = {}) {
    if (text === undefined || text === null || text === '') return fallback;
    try {
      return JSON.parse(text);
    } catch (e) {
      throw invalidConfig(`cursor: ${e.message}`);
    }
  },
  encode(state) {
    return JSON.stringify(state);
  },
};

/** Numbers in `amount` fields of money-shaped objects become BigInt; undefined stays. */
function normalize(value) {
  if (Array.isArray(value)) return value.map(normalize);
  if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = normalize(v);
    if (typeof out.amount === 'number' && typeof out.currency === 'string') {
      if (!Number.isSafeInteger(out.amount)) {
        throw internal(`money amount must be an integer of minor units, got ${out.amount}`);
      }
      out.amount = BigInt(out.amount);
    }
    return out;
  }
  return value;
}

function fail(e) {
  const err = toConnectorError(e);
  return { tag: 'err', val: err.payload };
}

/** Runs `fn`, returning the world's `{tag:'ok'|'err'}` result (a Promise if `fn` is async). */
function guard(fn) {
  try {
    const r = fn();
    if (r && typeof r.then === 'function') {
      return r.then(
        (v) => {
          try {
            return { tag: 'ok', val: normalize(v) };
          } catch (e) {
            return fail(e);
          }
        },
        fail,
      );
    }
    return { tag: 'ok', val: normalize(r) };
  } catch (e) {
    return fail(e);
  }
}

function wrap(impl, names, kind) {
  const out = {};
  for (const name of names) {
    const f = impl[name];
    out[name] = (config, ...args) =>
      guard(() => {
        if (typeof f !== 'function') {
          throw new ConnectorError('unsupported', `this ${kind} connector does not implement ${name}`);
        }
        return f.call(impl, parseConfig(config), ...args);
      });
  }
  return out;
}

/** `export const pos = pos({ fetchCatalog(config, cursor) {…}, pushSales(config, sales) {…} })` */
export const pos = (impl) => wrap(impl, ['fetchCatalog', 'pushSales'], 'POS');

/** `export const erp = erp({ fetchInventory, fetchOrders, fetchSuppliers, pushTransactions, pushStockChanges })` */
export const erp = (impl) =>
  wrap(impl, ['fetchInventory', 'fetchOrders', 'fetchSuppliers', 'pushTransactions', 'pushStockChanges'], 'ERP');

/**
 * `export const psp = psp({ validateConfig, createPayment, getPayment, refundPayment, parseWebhook,
 * authorizePayment, capturePayment, cancelPayment, fetchPayouts })`: a function left out answers
 * `unsupported`.
 */
export const psp = (impl) =>
  wrap(
    impl,
    ['validateConfig', 'createPayment', 'getPayment', 'refundPayment', 'parseWebhook', 'authorizePayment', 'capturePayment', 'cancelPayment', 'fetchPayouts'],
    'PSP',
  );

/**
 * `export const describe = describe({name, kind, version, systems, hosts, configSchema})`;
 * `configSchema` may be an object (it is sent as JSON text).
 */
export function describe(info) {
  const value = {
    name: String(info.name),
    kind: String(info.kind),
    version: String(info.version ?? '0.1.0'),
    systems: (info.systems ?? []).map(String),
    hosts: (info.hosts ?? []).map(String),
    configSchema:
      typeof info.configSchema === 'string' ? info.configSchema : JSON.stringify(info.configSchema ?? {}),
  };
  return () => value;
}
