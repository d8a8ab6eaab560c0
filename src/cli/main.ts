// harpoon's command line. Each command lives in commands/; this file only wires flags to them.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { defineDock } from './commands/dock-command.ts';
import { PROXY_HELP } from './commands/proxy-help.ts';
import { defineUnit } from './commands/unit-command.ts';
import { EXIT_ENGINE, reportError } from './exit.ts';

/**
 * A command's action, imported when the command runs: the engine client, the proxy and the
 * orchestrator load only for the commands that use them, so `--help` and typos stay quick.
 */
function lazy<M, K extends keyof M>(load: () => Promise<M>, key: K): M[K] {
  return (async (...args: unknown[]) => ((await load())[key] as (...a: unknown[]) => Promise<number>)(...args)) as M[K];
}
const build = lazy(() => import('./commands/build.ts'), 'build');
const buildImage = lazy(() => import('./commands/build-image.ts'), 'buildImage');
const info = lazy(() => import('./commands/info.ts'), 'info');
const launch = lazy(() => import('./commands/launch.ts'), 'launch');
const launched = lazy(() => import('./commands/launched.ts'), 'launched');
const purge = lazy(() => import('./commands/purge.ts'), 'purge');
const proxy = lazy(() => import('./commands/proxy.ts'), 'proxy');
const ping = lazy(() => import('./commands/ping.ts'), 'ping');
const publishImage = lazy(() => import('./commands/publish-image.ts'), 'publishImage');
const run = lazy(() => import('./commands/run.ts'), 'run');
const runImage = lazy(() => import('./commands/run-image.ts'), 'runImage');
const transferImage = lazy(() => import('./commands/transfer-image.ts'), 'transferImage');

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const collect = (value: string, previous: string[]) => [...previous, value];

const TRANSFER_HELP = `
The dock's engine loads the image straight from this engine's save stream: no temporary file.
Nothing is sent when the dock already has the image's id (the name is added if missing), and
the id is checked on arrival. An interrupted transfer loads nothing on the dock.
Progress: a byte bar on a terminal, plain lines otherwise, JSON lines with --json (on stderr).
Prints the image id; exit 0, 1 if the dock does not exist, 125 for an engine error, 130 on ctrl-C.

Example:
  harpoon transfer-image myproject-web:ada gpu1
  harpoon transfer-image myproject-web:ada gpu1 --print-command   # docker save ... | docker --context gpu1 load`;

const PUBLISH_HELP = `
Run from inside a project (a folder with docker/NAME/Dockerfile): the local image is
<project>-NAME:<tag> (tag: the login name unless tag= says otherwise), the target is NAME's
publication_tag in docker/dockerutils.cfg, with {account} {region} {image} {tag} {user} and $VAR.
Credentials: HARPOON_REGISTRY_USER + HARPOON_REGISTRY_PASSWORD (HARPOON_REGISTRY_HOST to limit
them to one registry), else the docker config (\`docker login\`: auths, credsStore, credHelpers).
They are sent to the engine in a header, never on a command line, never printed.
Prints REPOSITORY@DIGEST, which pulls exactly this image back; exit 125 on a failure, 130 on ctrl-C.

Example, with publication_tag = 127.0.0.1:5000/{image}:{tag}:
  harpoon publish-image web        # 127.0.0.1:5000/myproject-web@sha256:...`;

const BUILD_IMAGE_HELP = `
Run from inside a project: the first folder upward holding docker/. Each docker/NAME/Dockerfile
is an image, built with the project root as context and named <project>-NAME:<login name>
(name=, prefix=False, tag= in docker/dockerutils.cfg change that).
  NAME    build that image: pre_build_script, the \`builder\` stage of a multi-stage Dockerfile
          (tagged <project>-NAME-builder:<tag>), the image, post_build_script
  all     build every image, each after the project images it is built FROM
  clean   remove the project's images (and -builder images) that harpoon built, and no others
Scripts (pre_build_script, post_build_script) are argv, run without a shell in the project root,
with HARPOON_IMAGE, HARPOON_IMAGE_REFERENCE, HARPOON_PROJECT_ROOT (and HARPOON_IMAGE_ID after
the build) set; a failing pre script stops before the build, a failing one of either stops
build-image with the script's exit code. build_args (--build-arg, --label, --no-cache, --pull,
--network, --platform) apply to the image's builds.
Pulling: the engine's pull looks up every FROM image of a build in its registry, so a build
that is also FROM a project image (built here, never published) is not pulled (harpoon says
why), and FROM scratch needs nothing.
stdout: REFERENCE ID per image built; progress on stderr (JSON lines with --json).
Exit: 0; a script's own code; 125 for a build or engine error; 130 on ctrl-C.

Examples:
  harpoon build-image all
  harpoon build-image app -f            # the images app is built FROM first, then app
  harpoon build-image app --print-command`;

