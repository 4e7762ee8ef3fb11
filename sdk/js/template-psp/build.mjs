// Builds this connector into connector.wasm: node build.mjs [out.wasm]
//
// BEEP_SDK_JS points at the SDK (sdk/js of BEEP! Connect, with `npm ci` run there);
// by default the SDK is this directory's parent.
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const sdk = resolve(process.env.BEEP_SDK_JS ?? fileURLToPath(new URL('..', import.meta.url)));
const { build } = await import(pathToFileURL(resolve(sdk, 'build.mjs')).href);

const out = process.argv[2] ?? new URL('./connector.wasm', import.meta.url);
const { bytes, millis } = await build({
  source: new URL('./connector.js', import.meta.url),
  out,
  world: 'psp-connector',
});
console.log(`connector.wasm: ${bytes} bytes in ${(millis / 1000).toFixed(1)} s`);
