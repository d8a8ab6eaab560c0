// The reaper process (started by SessionReaper): says "ready", then waits for its stdin to
// close (the launching process ended, or closed the launcher) and removes the session's
// containers by label.
import { setTimeout as sleep } from 'node:timers/promises';
import { Engine } from '../core/engine.ts';
import type { ReaperConfig } from './reaper.ts';
import { SESSION_LABEL } from './labels.ts';

const config = JSON.parse(process.env.HARPOON_REAPER ?? '{}') as ReaperConfig;
const tls = config.tls && {
  verify: config.tls.verify,
  ...(config.tls.ca ? { ca: Buffer.from(config.tls.ca, 'base64') } : {}),
  ...(config.tls.cert ? { cert: Buffer.from(config.tls.cert, 'base64') } : {}),
  ...(config.tls.key ? { key: Buffer.from(config.tls.key, 'base64') } : {}),
};

async function reap(engine: Engine): Promise<void> {
  const filters = JSON.stringify({ label: [`${SESSION_LABEL}=${config.sessionId}`] });
  // A few tries: the engine may be busy, or a launch may still be creating its container.
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const found = await engine.docker.listContainers({ all: true, filters });
      await Promise.all(
        found.map((c) =>
          engine.docker
            .getContainer(c.Id)
            .remove({ force: true, v: true })
            .catch(() => {}),
        ),
      );
      if (found.length === 0 && attempt > 0) return;
    } catch {
      // engine unreachable for a moment: try again
    }
    await sleep(attempt === 0 ? 200 : 1_000);
  }
}

if (!config.sessionId || !config.host) {
  process.stdout.write('error: HARPOON_REAPER is not set\n');
  process.exit(2);
}
// Terminal signals go to the launching process's group, not here; stay until the pipe closes.
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});

let engine: Engine;
try {
  engine = await Engine.connect({ host: config.host, ...(tls ? { tls } : {}) });
} catch (err) {
  process.stdout.write(`error: ${(err as Error).message.split('\n')[0]}\n`);
  process.exit(1);
}
process.stdin.on('data', () => {});
process.stdin.on('close', async () => {
  await reap(engine);
  process.exit(0);
});
process.stdout.write('ready\n');
