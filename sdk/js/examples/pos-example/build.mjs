// Builds this connector: node build.mjs [out.wasm]
import { build } from '../../build.mjs';

const out = process.argv[2] ?? new URL('./example_js_pos.wasm', import.meta.url);
const { bytes, millis } = await build({
  source: new URL('./connector.js', import.meta.url),
  out,
  world: 'pos-connector',
});
console.log(`example-js-pos: ${bytes} bytes in ${(millis / 1000).toFixed(1)} s`);
