// Where the docker CLI keeps its config, contexts and certificates, in one place: registry auth,
// endpoint/context resolution and the docks store all read that folder, and must agree on it.
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The docker config directory: $DOCKER_CONFIG, else <home>/.docker (home: $HOME, else the OS's). */
export function dockerConfigDir(
  env: Readonly<Record<string, string | undefined>> = process.env,
  home: string = env.HOME || homedir(),
): string {
  return env.DOCKER_CONFIG || join(home, '.docker');
}
