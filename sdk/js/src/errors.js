// The contract's `connector-error` variant, as values a connector throws.
//
// A connector throws `ConnectorError`s (or lets the SDK's HTTP helpers throw them); the
// export wrappers (`pos()`, `psp()`, `erp()` in beep.js) hand them to the host as the
// `err` side of the function's result. Anything else thrown becomes `internal`.

/** `{tag, val}` as componentize-js represents a WIT variant. */
export class ConnectorError extends Error {
  /**
   * @param {'unauthorized'|'forbidden'|'not-found'|'invalid-config'|'rate-limited'|'upstream'|'unsupported'|'unsupported-currency'|'amount-below-minimum'|'network'|'internal'} tag
   * @param {unknown} val the case's payload
   */
  constructor(tag, val) {
    super(describe(tag, val));
    this.name = 'ConnectorError';
    // componentize-js takes a thrown value's own `payload` as the error variant.
    Object.defineProperty(this, 'payload', { value: { tag, val }, enumerable: true });
  }
  get tag() {
    return this.payload.tag;
  }
  get val() {
    return this.payload.val;
  }
}

function describe(tag, val) {
  if (tag === 'upstream' && val) return `upstream ${val.status}: ${val.message}`;
  if (tag === 'rate-limited') return val === undefined ? 'rate-limited' : `rate-limited (retry after ${val} s)`;
  return val === undefined ? tag : `${tag}: ${val}`;
}

const text = (msg) => (msg === undefined || msg === null ? '' : String(msg));

export const unauthorized = (msg) => new ConnectorError('unauthorized', text(msg));
export const forbidden = (msg) => new ConnectorError('forbidden', text(msg));
export const notFound = (msg) => new ConnectorError('not-found', text(msg));
export const invalidConfig = (msg) => new ConnectorError('invalid-config', text(msg));
/** @param {number|undefined} retryAfter seconds, if the vendor said */
export const rateLimited = (retryAfter) =>
  new ConnectorError('rate-limited', Number.isInteger(retryAfter) && retryAfter >= 0 ? retryAfter : undefined);
export const upstream = (status, msg) =>
  new ConnectorError('upstream', { status: Number(status) & 0xffff, message: text(msg) });
export const unsupported = (msg) => new ConnectorError('unsupported', text(msg));
/** The vendor takes no payments in this currency (checked before sending). */
export const unsupportedCurrency = (msg) => new ConnectorError('unsupported-currency', text(msg));
/** The amount is below the vendor's published minimum for its currency. */
export const amountBelowMinimum = (msg) => new ConnectorError('amount-below-minimum', text(msg));
export const network = (msg) => new ConnectorError('network', text(msg));
export const internal = (msg) => new ConnectorError('internal', text(msg));

/**
 * A vendor's non-success status as the contract's error, with the vendor's own words
 * (the same table as the Rust SDK's `error::from_status`).
 */
export function fromStatus(status, message, retryAfter) {
  switch (status) {
    case 401:
      return unauthorized(message);
    case 403:
      return forbidden(message);
    case 404:
      return notFound(message);
    case 429:
      return rateLimited(retryAfter);
    default:
      return upstream(status, message);
  }
}

/** Anything thrown, as a ConnectorError (unknown errors become `internal`). */
export function toConnectorError(e) {
  if (e instanceof ConnectorError) return e;
  if (e && typeof e === 'object' && e.payload && typeof e.payload.tag === 'string') {
    return new ConnectorError(e.payload.tag, e.payload.val);
  }
  const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return internal(msg);
}
