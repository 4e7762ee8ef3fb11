// Builds a JavaScript connector into a WebAssembly component with componentize-js.
//
//   node build.mjs <connector.js> -o <out.wasm> [--world pos-connector] [--wit DIR]
//
// or from a project's own build script:
//
//   import { build } from '<sdk>/build.mjs';
//   await build({ source: 'src/connector.js', out: 'connector.wasm', world: 'pos-connector' });
//
// The connector imports the SDK as '@beep/connector-sdk'. componentize-js resolves only
// relative imports inside one directory tree, so the connector's directory is staged in
// a temporary directory with a copy of the SDK beside it, and the SDK specifier is
// rewritten to the relative path of that copy.

import { componentize } from '@bytecodealliance/componentize-js';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const SDK_DIR = dirname(fileURLToPath(import.meta.url));
const SDK_SPECIFIER = '@beep/connector-sdk';
const STAGED_SDK = '.beep-sdk';
/** The contract, when the SDK sits in the BEEP! Connect repository (sdk/js → wit). */
const DEFAULT_WIT = process.env.BEEP_WIT_DIR ?? resolve(SDK_DIR, '..', '..', 'wit');
const WORLDS = ['pos-connector', 'erp-connector', 'psp-connector'];
const SKIP = new Set(['node_modules', '.git', STAGED_SDK]);

async function copySources(from, to) {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    if (SKIP.has(entry.name) || entry.name.endsWith('.wasm')) continue;
    const src = join(from, entry.name);
    if (entry.isDirectory()) await copySources(src, join(to, entry.name));
    else if (/\.(m?js|json)$/.test(entry.name)) await cp(src, join(to, entry.name));
  }
}

/** Rewrites `from '@beep/connector-sdk'` in every staged .js file to the staged copy. */
async function rewriteSpecifiers(root, dir = root) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== STAGED_SDK) await rewriteSpecifiers(root, path);
      continue;
    }
    if (!/\.m?js$/.test(entry.name)) continue;
    const text = await readFile(path, 'utf8');
    let target = relative(dirname(path), join(root, STAGED_SDK, 'beep.js')).split(sep).join('/');
    if (!target.startsWith('.')) target = `./${target}`;
    const pattern = new RegExp(`(['"])${SDK_SPECIFIER.replace('/', '\\/')}\\1`, 'g');
    const rewritten = text.replace(pattern, `'${target}'`);
    if (rewritten !== text) await writeFile(path, rewritten);
  }
}

/**
 * @param {{source: string, out: string, world?: string, wit?: string, debug?: boolean}} opts
 * @returns {Promise<{bytes: number, millis: number}>}
 */
export async function build({ source, out, world = 'pos-connector', wit = DEFAULT_WIT, debug = false }) {
  if (!WORLDS.includes(world)) throw new Error(`world must be one of ${WORLDS.join(', ')}, not ${world}`);
  const started = Date.now();
  source = resolve(source instanceof URL ? fileURLToPath(source) : source);
  out = resolve(out instanceof URL ? fileURLToPath(out) : out);
  const stage = await mkdtemp(join(tmpdir(), 'beep-js-'));
  try {
    const projectDir = dirname(source);
    await copySources(projectDir, stage);
    await copySources(join(SDK_DIR, 'src'), join(stage, STAGED_SDK, 'src'));
    await cp(join(SDK_DIR, 'beep.js'), join(stage, STAGED_SDK, 'beep.js'));
    await rewriteSpecifiers(stage);
    const { component } = await componentize({
      sourcePath: join(stage, relative(projectDir, source)),
      witPath: resolve(wit),
      worldName: world,
      debugBuild: debug,
    });
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, component);
    return { bytes: component.length, millis: Date.now() - started };
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

function usage() {
  console.error('usage: node build.mjs <connector.js> -o <out.wasm> [--world pos-connector|erp-connector|psp-connector] [--wit DIR]');
  process.exit(2);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opts = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-o' || a === '--out') opts.out = args[++i];
    else if (a === '--world') opts.world = args[++i];
    else if (a === '--wit') opts.wit = args[++i];
    else if (a === '--debug') opts.debug = true;
    else if (a.startsWith('-')) usage();
    else opts.source = a;
  }
  if (!opts.source || !opts.out) usage();
  const { bytes, millis } = await build(opts);
  console.log(`${basename(opts.out)}: ${bytes} bytes in ${(millis / 1000).toFixed(1)} s`);
}
