// Sends a Request over wasi:http/outgoing-handler, synchronously: the call blocks on the
// host's pollables, so it works from plain (non-async) exports and needs no event loop.
//
// componentize-js conventions used here: WIT variants are {tag, val}; a `result` in
// return position throws a ComponentError whose `payload` is the error; resources are
// freed with [Symbol.dispose]() (children — streams — before their parents).

import { handle } from 'wasi:http/outgoing-handler@0.2.12';
import { Fields, OutgoingRequest, OutgoingBody, IncomingBody } from 'wasi:http/types@0.2.12';
import { internal, network, ConnectorError } from './errors.js';
import { Response, splitUrl } from './http.js';

const dispose = Symbol.dispose || Symbol.for('dispose');
const drop = (resource) => {
  if (resource && typeof resource[dispose] === 'function') resource[dispose]();
};

const METHODS = { GET: 'get', HEAD: 'head', POST: 'post', PUT: 'put', DELETE: 'delete', PATCH: 'patch', OPTIONS: 'options' };

/** wasi:http's error-code as the contract's `network` error (same wording as the Rust SDK). */
export function describeErrorCode(code) {
  const tag = code && code.tag;
  switch (tag) {
    case 'HTTP-request-denied':
      return network("request denied by the host's egress policy");
    case 'destination-IP-prohibited':
      return network("destination address denied by the host's egress policy");
    case 'DNS-error':
      return network('DNS lookup failed');
    case 'connection-refused':
      return network('connection refused');
    case 'connection-timeout':
    case 'connection-read-timeout':
      return network('connection timed out');
    case 'HTTP-response-body-size':
      return network("response body exceeds the host's limit");
    default:
      return network(tag ? `${tag}${code.val !== undefined ? ` ${JSON.stringify(code.val)}` : ''}` : String(code));
  }
}

function payloadOf(e) {
  return e && typeof e === 'object' && 'payload' in e ? e.payload : undefined;
}

export function send(req) {
  const { scheme, authority, path } = splitUrl(req.url);
  const encoder = new TextEncoder();
  let headers;
  try {
    headers = Fields.fromList(req.headers.map(([k, v]) => [k, encoder.encode(v)]));
  } catch (e) {
    throw internal(`invalid header: ${JSON.stringify(payloadOf(e) ?? String(e))}`);
  }
  const outgoing = new OutgoingRequest(headers);
  const method = METHODS[req.method];
  const bad = (what) => internal(`invalid request ${what}: ${req.url}`);
  try {
    outgoing.setMethod(method ? { tag: method } : { tag: 'other', val: req.method });
  } catch {
    throw bad('method');
  }
  try {
    outgoing.setScheme(
      scheme === 'http' ? { tag: 'HTTP' } : scheme === 'https' ? { tag: 'HTTPS' } : { tag: 'other', val: scheme },
    );
  } catch {
    throw bad('scheme');
  }
  try {
    outgoing.setAuthority(authority);
  } catch {
    throw bad('authority');
  }
  try {
    outgoing.setPathWithQuery(path);
  } catch {
    throw bad('path');
  }

  // The body is complete before `handle`: the host sends it in one piece.
  const body = outgoing.body();
  if (req.body.length > 0) {
    const stream = body.write();
    try {
      for (let i = 0; i < req.body.length; i += 4096) {
        stream.blockingWriteAndFlush(req.body.subarray(i, i + 4096));
      }
    } catch (e) {
      throw network(`writing request body: ${JSON.stringify(payloadOf(e) ?? String(e))}`);
    } finally {
      drop(stream);
    }
  }
  try {
    OutgoingBody.finish(body, undefined);
  } catch (e) {
    throw describeErrorCode(payloadOf(e));
  }

  let future;
  try {
    future = handle(outgoing, undefined);
  } catch (e) {
    if (e instanceof ConnectorError) throw e;
    throw describeErrorCode(payloadOf(e));
  }
  let answer = future.get();
  while (answer === undefined) {
    const pollable = future.subscribe();
    pollable.block();
    drop(pollable);
    answer = future.get();
  }
  drop(future);
  if (answer.tag === 'err') throw internal('response already taken');
  if (answer.val.tag === 'err') throw describeErrorCode(answer.val.val);
  const incoming = answer.val.val;

  const status = incoming.status();
  const fields = incoming.headers();
  const decoder = new TextDecoder();
  const responseHeaders = fields.entries().map(([k, v]) => [k, decoder.decode(v)]);
  drop(fields);

  const incomingBody = incoming.consume();
  const stream = incomingBody.stream();
  const chunks = [];
  let size = 0;
  try {
    for (;;) {
      let chunk;
      try {
        chunk = stream.blockingRead(65536n);
      } catch (e) {
        const p = payloadOf(e);
        if (p && p.tag === 'closed') break;
        const detail = p && p.tag === 'last-operation-failed' && p.val ? p.val.toDebugString() : String(e);
        throw network(`reading response: ${detail}`);
      }
      chunks.push(chunk);
      size += chunk.length;
    }
  } finally {
    drop(stream);
  }
  drop(IncomingBody.finish(incomingBody));
  drop(incoming);

  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return new Response(status, responseHeaders, bytes);
}
