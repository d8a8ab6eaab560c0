// execute: a command in one of four places.
//   in_running   an exec in the running container
//   temporary    a new container of the container's image and creation options (no ports), removed after
//   file_system  a helper container (image:, default the container's image) mounting the container's volumes
//   host         this machine, in the config directory; in a pseudoterminal when interactive
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { OrderFailure } from '../apply/failure.ts';
import { containerOptions } from '../apply/container-options.ts';
import { configHash } from '../apply/hash.ts';
import { containerState } from '../apply/state.ts';
import { unitLabels } from '../apply/container-options.ts';
import { LocalTerminal } from '../../core/container/terminal.ts';
import { containerOf, type OrderContext, type OrderOutcome } from './context.ts';

export async function executeOrder(ctx: OrderContext): Promise<OrderOutcome> {
  const args = ctx.order.args;
  const run = args.run;
  if (!run?.length) throw new OrderFailure('execute needs `run`: the command to run');
  const type = args.type ?? (ctx.order.container === undefined ? 'host' : undefined);
  switch (type) {
    case 'host':
      return executeOnHost(ctx, run);
    case 'in_running':
      return executeInRunning(ctx, run);
    case 'temporary':
    case 'file_system':
      return executeInHelper(ctx, run, type);
    default:
      throw new OrderFailure('execute needs `type`: in_running, temporary, file_system or host');
  }
}

function emitLines(ctx: OrderContext, text: string): void {
  for (const line of text.split('\n')) if (line !== '') ctx.emit({ type: 'output', text: line });
}

function exitOutcome(code: number, where: string): OrderOutcome {
  if (code !== 0) throw new OrderFailure(`the command exited with ${code} (${where})`);
  return `ran ${where}, exit 0`;
}

async function executeInRunning(ctx: OrderContext, run: string[]): Promise<OrderOutcome> {
  const spec = containerOf(ctx);
  const state = await containerState(ctx.client, spec);
  if (state.status !== 'present' || !state.running) {
    throw new OrderFailure(
      `${spec.engineName} is not running (${state.status === 'present' ? state.state : state.status}); start it first or use type temporary`,
    );
  }
  const result = await ctx.client.container(state.id).exec(run, {
    signal: ctx.signal,
    ...(ctx.order.args.env ? { env: ctx.order.args.env } : {}),
    ...(ctx.order.args.workingDir ? { workingDir: ctx.order.args.workingDir } : {}),
  });
  emitLines(ctx, result.stdout);
  emitLines(ctx, result.stderr);
  return exitOutcome(result.exitCode, `in ${spec.engineName}`);
}

async function executeInHelper(
  ctx: OrderContext,
  run: string[],
  type: 'temporary' | 'file_system',
): Promise<OrderOutcome> {
  const spec = containerOf(ctx);
  const args = ctx.order.args;
  const name = `${spec.engineName}-${type === 'temporary' ? 'run' : 'fs'}-${randomBytes(3).toString('hex')}`;
  const base =
    type === 'temporary'
      ? // The container's own configuration, minus what would clash with it: name, ports, restart.
        (() => {
          const options = containerOptions(ctx.unit, spec, configHash(ctx.unit, spec), name);
          const { PortBindings: _ports, RestartPolicy: _restart, ...hostConfig } = options.hostConfig ?? {};
          return { ...options, hostConfig, labels: unitLabels(spec.unit) };
        })()
      : {
          image: args.image ?? spec.creation.image,
          name,
          labels: unitLabels(spec.unit),
          hostConfig: { VolumesFrom: [spec.engineName] },
        };
  const interactive = Boolean(args.interactive) && ctx.interactive;
  const result = await ctx.client.run({
    ...base,
    cmd: run,
    env: { ...(type === 'temporary' ? spec.creation.env : {}), ...args.env },
    ...(args.workingDir ? { workingDir: args.workingDir } : {}),
    signal: ctx.signal,
    reject: false,
    ...(interactive ? { tty: true, stdin: 'inherit' as const, stdout: 'inherit' as const, terminal: true } : {}),
  });
  if (!interactive) {
    emitLines(ctx, result.stdout);
    emitLines(ctx, result.stderr);
  }
  return exitOutcome(
    result.exitCode,
    `in a ${type === 'temporary' ? 'temporary container' : 'helper container'} of ${base.image}`,
  );
}

async function executeOnHost(ctx: OrderContext, run: string[]): Promise<OrderOutcome> {
  const args = ctx.order.args;
  const cwd = args.workingDir ?? ctx.confDir;
  const env = { ...process.env, ...args.env } as Record<string, string>;
  const [file, ...rest] = run as [string, ...string[]];
  if (args.interactive && ctx.interactive) return executeInPty(ctx, file, rest, cwd, env);
  const child = spawn(file, rest, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], signal: ctx.signal });
  let pending = '';
  const relay = (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) ctx.emit({ type: 'output', text: line });
  };
  child.stdout.on('data', relay);
  child.stderr.on('data', relay);
  const code = await new Promise<number>((resolve, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'ENOENT' ? new OrderFailure(`${file}: command not found on this machine`) : err),
    );
    child.once('close', (status, signal) => resolve(status ?? (signal ? 128 : 1)));
  });
  if (pending) ctx.emit({ type: 'output', text: pending });
  return exitOutcome(code, 'on this machine');
}

/** A real pseudoterminal on this machine: programs that check isatty (shells, editors, sudo) behave as typed. */
async function executeInPty(
  ctx: OrderContext,
  file: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<OrderOutcome> {
  // node-pty is an optional dependency (a native addon built at install): say what to do without it.
  const pty = await import('node-pty').catch((err: Error) => {
    throw new OrderFailure(
      `an interactive host execute needs node-pty, which is not installed or not built here (${err.message.split('\n')[0]}): npm install node-pty (it compiles with python3, make and a C++ compiler)`,
    );
  });
  // The core's terminal handling, as for `harpoon run -it`: raw mode restored on every way out.
  const terminal = new LocalTerminal(process.stdin, process.stdout);
  const size = terminal.size() ?? { cols: 80, rows: 24 };
  const term = pty.spawn(file, args, { name: process.env.TERM ?? 'xterm', cols: size.cols, rows: size.rows, cwd, env });
  const input = (data: Buffer) => term.write(data.toString('utf8'));
  const stopResizing = terminal.onResize((next) => term.resize(next.cols, next.rows));
  terminal.enterRaw();
  process.stdin.on('data', input).resume();
  term.onData((data) => process.stdout.write(data));
  const onAbort = () => term.kill();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const code = await new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
    return exitOutcome(code, 'on this machine');
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    process.stdin.off('data', input).pause();
    stopResizing();
    terminal.restore();
  }
}
