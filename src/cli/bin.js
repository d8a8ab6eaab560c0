#!/usr/bin/env node
// The `harpoon` executable. harpoon is written in TypeScript and run from source; loading it
// through tsx costs about 0.4 s on every command. So the CLI is bundled with esbuild into
// node_modules/.cache/harpoon/<stamp>/ (the stamp is the newest modification time under src/
// and of package.json, so an edit makes a new bundle), split per command so that a command
// loads only what it uses, dependencies included. Any trouble with the bundle, or HARPOON_NO_BUNDLE=1, falls back to
// tsx, which always works.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SRC = join(ROOT, 'src');
const CACHE = join(ROOT, 'node_modules', '.cache', 'harpoon');

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  // Fast path: the version needs neither TypeScript nor the engine client.
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  process.stdout.write(`${version}\n`);
} else {
  const bundle = process.env.HARPOON_NO_BUNDLE === '1' ? undefined : await freshBundle().catch(() => undefined);
  if (bundle) {
    await import(pathToFileURL(bundle).href);
  } else {
    const { register } = await import('tsx/esm/api');
    register();
    await import('./main.ts');
  }
}

/** The newest modification time under src/ (and of package.json): what the bundle must be newer than. */
function newestSource() {
  let newest = statSync(join(ROOT, 'package.json')).mtimeMs;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') || entry.name.endsWith('.js')) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  walk(SRC);
  return newest;
}

async function freshBundle() {
  const stamp = Math.floor(newestSource()).toString(36);
  const dir = join(CACHE, stamp);
  const entry = join(dir, 'main.js');
  if (existsSync(entry)) return entry;
  const { build } = await import('esbuild');
  // Each file's own import.meta.url, not the bundle's: main.ts finds package.json, the
  // launcher its reaper script, the transport its require() from where they are written.
  const keepFileUrls = {
    name: 'harpoon-file-urls',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (file) => ({
        contents: readFileSync(file.path, 'utf8').replaceAll('import.meta.url', JSON.stringify(pathToFileURL(file.path).href)),
        loader: 'ts',
      }));
    },
  };
  // dockerode's BuildKit session and progress decoding pull in gRPC and protobufjs (1.4 MB, a
  // third of the start-up); harpoon builds through its own transport and never calls them.
  const withoutBuildKitSession = {
    name: 'harpoon-no-buildkit-session',
    setup(b) {
      b.onResolve({ filter: /^\.\/(session|buildkit)$/ }, (args) =>
        /[\\/]dockerode[\\/]lib$/.test(args.resolveDir) ? { path: args.path, namespace: 'harpoon-unused' } : undefined,
      );
      b.onLoad({ filter: /.*/, namespace: 'harpoon-unused' }, (args) => ({
        // session: a function; buildkit: an object with followProgress. Both refuse if called.
        contents: `const unused = () => { throw new Error('dockerode${args.path.slice(1)} is left out of the harpoon CLI bundle (HARPOON_NO_BUNDLE=1 has it)'); };
module.exports = Object.assign(unused, { followProgress: unused, decodeBuildKitStatus: unused });`,
        loader: 'js',
      }));
    },
  };
  mkdirSync(CACHE, { recursive: true });
  // Built aside, then renamed: concurrent harpoon commands never load half a bundle.
  const partial = `${dir}.${process.pid}.partial`;
  await build({
    entryPoints: [join(SRC, 'cli', 'main.ts')],
    outdir: partial,
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Dependencies are bundled too (their many small files cost ~60 ms to resolve and read),
    // except native addons and the build tools themselves, which load from node_modules.
    external: ['node-pty', 'ssh2', 'cpu-features', 'esbuild', 'tsx', 'tsx/*'],
    // CommonJS dependencies require() Node's modules; an ES module has no require of its own.
    banner: { js: "import { createRequire as __harpoonRequire } from 'node:module'; const require = __harpoonRequire(import.meta.url);" },
    logLevel: 'silent',
    plugins: [keepFileUrls, withoutBuildKitSession],
  });
  try {
    renameSync(partial, dir);
  } catch {
    // Another harpoon command finished the same bundle first: use that one.
    rmSync(partial, { recursive: true, force: true });
  }
  // Bundles of older sources, once no command can still be loading chunks from them.
  for (const old of readdirSync(CACHE)) {
    const path = join(CACHE, old);
    if (old !== stamp && Date.now() - statSync(path).mtimeMs > 3_600_000) rmSync(path, { recursive: true, force: true });
  }
  return entry;
}
