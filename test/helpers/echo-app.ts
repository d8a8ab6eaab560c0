// The "echo app" image: the upstream of the proxy tests (test/fixtures/echo-server.cjs).
// No registry is reachable, so there is no node base image to start FROM: the image is
// FROM scratch plus the host's own node binary and every library `ldd` lists for it (at the
// same absolute paths, the dynamic loader included), plus the `ws` package and the server.
//
// node is ~100 MB, so it is not read into memory as an in-memory `files` entry: the binary and
// libraries are hard-linked (or copied, across filesystems) into a temporary context directory,
// which the build context streams file by file; only the small server script travels in memory.
// Each part gets its own COPY layer so that editing the server reuses the cached node layer.
// Nothing else is needed at runtime: the loader finds the libraries in its built-in default
// directories (no /etc/ld.so.cache), node's ICU and CA certificates are built in, and the engine
// provides /dev, /proc, /etc/hosts and /etc/resolv.conf. There is no /etc/passwd, so
// os.userInfo() throws; an empty /tmp is added so that os.tmpdir() exists.
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  chmodSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Harpoon, Labels } from 'harpoon';

export const ECHO_PORT = 8080;

const SERVER_SOURCE = fileURLToPath(new URL('../fixtures/echo-server.cjs', import.meta.url));

/** The Dockerfile lines; they COPY the context laid out by buildEchoApp. */
export function echoAppDockerfile(): string[] {
  return [
    'FROM scratch',
    'COPY node/ /', // /usr/bin/node and an empty /tmp
    'COPY libs/ /', // what ldd lists, at the same absolute paths
    'COPY ws/ /app/node_modules/ws/',
    'COPY echo-server.cjs /app/echo-server.cjs',
    `EXPOSE ${ECHO_PORT}`,
    'WORKDIR /app',
    'CMD ["/usr/bin/node", "/app/echo-server.cjs"]',
  ];
}

/**
 * The absolute paths of the shared libraries `ldd` lists for `binary`, the dynamic loader
 * included, linux-vdso (no file; the kernel maps it) excluded. Handles the three line forms:
 *   libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)
 *   /lib64/ld-linux-x86-64.so.2 (0x...)
 *   linux-vdso.so.1 (0x...)
 */
export function lddLibraries(binary: string): string[] {
  let out: string;
  try {
    out = execFileSync('ldd', [binary], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (e.code === 'ENOENT')
      throw new Error("ldd is not installed; the echo app image needs it to find node's libraries");
    const text = `${e.stdout ?? ''}${e.stderr ?? ''}`;
    // A static binary needs no libraries.
    if (/not a dynamic executable|statically linked/.test(text)) return [];
    throw new Error(`ldd ${binary} failed: ${text.trim() || e.message}`);
  }
  const libs = new Set<string>();
  for (const raw of out.split('\n')) {
    const line = raw.trim();
    if (!line || /statically linked/.test(line)) continue;
    const arrow = /^(\S+)\s+=>\s+(.*)$/.exec(line);
    const target = (arrow ? arrow[2]! : line).replace(/\s*\(0x[0-9a-f]+\)\s*$/i, '').trim();
    if (arrow && target === 'not found') throw new Error(`ldd ${binary}: ${arrow[1]} not found`);
    if (!target.startsWith('/')) continue; // linux-vdso.so.1, or "=>" with no file
    libs.add(target);
  }
  return [...libs].sort();
}

/** Place `source`'s content (symlinks followed) at `dest`: a hard link if possible, else a copy. */
function placeFile(source: string, dest: string): void {
  mkdirSync(dirname(dest), { recursive: true });
  const real = realpathSync(source);
  try {
    linkSync(real, dest);
  } catch {
    copyFileSync(real, dest);
  }
}

function chmodDirs(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    chmodSync(join(dir, entry.name), 0o755);
    chmodDirs(join(dir, entry.name));
  }
}

/** Build the echo app image. */
export async function buildEchoApp(
  client: Harpoon,
  options: { tag: string; labels?: Labels },
): Promise<{ imageId: string }> {
  const node = realpathSync(process.execPath);
  const wsDir = dirname(createRequire(import.meta.url).resolve('ws/package.json'));
  const stage = mkdtempSync(join(tmpdir(), 'harpoon-echo-app-'));
  try {
    placeFile(node, join(stage, 'node/usr/bin/node'));
    for (const lib of lddLibraries(node)) placeFile(lib, join(stage, 'libs', lib));
    cpSync(wsDir, join(stage, 'ws'), { recursive: true, dereference: true });
    // Directory entries carry their mode into the context; fix it so the build cache
    // does not depend on the umask. (Never chmod the files: they may be hard links.)
    chmodDirs(stage);
    // node itself runs without /tmp, but os.tmpdir() names it; give it one, as any image has.
    mkdirSync(join(stage, 'node/tmp'));
    chmodSync(join(stage, 'node/tmp'), 0o1777);
    const { imageId } = await client.build({
      directory: stage,
      dockerfile: echoAppDockerfile(),
      files: { 'echo-server.cjs': { content: readFileSync(SERVER_SOURCE), mode: 0o644 } },
      tags: options.tag,
      ...(options.labels ? { labels: options.labels } : {}),
    });
    return { imageId };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
