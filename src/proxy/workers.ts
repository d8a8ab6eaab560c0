// Several proxy processes on one port, as nginx's workers: node:cluster forks the running
// program again, each worker serves with a route table of its own fed by the engine's events,
// and they share the listening socket. The kernel hands each connection to whichever worker
// accepts first (SCHED_NONE): no hop through the primary, which only supervises: it waits for
// every worker to listen, replaces one that dies, and stops them all on request.
import cluster, { type Worker } from 'node:cluster';
import type { RunningProxy } from './server.ts';

export interface WorkerPool {
  /** The shared port and URL, once every worker listens. */
  port: number;
  url: string;
  /** Ask every worker to close gracefully, and wait for them (kill after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

type Message = { type: 'harpoon-proxy-listening'; port: number; url: string } | { type: 'harpoon-proxy-stop' };

/** Whether this process is a worker of a pool (it must then call reportListening). */
export function isProxyWorker(): boolean {
  return cluster.isWorker;
}

/** In a worker: tell the primary this worker listens; and close it when the primary says stop. */
export function reportListening(running: RunningProxy, onStop: () => void): void {
  process.send?.({ type: 'harpoon-proxy-listening', port: running.port, url: running.url } satisfies Message);
  process.on('message', (message: Message) => {
    if (message?.type === 'harpoon-proxy-stop') onStop();
  });
  // The primary gone (killed): do not outlive it.
  cluster.worker?.on('disconnect', onStop);
}

/**
 * In a worker, once it has closed: leave the pool. (A bare process.disconnect() would make
 * node:cluster exit the worker at once, before pending close events, such as a cut
 * WebSocket's access line, have run.)
 */
export function leavePool(): void {
  if (cluster.worker?.isConnected()) cluster.worker.disconnect();
}

/**
 * In the primary: fork `count` copies of this program (same argv, plus `env`) and resolve
 * once each says it listens; reject if one exits first (its own error is on the shared stderr).
 * A worker that dies later is replaced (at most once a second).
 */
export async function startWorkerPool(count: number, env: NodeJS.ProcessEnv = {}): Promise<WorkerPool> {
  if (!cluster.isPrimary) throw new Error('startWorkerPool runs in the primary process only');
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  let stopping = false;
  let lastRespawn = 0;
  const workers = new Set<Worker>();

  const fork = (): Promise<{ port: number; url: string }> =>
    new Promise((resolve, reject) => {
      const worker = cluster.fork(env);
      workers.add(worker);
      let listening = false;
      worker.on('message', (message: Message) => {
        if (message?.type === 'harpoon-proxy-listening' && !listening) {
          listening = true;
          resolve({ port: message.port, url: message.url });
        }
      });
      worker.once('exit', (code, signal) => {
        workers.delete(worker);
        if (!listening)
          return reject(new Error(`a proxy worker exited before it listened (${signal ?? `code ${code}`})`));
        if (stopping) return;
        // Replace it, but do not spin if workers die as fast as they start.
        const wait = Math.max(0, 1_000 - (Date.now() - lastRespawn));
        setTimeout(() => {
          lastRespawn = Date.now();
          if (!stopping) fork().catch(() => {});
        }, wait).unref();
      });
    });

  const stop = async (graceMs = 5_000): Promise<void> => {
    stopping = true;
    const all = [...workers];
    await Promise.all(
      all.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            const kill = setTimeout(() => worker.process.kill('SIGKILL'), graceMs);
            worker.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            worker.send({ type: 'harpoon-proxy-stop' } satisfies Message, (err: Error | null) => {
              if (err) worker.process.kill('SIGTERM');
            });
          }),
      ),
    );
  };

  try {
    const first = await fork();
    // The others after the first: it picked the port (with --port 0), and they share it.
    await Promise.all(Array.from({ length: count - 1 }, () => fork()));
    return { port: first.port, url: first.url, stop };
  } catch (err) {
    await stop(1_000);
    throw err;
  }
}
