// A small, blocking HTTP client. The transport is wasi:http/outgoing-handler (see
// transport.js); the host decides whether a request may leave (its grant and budgets),
// and a denied request comes back as a `network` error naming the reason.

import { internal, fromStatus } from './errors.js';
import { toPairs, encodeForm } from './form.js';

let transport = () => {
  throw internal('no HTTP transport: import the SDK through beep.js');
};

/** Installs the function that sends a request (beep.js installs wasi:http; tests a fake). */
export function setTransport(fn) {
  transport = fn;
}

/** An outgoing request, built fluently and sent with `send()`. */
export class Request {
  constructor(method, url) {
    this.method = method.toUpperCase();
    this.url = String(url);
    /** @type {[string, string][]} lower-case names */
    this.headers = [];
    /** @type {Uint8Array} */
    this.body = new Uint8Array(0);
  }

  header(name, value) {
    this.headers.push([String(name).toLowerCase(), String(value)]);
    return this;
  }

  bearer(token) {
    return this.header('authorization', `Bearer ${token}`);
  }

  basic(user, password) {
    return this.header('authorization', `Basic ${base64(new TextEncoder().encode(`${user}:${password}`))}`);
  }

  /** Appends URL-encoded query parameters (an object or [key, value] pairs; undefined values left out). */
  query(params) {
    const pairs = (Array.isArray(params) ? params : Object.entries(params)).filter(
      ([, v]) => v !== undefined && v !== null,
    );
    if (pairs.length === 0) return this;
    const sep = this.url.includes('?') ? '&' : '?';
    this.url = `${this.url}${sep}${encodeForm(pairs.map(([k, v]) => [k, String(v)]))}`;
    return this;
  }

  /** A JSON body (BigInts are written as numbers). */
  json(value) {
    const text = JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? Number(v) : v));
    return this.header('content-type', 'application/json').bytes(new TextEncoder().encode(text));
  }

  /** An application/x-www-form-urlencoded body; nested objects and arrays use brackets. */
  form(params) {
    const pairs = Array.isArray(params) ? params : toPairs(params);
    return this.header('content-type', 'application/x-www-form-urlencoded').bytes(
      new TextEncoder().encode(encodeForm(pairs)),
    );
  }

  bytes(body) {
    this.body = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    return this;
  }

  /** Sends the request; any status is a successful exchange (see `Response.ok()`). */
  send() {
    splitUrl(this.url);
    return transport(this);
  }
}

export const get = (url) => new Request('GET', url);
export const post = (url) => new Request('POST', url);
export const put = (url) => new Request('PUT', url);
export const patch = (url) => new Request('PATCH', url);
export const del = (url) => new Request('DELETE', url);

/** A received response with its whole body. */
export class Response {
  constructor(status, headers, body) {
    this.status = status;
    /** @type {[string, string][]} */
    this.headers = headers;
    /** @type {Uint8Array} */
    this.body = body;
  }

  header(name) {
    const wanted = name.toLowerCase();
    const found = this.headers.find(([k]) => k.toLowerCase() === wanted);
    return found ? found[1] : undefined;
  }

  get isSuccess() {
    return this.status >= 200 && this.status < 300;
  }

  text() {
    return new TextDecoder().decode(this.body);
  }

  json() {
    try {
      return JSON.parse(this.text());
    } catch (e) {
      throw internal(`unexpected answer (status ${this.status}): ${e.message}: ${this.text().slice(0, 200)}`);
    }
  }

  /** `Retry-After` in seconds (delta-seconds form). */
  retryAfter() {
    const v = this.header('retry-after');
    return v !== undefined && /^\s*\d+\s*$/.test(v) ? Number(v) : undefined;
  }

  /**
   * Passes a 2xx through; anything else throws the matching ConnectorError with the
   * vendor's message, as `message(response)` extracts it from the body (default: the
   * first 200 characters of the body).
   */
  ok(message) {
    if (this.isSuccess) return this;
    let msg;
    try {
      msg = message ? message(this) : undefined;
    } catch {
      msg = undefined;
    }
    throw fromStatus(this.status, msg ?? this.text().slice(0, 200), this.retryAfter());
  }
}

/** Splits `scheme://authority/path?query`. */
export function splitUrl(url) {
  const i = url.indexOf('://');
  if (i < 0) throw internal(`not an absolute URL: ${url}`);
  const scheme = url.slice(0, i);
  const rest = url.slice(i + 3);
  const j = rest.search(/[/?]/);
  const authority = j < 0 ? rest : rest.slice(0, j);
  let path = j < 0 ? '/' : rest.slice(j);
  if (path.startsWith('?')) path = `/${path}`;
  if (authority === '') throw internal(`URL without host: ${url}`);
  return { scheme, authority, path };
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function base64(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const [a, b, c] = [bytes[i], bytes[i + 1], bytes[i + 2]];
    const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63];
    out += b === undefined ? '=' : B64[(n >> 6) & 63];
    out += c === undefined ? '=' : B64[n & 63];
  }
  return out;
}
