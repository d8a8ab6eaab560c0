// A dock named as a command's argument (transfer-image IMAGE DOCK): its docker context looked up
// where the docker CLI keeps it, then a connection to its engine, with errors that name the dock
// (the generic "cannot reach an engine" advice is about the local engine, not a dock).
import { EngineUnreachableError, Harpoon, HarpoonError } from '../../index.ts';
import { systemResolveEnvFor } from '../../core/endpoint.ts';
import { DEFAULT_CONTEXT, DockError, dockerConfigDir, getDock, maskUrl } from './store.ts';

type Env = Record<string, string | undefined>;

export interface NamedDock {
  name: string;
  /** The engine URL (password masked), for messages. */
  url: string;
}

/** The dock's engine did not answer. Exit 125, as the docker CLI for an engine it cannot reach. */
export class DockUnreachableError extends HarpoonError {
  readonly dock: string;
  constructor(dock: NamedDock, cause: unknown) {
    const why =
      cause instanceof EngineUnreachableError && cause.cause instanceof Error
        ? cause.cause.message
        : (cause as Error).message;
    super(
      'ENGINE_UNREACHABLE',
      `Dock "${dock.name}" (${dock.url}) does not answer: ${why}. Check it with \`harpoon dock ls\`.`,
      { cause },
    );
    this.dock = dock.name;
  }
}

/** The dock of that name; DockError (exit 1, as `docker --context NAME` for a missing context) when there is none. */
export function findDock(name: string, env: Env = process.env): NamedDock {
  if (name === DEFAULT_CONTEXT) return { name, url: env.DOCKER_HOST || 'unix:///var/run/docker.sock' };
  const dock = getDock(dockerConfigDir(env), name);
  if (!dock)
    throw new DockError(
      `dock "${name}" does not exist (no docker context of that name); list them with \`harpoon dock ls\`, add one with \`harpoon dock add ${name} URL\``,
    );
  if (dock.error) throw new DockError(`dock "${name}" cannot be used: ${dock.error}`);
  return { name: dock.name, url: maskUrl(dock.url) };
}

/** Connect to the dock's engine through its context, whatever DOCKER_HOST says. */
export async function connectDock(dock: NamedDock, env: Env = process.env): Promise<Harpoon> {
  try {
    return await Harpoon.connect({ context: dock.name, resolveEnv: systemResolveEnvFor(env) });
  } catch (err) {
    if (err instanceof EngineUnreachableError) throw new DockUnreachableError(dock, err);
    throw err;
  }
}
