// harpoon run-image NAME: dockerutils' run-image over the Engine API. NAME is an image of the
// project around the current folder (an image folder, a synthetic or a configuration-only image
// of docker/dockerutils.cfg); its volumes, ports, env, network, cmd, args and interactive
// settings make the container (their `_docked` variants when the engine in use is a dock).
// By default the container runs attached, in a PTY when this is a terminal (docker run
// --init --rm -it), and is removed when it ends; -k keeps it and runs it detached.
// Exit code: the container's; 125 for a harpoon or engine error; 126/127 when the command cannot
// run / is not found; 128+n when this process is stopped by signal n.
import { AbortedError, NameConflictError, type Harpoon } from '../../index.ts';
import { connect, type GlobalFlags } from '../connect.ts';
import { docking } from '../docked.ts';
import { engineChoice } from '../engine-choice.ts';
import { dockerRun, formatCommand } from '../../project/print-command.ts';
import { projectContext } from '../../project/context.ts';
import { loadProject, ProjectImageError, runSettings } from '../../project/model.ts';
import { runPlanFor, type RunPlan } from '../../project/run-plan.ts';
import { StopSignals } from '../stop-signals.ts';

export interface RunImageFlags extends GlobalFlags {
  args?: string;
  keep?: boolean;
  command?: string;
  network?: string;
  gpu?: boolean;
  env: string[];
  name?: string;
  /** Print the equivalent docker run line on stdout and do nothing else. */
  printCommand?: boolean;
}

/** How many other names (NAME_2, NAME_3, ...) to try when the default name is taken. */
const NAME_TRIES = 5;

export async function runImage(
  name: string,
  flags: RunImageFlags,
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): Promise<number> {
  const ctx = projectContext(env);
  const { project, config, catalogue } = await loadProject(cwd, ctx);
  const image = catalogue.images.get(name);
  if (!image) throw new ProjectImageError(name, 'the project has no such image', [...catalogue.images.keys()]);
  const dock = docking(flags, env);
  const settings = runSettings(config, name, ctx, { docked: dock.docked });
  const plan = runPlanFor(settings, image, flags, { env, root: project.root, user: ctx.user, now: new Date() });

  if (flags.printCommand) {
    const engine = engineChoice(flags);
    process.stdout.write(`${formatCommand(dockerRun({ ...plan.command, ...(engine ? { engine } : {}) }))}\n`);
    if (dock.docked) process.stderr.write(`# docked (${dock.reason}): the _docked settings of ${config.file} apply\n`);
    return 0;
  }

  const client = await connect(flags);
  return plan.detach ? runDetached(client, plan) : runAttached(client, plan);
}

/** Tries the plan's name, then NAME_2, NAME_3, ... when a default name is taken. */
async function withFreeName<T>(plan: RunPlan, fn: (name: string) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const name = attempt === 1 ? plan.name : `${plan.name}_${attempt}`;
    try {
      return await fn(name);
    } catch (err) {
      if (!(err instanceof NameConflictError) || !plan.defaultName || attempt >= NAME_TRIES) throw err;
    }
  }
}

/** -k (or interactive = -d): create, start, print the id; the container runs on. */
async function runDetached(client: Harpoon, plan: RunPlan): Promise<number> {
  const container = await withFreeName(plan, (name) =>
    // As docker run -dit: stdin stays open for whoever attaches later, and after they leave.
    client.startContainer({
      ...plan.request,
      name,
      stdinOnce: false,
      hostConfig: { ...plan.request.hostConfig, AutoRemove: plan.remove },
    }),
  );
  process.stdout.write(`${container.id}\n`);
  const name = container.name ?? container.id.slice(0, 12);
  process.stderr.write(
    plan.remove
      ? `Started ${name} in the background; it is removed when it ends.\n`
      : `Started ${name} in the background and kept: docker attach ${name} / docker exec -it ${name} sh; remove it with docker rm -f ${name}.\n`,
  );
  return 0;
}

/**
 * Attached, as `harpoon run` runs: with a TTY (raw mode, size followed, ctrl-p ctrl-q detaches)
 * when one is configured and this process's stdin is a terminal. Without a terminal a
 * configured -t is dropped (as `docker compose run` does) so that run-image works in scripts.
 */
async function runAttached(client: Harpoon, plan: RunPlan): Promise<number> {
  const terminal = plan.tty && Boolean(process.stdin.isTTY);
  const stop = new StopSignals();
  try {
    const result = await withFreeName(plan, (name) =>
      client.run({
        ...plan.request,
        name,
        tty: terminal,
        remove: plan.remove,
        ...(plan.stdin ? { stdin: 'inherit' as const } : {}),
        stdout: 'inherit',
        stderr: 'inherit',
        ...(terminal ? { terminal: true } : {}),
        reject: false,
        signal: stop.signal,
      }),
    );
    if (result.detached)
      process.stderr.write(`\r\nDetached: container ${result.containerId.slice(0, 12)} is still running.\r\n`);
    return result.exitCode;
  } catch (err) {
    if (err instanceof AbortedError && stop.exitCode !== undefined) return stop.exitCode;
    throw err;
  } finally {
    stop.dispose();
  }
}
