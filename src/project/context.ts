// What the project config's variables stand for, read from this process: the login name (the
// default tag and {user}), the home folder, and the environment for $VAR.
import { homedir, userInfo } from 'node:os';
import type { ProjectContext } from './model.ts';

export function projectContext(env: NodeJS.ProcessEnv = process.env): ProjectContext {
  // Python's getpass.getuser(), which dockerutils used: LOGNAME, USER, LNAME, USERNAME, then the password database.
  const user = env.LOGNAME || env.USER || env.LNAME || env.USERNAME || userInfo().username;
  return { user, home: env.HOME || homedir(), env };
}
