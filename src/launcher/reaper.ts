// The crash reaper (the idea of testcontainers' Ryuk, without an image to pull): a small
// detached process that holds a pipe from the launching process. When that process ends by
// any means, SIGKILL included, the OS closes the pipe, and the reaper removes every container
// carrying this session's label, then exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Endpoint } from '../core/endpoint.ts';
import { HarpoonError } from '../core/errors.ts';

/** What the reaper process needs to reach the same engine. */
export interface ReaperConfig {
  sessionId: string;
  host: string;
  tls?: { ca?: string; cert?: string; key?: string; verify: boolean };
}

export function reaperConfig(sessionId: string, endpoint: Endpoint): ReaperConfig {
  const config: ReaperConfig = { sessionId, host: endpoint.url };
  if (endpoint.kind === 'tcp' && endpoint.tls) {
    const { ca, cert, key, verify } = endpoint.tls;
    config.tls = {
      verify,
      ...(ca ? { ca: ca.toString('base64') } : {}),
      ...(cert ? { cert: cert.toString('base64') } : {}),
      ...(key ? { key: key.toString('base64') } : {}),
    };
  }
  return config;
}

const READY_TIMEOUT_MS = 15_000;

export class SessionReaper {
  readonly sessionId = randomUUID();
  readonly #endpoint: Endpoint;
  #child: ChildProcess | undefined;
  #started: Promise<void> | undefined;

  constructor(endpoint: Endpoint) {
    this.#endpoint = endpoint;
  }

  /** Start the reaper once; resolves when it is watching (so nothing launched after is missed). */
  start(): Promise<void> {
    this.#started ??= this.#spawn();
    return this.#started;
  }

  async #spawn(): Promise<void> {
    // From the package (dist/*.js) the reaper is plain JavaScript; from this repository's
    // sources (run through tsx) it is TypeScript and needs tsx too.
    const fromSource = import.meta.url.endsWith('.ts');
    const script = fileURLToPath(new URL(fromSource ? './reaper-process.ts' : './reaper-process.js', import.meta.url));
    const child = spawn(process.execPath, [...(fromSource ? ['--import', import.meta.resolve('tsx')] : []), script], {
      // Its own process group: a ctrl-C meant for the launcher must not take the reaper with it.
      detached: true,
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, HARPOON_REAPER: JSON.stringify(reaperConfig(this.sessionId, this.#endpoint)) },
    });
    this.#child = child;
    const stdout = child.stdout as NonNullable<typeof child.stdout>;
    let answer = '';
    const timer = setTimeout(() => child.kill(), READY_TIMEOUT_MS);
    try {
      for await (const chunk of stdout) {
        answer += String(chunk);
        if (answer.includes('\n')) break;
      }
    } finally {
      clearTimeout(timer);
    }
    if (!answer.startsWith('ready')) {
      throw new HarpoonError(
        'ENGINE_ERROR',
        `The crash reaper did not start${answer ? `: ${answer.trim()}` : ''}. Launch with reap: false to go without it.`,
      );
    }
    stdout.destroy();
    // Neither the child nor the pipe may keep this process alive; the pipe closes when it ends.
    child.unref();
    (child.stdin as unknown as { unref(): void }).unref();
  }

  /** Remove this session's containers now and stop the reaper; waits for it to finish. */
  async close(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await this.#started?.catch(() => {});
    const exited = once(child, 'exit');
    // Hold this process open until the reaper is done (both were unref'd at start).
    child.ref();
    child.stdin?.end();
    await exited;
  }
}
