// BEEP! Connect guest SDK for JavaScript connectors.
//
//   import * as beep from '@beep/connector-sdk';
//   export const describe = beep.describe({ name: 'acme-pos', kind: 'pos', … });
//   export const pos = beep.pos({ fetchCatalog(config, cursor) { … }, pushSales(config, sales) { … } });
//
// Built into a WebAssembly component by build.mjs (componentize-js, the `pos-connector`,
// `erp-connector` or `psp-connector` world of ../../wit). HTTP goes through
// wasi:http/outgoing-handler, blocking: exports can stay plain functions.

import { setTransport } from './src/http.js';
import { send } from './src/transport.js';

setTransport(send);

export * from './src/errors.js';
export * as money from './src/money.js';
export { toPairs, encodeForm } from './src/form.js';
export { Request, Response, get, post, put, patch, del, base64 } from './src/http.js';
export { log, deadlineMs } from './src/host.js';
export { parseConfig, requireFields, cursor, pos, erp, psp, describe } from './src/connector.js';
