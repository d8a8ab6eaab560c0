// harpoon's command line. Each command lives in commands/; this file only wires flags to them.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { build } from './commands/build.ts';
import { info } from './commands/info.ts';
import { launch } from './commands/launch.ts';
import { launched } from './commands/launched.ts';
import { purge } from './commands/purge.ts';
import { proxy, PROXY_HELP } from './commands/proxy.ts';
import { ping } from './commands/ping.ts';
import { run } from './commands/run.ts';
import { EXIT_ENGINE, reportError } from './exit.ts';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
const collect = (value: string, previous: string[]) => [...previous, value];

export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  let current = '';
  const action =
    <A extends unknown[]>(name: string, fn: (...args: A) => Promise<number>) =>
    async (...args: A) => {
      current = name;
      exitCode = await fn(...args);
    };
  const globals = (cmd: Command) => cmd.optsWithGlobals() as { host?: string; context?: string };

  const program = new Command('harpoon')
    .description('A typed Docker client: build from in-memory lines, run with a PTY, always clean up.')
    .version(version, '-v, --version')
    .option('-H, --host <url>', 'engine to connect to (unix://, tcp://, ssh://); overrides DOCKER_HOST')
    .option('-c, --context <name>', 'docker context to use; overrides DOCKER_CONTEXT')
    .enablePositionalOptions()
    .exitOverride()
    .showHelpAfterError(false)
    .addHelpText('after', '\nEngine selection, as the docker CLI: --host, --context, DOCKER_HOST, DOCKER_CONTEXT, ~/.docker/config.json, /var/run/docker.sock.');

  program
    .command('info')
    .description('show the engine harpoon connects to, why that one, and what it runs')
    .option('--json', 'print JSON (endpoint, source, apiVersion, info)')
    .action(function (this: Command, opts) {
      return action('info', info)({ ...globals(this), ...opts });
    });

  program
    .command('build')
    .description('build an image from a context directory and/or Dockerfile lines (-f - reads them from stdin)')
    .argument('[context]', 'context directory (omit with -f - for a build from lines only)')
    .option('-t, --tag <name:tag>', 'name and tag (repeatable)', collect, [])
    .option('-f, --file <path|->', 'Dockerfile path, or - for lines on stdin')
    .option('--build-arg <K=V>', 'build-time variable (repeatable)', collect, [])
    .option('--label <K=V>', 'image label (repeatable)', collect, [])
    .option('--target <stage>', 'build up to this stage')
    .option('--no-cache', 'do not use the build cache')
    .option('--pull', 'always try to pull a newer base image')
    .option('-q, --quiet', 'print only the image id')
    .option('--json', 'progress as JSON lines on stderr, the result as JSON on stdout')
    .action(function (this: Command, context: string | undefined, opts) {
      // commander turns --no-cache into cache:false.
      return action('build', build)(context, { ...globals(this), ...opts, noCache: opts.cache === false });
    });

  program
    .command('run')
    .description('run a command in a new container (docker run semantics; exit code = the container\'s)')
    .argument('<image>')
    .argument('[command...]')
    .option('-i, --interactive', 'keep stdin open and attached')
    .option('-t, --tty', 'allocate a pseudo-TTY')
    .option('--rm', 'remove the container when it exits (and on every other way out)')
    .option('-d, --detach', 'run in the background and print the container id')
    .option('--name <name>', 'container name')
    .option('-e, --env <K=V>', 'environment variable; a bare K passes this shell\'s value (repeatable)', collect, [])
    .option('-l, --label <K=V>', 'container label (repeatable)', collect, [])
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .option('-u, --user <user>', 'user[:group] to run as')
    .option('--entrypoint <cmd>', 'override the image\'s entrypoint')
    .option('--detach-keys <keys>', 'keys that detach from a TTY run (default ctrl-p,ctrl-q)')
    .passThroughOptions()
    .action(function (this: Command, image: string, command: string[], opts) {
      return action('run', run)(image, command, { ...globals(this), ...opts });
    });

  program
    .command('launch')
    .description('start a web app container from IMAGE, deliver its JSON input, wait until ready, print its URL')
    .argument('<image>')
    .option('--name <name>', 'container name (default harpoon-<random>)')
    .option('--port <port>', 'port the app listens on inside the container', '80')
    .option('--input <file|->', 'JSON input, from a file or - for stdin (delivered byte for byte)')
    .option('--input-mode <mode>', 'how the input reaches the app: file, env (INPUT_JSON) or url (INPUT_JSON_URL)', 'file')
    .option('--input-path <path>', 'with --input-mode file: where the JSON lands (default /tmp/input.json)')
    .option('--input-url <url>', 'with --input-mode url: the URL the app fetches its input from')
    .option('--file <src[:dest]>', 'copy a host file in before start (dest absolute, or under /tmp/input-files) (repeatable)', collect, [])
    .option('--wait <check>', 'readiness: http:/PATH, log:REGEX, port, port:N, healthy (repeatable: all must pass; default any HTTP answer on /)', collect, [])
    .option('--timeout <seconds>', 'readiness deadline (default 60)')
    .option('--mem <MB>', 'memory reservation (what purge --budget sums)')
    .option('--mem-limit <MB>', 'hard memory limit')
    .option('--cpus <n>', 'CPU limit')
    .option('-e, --env <K=V>', 'environment variable (repeatable)', collect, [])
    .option('-l, --label <K=V>', 'container label (repeatable)', collect, [])
    .option('--keep-on-failure', 'keep a container that never became ready, for inspection')
    .option('--json', 'print the launched container as JSON')
    .action(function (this: Command, image: string, opts) {
      return action('launch', launch)(image, { ...globals(this), ...opts });
    });

  program
    .command('launched')
    .description('list the containers the launcher manages, with URL, state and last activity')
    .option('-l, --label <K=V>', 'only those with this label (repeatable)', collect, [])
    .option('--json', 'print JSON')
    .action(function (this: Command, opts) {
      return action('launched', launched)({ ...globals(this), ...opts });
    });

  program
    .command('purge')
    .description('remove launched containers (never any other): by label, inactivity, memory budget, or all')
    .option('-l, --label <K=V>', 'those with this label (repeatable: all must match)', collect, [])
    .option('--inactive <seconds>', 'those with no activity for this long')
    .option('--budget <MB>', 'least recently used first, until memory reservations fit in MB')
    .option('--all', 'every launched container')
    .option('--json', 'print {"removed": [names]}')
    .action(function (this: Command, opts) {
      return action('purge', purge)({ ...globals(this), ...opts });
    });

  program
    .command('proxy')
    .description('serve launched containers over HTTP and WebSocket: /docker/<name>/ and/or <name>.docker.localhost, until SIGINT/SIGTERM')
    .option('--port <port>', 'port to listen on (default 8000; 0 picks a free one)')
    .option('--host <addr>', 'address to listen on (default 127.0.0.1: this machine only)')
    .option('--prefix <path>', 'path routing under this prefix (default /docker)')
    .option('--no-path', 'no path routing (host routing only: needs --host-suffix)')
    .option('--no-strip-prefix', 'send the whole path upstream, /docker/<name> included')
    .option('--host-suffix <suffix>', 'host routing: <name><suffix>, e.g. .docker.localhost')
    .option('-l, --label <K=V>', 'serve only launched containers that also carry this label (repeatable: all must match)', collect, [])
    .option('--trust-proxy', 'keep clients\' X-Forwarded-* (only behind a front proxy you run)')
    .option('--timeout <seconds>', 'give up on a silent container after this long (default 60)')
    .option('--admin', `the admin endpoint (route table as JSON) at /_harpoon/routes; token from $HARPOON_PROXY_TOKEN or --admin-token-file`)
    .option('--admin-token-file <file>', 'read the admin token from this file')
    .option('--json', 'access log as JSON lines on stdout; first line {"listening": URL, "port": N}')
    .option('-q, --quiet', 'no access log')
    .addHelpText('after', PROXY_HELP)
    .action(function (this: Command, opts) {
      // This command's --host is the listen address; the global -H/--host picks the engine.
      const { host: listen, ...rest } = opts as { host?: string };
      return action('proxy', proxy)({ ...(this.parent!.opts() as { host?: string; context?: string }), ...rest, ...(listen !== undefined ? { listen } : {}) } as Parameters<typeof proxy>[0]);
    });

  program
    .command('ping', { hidden: true })
    .description('exit 0 when the engine answers')
    .option('-q, --quiet')
    .action(function (this: Command, opts) {
      return action('ping', ping)({ ...globals(this), ...opts });
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here too, with code 0; bad flags are docker's 125.
      return err.exitCode === 0 ? 0 : EXIT_ENGINE;
    }
    return reportError(err, current || 'command');
  }
}

process.exitCode = await main(process.argv.slice(2));
// Stop reading a terminal we may have attached to, so the process can end.
process.stdin.pause();