const RUN_IMAGE_HELP = `
NAME is an image of the project around the current folder: a folder docker/NAME, or a synthetic
or configuration-only image of docker/dockerutils.cfg. Its volumes, ports, env (and environment),
network, cmd, args and interactive settings make the container; when the engine in use is a
dock (--context, DOCKER_CONTEXT, the current context, \`harpoon dock env\`, or DOCKER_IP) their
<key>_docked variants are used instead where set.
Like dockerutils: --init, --rm and -it (unless interactive= says otherwise), a container named
<user>_<NAME>_<time>, AWS_* credentials of this shell passed on by name. -it runs in a PTY when
stdin is a terminal, and without a TTY otherwise. -k keeps the container and runs it detached
(with -it, a shell stays up: docker attach it later); it prints the container id.
-e a=b=c sets a to b=c; -e K alone passes this shell's K; both win over the config.
Exit: the container's code; 125 harpoon or engine error; 126/127 command not runnable/not found;
128+n when harpoon is stopped by signal n (ctrl-C, SIGTERM, SIGHUP when its terminal closes):
the container is then stopped and removed.

Examples:
  harpoon run-image dev
  harpoon run-image dev -c 'make test' -e DEBUG=1
  harpoon run-image dev -k
  harpoon run-image dev -g --print-command     # docker run --init --rm -it ... --gpus all ...`;

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
    .addHelpText(
      'after',
      '\nEngine selection, as the docker CLI: --host, --context, DOCKER_HOST, DOCKER_CONTEXT, ~/.docker/config.json, /var/run/docker.sock.',
    );

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
    .description("run a command in a new container (docker run semantics; exit code = the container's)")
    .argument('<image>')
    .argument('[command...]')
    .option('-i, --interactive', 'keep stdin open and attached')
    .option('-t, --tty', 'allocate a pseudo-TTY')
    .option('--rm', 'remove the container when it exits (and on every other way out)')
    .option('-d, --detach', 'run in the background and print the container id')
    .option('--name <name>', 'container name')
    .option('-e, --env <K=V>', "environment variable; a bare K passes this shell's value (repeatable)", collect, [])
    .option('-l, --label <K=V>', 'container label (repeatable)', collect, [])
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .option('-u, --user <user>', 'user[:group] to run as')
    .option('--entrypoint <cmd>', "override the image's entrypoint")
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
    .option(
      '--input-mode <mode>',
      'how the input reaches the app: file, env (INPUT_JSON) or url (INPUT_JSON_URL)',
      'file',
    )
    .option('--input-path <path>', 'with --input-mode file: where the JSON lands (default /tmp/input.json)')
    .option('--input-url <url>', 'with --input-mode url: the URL the app fetches its input from')
    .option(
      '--file <src[:dest]>',
      'copy a host file in before start (dest absolute, or under /tmp/input-files) (repeatable)',
      collect,
      [],
    )
    .option(
      '--wait <check>',
      'readiness: http:/PATH, log:REGEX, port, port:N, healthy (repeatable: all must pass; default any HTTP answer on /)',
      collect,
      [],
    )
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
    .option(
      '--history <name>',
      'the last visits through the proxy to this container (time, method, path, status, remote, user)',
    )
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

  // harpoon unit list|run|help: the orchestrator; subcommands and flags in commands/unit.ts.
  defineUnit(program.command('unit'), action);

  // harpoon dock add|ls|rm|use|env: docker contexts; subcommands and flags in commands/dock.ts.
  defineDock(program.command('dock'), action);

  program
    .command('transfer-image')
    .description(
      "copy an image from this engine to a dock's engine, streamed by the API (nothing sent if the dock has it)",
    )
    .argument('<image>', 'image name or id on this engine (-H/--context choose the engine)')
    .argument('<dock>', 'the dock: a docker context (see `harpoon dock ls`)')
    .option('-q, --quiet', 'no progress; print only the image id')
    .option('--json', 'progress as JSON lines on stderr, the result as JSON on stdout')
    .option('--print-command', 'print the equivalent docker command line and do nothing else')
    .addHelpText('after', TRANSFER_HELP)
    .action(function (this: Command, image: string, dock: string, opts) {
      return action('transfer-image', transferImage)(image, dock, { ...globals(this), ...opts });
    });

  program
    .command('publish-image')
    .description('tag a project image as its publication_tag (docker/dockerutils.cfg) and push it')
    .argument('<name>', 'the image: a folder docker/NAME of the project around the current folder')
    .option('--account <id>', '{account} in publication_tag (default $AWS_ACCOUNT_ID)')
    .option('--region <region>', '{region} in publication_tag (default $AWS_REGION, then $AWS_DEFAULT_REGION)')
    .option('-q, --quiet', 'no progress; print only REPOSITORY@DIGEST')
    .option('--json', 'progress as JSON lines on stderr, the result as JSON on stdout')
    .option('--print-command', 'print the equivalent docker command lines and do nothing else')
    .addHelpText('after', PUBLISH_HELP)
    .action(function (this: Command, name: string, opts) {
      return action('publish-image', publishImage)(name, { ...globals(this), ...opts });
    });

  program
    .command('build-image')
    .description('build a project image (docker/NAME/Dockerfile), or all of them in FROM order, or clean them')
    .argument('<name>', 'an image folder docker/NAME, "all", or "clean"')
    .option('-f, --force', 'also build the project images NAME is built FROM (pulling where pull_FROM_on_force = True)')
    .option('-p, --pull', 'pull the FROM images that come from a registry (never a project image or scratch)')
    .option('-i, --image <name>', 'image name (repository) for NAME instead of <project>-NAME')
    .option('-t, --tag <tag>', 'tag instead of the login name (with all and clean: for every image)')
    .option('--no-cache', 'do not use the build cache')
    .option('-q, --quiet', 'no progress; print only REFERENCE ID lines')
    .option('--json', 'progress as JSON lines on stderr, the result as JSON on stdout')
    .option('--print-command', 'print the equivalent commands (cd, scripts, docker build) and do nothing else')
    .addHelpText('after', BUILD_IMAGE_HELP)
    .action(function (this: Command, name: string, opts) {
      return action('build-image', buildImage)(name, { ...globals(this), ...opts, noCache: opts.cache === false });
    });

  program
    .command('run-image')
    .description('run a project image with its docker/dockerutils.cfg settings (docker run --init --rm -it …)')
    .argument('<name>', 'an image of the project: a folder docker/NAME, a synthetic or configuration-only image')
    .option('-a, --args <args>', "more docker run flags, added to the config's args (one quoted string)")
    .option('-k, --keep', 'keep the container (no --rm) and run it detached; prints its id')
    .option('-c, --command <cmd>', "command instead of the config's cmd (split as a shell would)")
    .option('-n, --network <name>', "network instead of the config's")
    .option('-g, --gpu', "apply the config's gpu settings (default: every NVIDIA GPU) as a device request")
    .option(
      '-e, --env <K=V>',
      "environment variable over the config's; a bare K passes this shell's value (repeatable)",
      collect,
      [],
    )
    .option('--name <name>', 'container name instead of <user>_<NAME>_<time>')
    .option('--print-command', 'print the equivalent docker run line (secrets masked) and do nothing else')
    .addHelpText('after', RUN_IMAGE_HELP)
    .action(function (this: Command, name: string, opts) {
      return action('run-image', runImage)(name, { ...globals(this), ...opts });
    });

  program
    .command('proxy')
    .description(
      'serve launched containers over HTTP and WebSocket: /docker/<name>/ and/or <name>.docker.localhost, until SIGINT/SIGTERM',
    )
    .option('--port <port>', 'port to listen on (default 8000; 0 picks a free one)')
    .option('--host <addr>', 'address to listen on (default 127.0.0.1: this machine only)')
    .option('--prefix <path>', 'path routing under this prefix (default /docker)')
    .option('--no-path', 'no path routing (host routing only: needs --host-suffix)')
    .option('--no-strip-prefix', 'send the whole path upstream, /docker/<name> included')
    .option('--host-suffix <suffix>', 'host routing: <name><suffix>, e.g. .docker.localhost')
    .option(
      '-l, --label <K=V>',
      'serve only launched containers that also carry this label (repeatable: all must match)',
      collect,
      [],
    )
    .option('--trust-proxy', "keep clients' X-Forwarded-* (only behind a front proxy you run)")
    .option('--timeout <seconds>', 'give up on a silent container after this long (default 60)')
    .option(
      '--admin',
      `the admin endpoint (route table as JSON) at /_harpoon/routes; token from $HARPOON_PROXY_TOKEN or --admin-token-file`,
    )
    .option('--admin-token-file <file>', 'read the admin token from this file')
    .option(
      '--auth-url <url>',
      "forward auth: ask this URL (GET, with the client's headers) before each request; 2xx allows",
    )
    .option(
      '--auth-header <NAME=VALUE>',
      'require this request header with this value (repeatable: all must match)',
      collect,
      [],
    )
    .option(
      '--logs-path <path>',
      "serve each container's log at /docker/<name>/<path> (e.g. docker-logs); off unless given",
    )
    .option('--wait-page <file>', 'HTML for the please-wait page (503), with {{name}}, {{reason}}, {{retryAfter}}')
    .option(
      '--page <STATUS=FILE>',
      "HTML for another answer of the proxy's own, e.g. 404=notfound.html (repeatable)",
      collect,
      [],
    )
    .option(
      '--route-label <K=V>',
      'also route containers started by hand that carry this label, e.g. harpoon.route=true (repeatable)',
      collect,
      [],
    )
    .option('--unmanaged', 'route every container that publishes a port (a trusted single-user machine only)')
    .option('--headers-timeout <seconds>', 'a client must send its headers within this long, else 408 (default 60)')
    .option(
      '--tunnel-idle-timeout <seconds>',
      'close a WebSocket silent both ways for this long (default 600; 0: never)',
    )
    .option('--workers <n>', "processes serving the port, as nginx's workers (default: one per core)")
    .option('--json', 'access log as JSON lines on stdout; first line {"listening": URL, "port": N}')
    .option('-q, --quiet', 'no access log')
    .addHelpText('after', PROXY_HELP)
    .action(function (this: Command, opts) {
      // This command's --host is the listen address; the global -H/--host picks the engine.
      const { host: listen, ...rest } = opts as { host?: string };
      return action(
        'proxy',
        proxy,
      )({
        ...(this.parent!.opts() as { host?: string; context?: string }),
        ...rest,
        ...(listen !== undefined ? { listen } : {}),
      } as Parameters<typeof proxy>[0]);
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
      // An unknown command is 1, as `docker nosuchcommand` (it is not a flag error).
      if (err.code === 'commander.unknownCommand') return 1;
      return err.exitCode === 0 ? 0 : EXIT_ENGINE;
    }
    return reportError(err, current || 'command');
  }
}

// The reader of our output went away (`harpoon help | head`). Without a handler Node throws a
// stack trace; exiting at once would skip a run's cleanup. So stop the way SIGTERM stops a
// command that owns resources (they are removed first), and quietly otherwise (141, as SIGPIPE).
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  if (process.listenerCount('SIGTERM') > 0) process.emit('SIGTERM', 'SIGTERM');
  else process.exit(141);
});

process.exitCode = await main(process.argv.slice(2));
// Stop reading a terminal we may have attached to, so the process can end.
process.stdin.pause();
