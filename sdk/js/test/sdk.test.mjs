// Unit tests of the SDK's pure parts, natively in Node (no component, no wasi:http):
//   node --test test/
import { test } from 'node:test';
import assert from 'node:assert/strict';

import * as money from '../src/money.js';
import { toPairs, encodeForm } from '../src/form.js';
import { Request, Response, setTransport, splitUrl, base64, get, post } from '../src/http.js';
import { ConnectorError, fromStatus, toConnectorError } from '../src/errors.js';
import { pos, psp, describe, cursor } from '../src/connector.js';

test('exponents follow ISO 4217', () => {
  assert.equal(money.exponent('EUR'), 2);
  assert.equal(money.exponent('jpy'), 0);
  assert.equal(money.exponent('KWD'), 3);
  assert.equal(money.exponent('CLF'), 4);
  assert.equal(money.exponent('XXX'), undefined);
});

test('major strings carry exact decimals', () => {
  assert.equal(money.toMajorString(money.of(1000, 'EUR')), '10.00');
  assert.equal(money.toMajorString(money.of(5, 'EUR')), '0.05');
  assert.equal(money.toMajorString(money.of(-1234, 'USD')), '-12.34');
  assert.equal(money.toMajorString(money.of(1000, 'JPY')), '1000');
  assert.equal(money.toMajorString(money.of(1000, 'KWD')), '1.000');
  assert.equal(money.toMajorString(money.of(1n, 'KWD')), '0.001');
  assert.throws(() => money.toMajorString(money.of(1, 'ABC')), ConnectorError);
});

test('major strings parse back', () => {
  assert.equal(money.fromMajorString('10.00', 'EUR'), 1000n);
  assert.equal(money.fromMajorString('10.5', 'EUR'), 1050n);
  assert.equal(money.fromMajorString('10', 'EUR'), 1000n);
  assert.equal(money.fromMajorString('0.001', 'KWD'), 1n);
  assert.equal(money.fromMajorString('1000', 'JPY'), 1000n);
  assert.equal(money.fromMajorString('1000.00', 'JPY'), 1000n);
  assert.equal(money.fromMajorString('-12.34', 'USD'), -1234n);
  for (const [v, c] of [['1.5', 'JPY'], ['1.005', 'EUR'], ['abc', 'EUR'], ['', 'EUR']]) {
    assert.throws(() => money.fromMajorString(v, c), (e) => e.tag === 'invalid-config');
  }
});

test('floats round trip', () => {
  assert.equal(money.toMajorNumber(money.of(1999, 'EUR')), 19.99);
  assert.equal(money.fromMajorNumber(19.99, 'EUR'), 1999n);
  assert.equal(money.fromMajorNumber(0.1 + 0.2, 'EUR'), 30n);
  assert.equal(money.fromMajorNumber(1000, 'JPY'), 1000n);
  assert.equal(money.fromMajorNumber(1.234, 'KWD'), 1234n);
  assert.equal(money.fromMajorNumber(-0.125, 'EUR'), -13n);
});

test('forms nest with brackets and encode like form_urlencoded', () => {
  const pairs = toPairs({ amount: 100, confirm: true, description: null, metadata: { id: 'x' }, types: ['card'] });
  assert.deepEqual(pairs, [['amount', '100'], ['confirm', 'true'], ['metadata[id]', 'x'], ['types[0]', 'card']]);
  assert.equal(encodeForm([['amount', '100'], ['metadata[id]', 'x y&z']]), 'amount=100&metadata%5Bid%5D=x+y%26z');
  const r = get('http://h/p').query({ a: '1 2', b: '&', c: undefined });
  assert.equal(r.url, 'http://h/p?a=1+2&b=%26');
  assert.equal(get('http://h/p?x=1').query([['y', '2']]).url, 'http://h/p?x=1&y=2');
  const f = post('http://h').form({ amount: 100, automatic_payment_methods: { enabled: true } });
  assert.equal(new TextDecoder().decode(f.body), 'amount=100&automatic_payment_methods%5Benabled%5D=true');
  assert.deepEqual(f.headers, [['content-type', 'application/x-www-form-urlencoded']]);
});

test('auth headers', () => {
  assert.equal(base64(new TextEncoder().encode('beep:sandbox')), 'YmVlcDpzYW5kYm94');
  assert.equal(base64(new TextEncoder().encode('ab')), 'YWI=');
  assert.deepEqual(new Request('get', 'http://h').basic('beep', 'sandbox').headers, [['authorization', 'Basic YmVlcDpzYW5kYm94']]);
  assert.deepEqual(get('http://h').bearer('sk').headers, [['authorization', 'Bearer sk']]);
});

test('urls split into parts', () => {
  assert.deepEqual(splitUrl('https://api.stripe.com/v1/refunds?a=b'), { scheme: 'https', authority: 'api.stripe.com', path: '/v1/refunds?a=b' });
  assert.deepEqual(splitUrl('http://127.0.0.1:9000'), { scheme: 'http', authority: '127.0.0.1:9000', path: '/' });
  assert.throws(() => splitUrl('/relative'), (e) => e.tag === 'internal');
});

test('statuses map to contract errors', () => {
  const resp = (status, body, headers = []) => new Response(status, headers, new TextEncoder().encode(body));
  assert.throws(() => resp(429, 'slow down', [['Retry-After', '7']]).ok(), (e) => e.tag === 'rate-limited' && e.val === 7);
  assert.throws(
    () => resp(401, '{"error":{"message":"bad key"}}').ok((r) => r.json().error.message),
    (e) => e.tag === 'unauthorized' && e.val === 'bad key',
  );
  assert.throws(() => resp(500, 'boom').ok(), (e) => e.tag === 'upstream' && e.val.status === 500 && e.val.message === 'boom');
  assert.equal(resp(204, '').ok().status, 204);
  assert.equal(fromStatus(404, 'x').tag, 'not-found');
  assert.equal(toConnectorError(new TypeError('x is undefined')).payload.tag, 'internal');
});

test('export wrappers return results, parse config, normalise money', async () => {
  setTransport((req) => new Response(200, [], new TextEncoder().encode(JSON.stringify({ url: req.url }))));
  const p = pos({
    fetchCatalog(config, c) {
      const seen = get(`${config.baseUrl}/x`).send().json();
      return { products: [{ price: { amount: 199, currency: 'EUR' }, name: seen.url }], nextCursor: c };
    },
    pushSales() {
      throw new Error('boom');
    },
  });
  const ok = p.fetchCatalog('{"baseUrl":"http://sim"}', undefined);
  assert.equal(ok.tag, 'ok');
  assert.deepEqual(ok.val.products[0], { price: { amount: 199n, currency: 'EUR' }, name: 'http://sim/x' });
  assert.deepEqual(p.fetchCatalog('not json', undefined).val.tag, 'invalid-config');
  assert.deepEqual(p.pushSales('{}', []), { tag: 'err', val: { tag: 'internal', val: 'Error: boom' } });
  const a = psp({ async validateConfig() { throw fromStatus(401, 'Invalid API Key'); } });
  assert.deepEqual(await a.validateConfig('{}'), { tag: 'err', val: { tag: 'unauthorized', val: 'Invalid API Key' } });
  assert.equal((await a.createPayment('{}', {})).val.tag, 'unsupported');
  assert.equal(describe({ name: 'n', kind: 'pos', configSchema: { type: 'object' } })().configSchema, '{"type":"object"}');
  assert.deepEqual(cursor.decode(cursor.encode({ page: 2 })), { page: 2 });
  assert.deepEqual(cursor.decode(undefined), {});
});
