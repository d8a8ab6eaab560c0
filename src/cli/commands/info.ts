// harpoon info [--json]: where the engine is, why that one, and what it is.
import type { GlobalFlags } from '../connect.ts';
import { connect } from '../connect.ts';

export async function info(flags: GlobalFlags & { json?: boolean }): Promise<number> {
  const client = await connect(flags);
  const engine = await client.info();
  if (flags.json) {
    const out = {
      endpoint: client.endpoint.url,
      source: client.endpoint.source,
      apiVersion: client.apiVersion,
      info: engine,
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  }
  const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
  const rows: Array<[string, string | number]> = [
    ['Endpoint', client.describe()],
    ['Server Version', engine.ServerVersion],
    ['Operating System', engine.OperatingSystem],
    ['OS/Arch', `${engine.OSType}/${engine.Architecture}`],
    ['Kernel Version', engine.KernelVersion],
    ['CPUs', engine.NCPU],
    ['Total Memory', gib(engine.MemTotal)],
    ['Storage Driver', engine.Driver],
    ['Docker Root Dir', engine.DockerRootDir],
    [
      'Containers',
      `${engine.Containers} (running ${engine.ContainersRunning}, paused ${engine.ContainersPaused}, stopped ${engine.ContainersStopped})`,
    ],
    ['Images', engine.Images],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [key, value] of rows) process.stdout.write(`${key.padEnd(width)}  ${value}\n`);
  return 0;
}
