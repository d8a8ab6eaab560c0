// Integration: client.run (and Container) against the real engine.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PassThrough, Readable, Writable } from 'node:stream';
import {
  AbortedError,
  CommandNotExecutableError,
  CommandNotFoundError,
  ContainerExitError,
  ContainerNotFoundError,
  ImageNotFoundError,
  MANAGED_LABEL,
  NameConflictError,
  TimeoutError,
  type Harpoon,
} from 'harpoon';
import { exitCodeFor } from '../../src/core/errors.ts';
import { buildBusybox, RUN_ID, TEST_LABEL, testLabels } from '../helpers/engine.ts';
import { engineTests, eventually, rejection, runContainers } from '../helpers/integration.ts';

let base = '';
const it = await engineTests({
  ready: async (client) => {
    base = await buildBusybox(client);
  },
});

/** Labels for one test case, so "nothing is left" can be checked for that case alone. */
function caseLabels(name: string) {
  return { ...testLabels, 'harpoon.test.case': `${name}-${RUN_ID}` };
}

async function containersOfCase(client: Harpoon, name: string) {
  return client.docker.listContainers({
    all: true,
    filters: JSON.stringify({ label: [`harpoon.test.case=${name}-${RUN_ID}`] }),
  });
}

/** Rejects if `promise` takes longer than `ms`: a hang fails the test instead of stalling the file. */
function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

it('exit codes pass through with reject:false (0, 3, 255)', async (client) => {
  for (const code of [0, 3, 255]) {
    const result = await client.run({
      image: base,
      cmd: ['sh', '-c', `exit ${code}`],
      reject: false,
      labels: testLabels,
    });
    assert.is(result.exitCode, code);
    assert.is(result.detached, false);
    assert.match(result.containerId, /^[0-9a-f]{64}$/);
  }
});

it('a non-zero exit rejects by default with ContainerExitError (exit code, stderr tail)', async (client) => {
  const err = await rejection(
    client.run({
      image: base,
      cmd: ['sh', '-c', 'echo some output; echo first >&2; echo "it went wrong" >&2; exit 4'],
      labels: testLabels,
    }),
  );
  assert.instance(err, ContainerExitError);
  const e = err as ContainerExitError;
  assert.is(e.code, 'CONTAINER_EXITED');
  assert.is(e.exitCode, 4);
  assert.is(e.stderrTail, 'first\nit went wrong');
  assert.match(e.message, /code 4/);
  assert.match(e.message, /it went wrong/);
  assert.is(exitCodeFor(e), 4);
});

it('the stderr tail keeps only the end of a long stderr', async (client) => {
  const err = (await rejection(
    client.run({
      image: base,
      cmd: ['sh', '-c', 'yes early | head -n 5000 >&2; echo "the end" >&2; exit 1'],
      labels: testLabels,
    }),
  )) as ContainerExitError;
  assert.instance(err, ContainerExitError);
  assert.ok(err.stderrTail.endsWith('early\nthe end'), err.stderrTail.slice(-40));
  assert.ok(err.stderrTail.length <= 4096, `tail is ${err.stderrTail.length} chars`);
});

it('stdout and stderr are kept apart, exactly', async (client) => {
  const { stdout, stderr, exitCode } = await client.run({
    image: base,
    cmd: ['sh', '-c', 'echo out; echo err >&2'],
    labels: testLabels,
  });
  assert.is(exitCode, 0);
  assert.is(stdout, 'out\n');
  assert.is(stderr, 'err\n');
});

it('large output arrives complete and byte-exact on both streams', async (client) => {
  const { stdout, stderr } = await client.run({
    image: base,
    cmd: ['sh', '-c', "head -c 2000000 /dev/zero | tr '\\0' a; yes b | head -n 300000 >&2; echo tail"],
    labels: testLabels,
  });
  assert.is(stdout.length, 2_000_005);
  assert.ok(/^a{2000000}tail\n$/.test(stdout), 'stdout is 2 MB of "a" then "tail"');
  assert.is(stderr.length, 600_000);
  assert.ok(/^(b\n){300000}$/.test(stderr), 'stderr is 300 000 lines of "b"');
});

it('output sent to a Writable, and "ignore"', async (client) => {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk);
      done();
    },
  });
  const result = await client.run({
    image: base,
    cmd: ['sh', '-c', 'echo to-writable; echo dropped >&2'],
    stdout: sink,
    stderr: 'ignore',
    labels: testLabels,
  });
  assert.is(Buffer.concat(chunks).toString(), 'to-writable\n');
  assert.is(result.stdout, '');
  assert.is(result.stderr, '');
});

it('stdin as a string: cat echoes it and EOF ends it', async (client) => {
  const input = `line one\nline two ${RUN_ID}\nno newline at the end`;
  const result = await within(
    20_000,
    client.run({ image: base, cmd: ['cat'], stdin: input, labels: testLabels }),
    'cat with string stdin',
  );
  assert.is(result.stdout, input);
  assert.is(result.exitCode, 0);
});

it('stdin: output written after EOF still arrives', async (client) => {
  const result = await within(
    20_000,
    client.run({ image: base, cmd: ['sh', '-c', 'cat; sleep 0.5; echo after-eof'], stdin: 'in\n', labels: testLabels }),
    'output after EOF',
  );
  assert.is(result.stdout, 'in\nafter-eof\n');
});

it('stdin as a Buffer and as a Readable stream', async (client) => {
  const bytes = Buffer.from('binary\u00e9\n');
  const fromBuffer = await within(
    20_000,
    client.run({ image: base, cmd: ['cat'], stdin: bytes, labels: testLabels }),
    'cat with Buffer stdin',
  );
  assert.is(fromBuffer.stdout, 'binary\u00e9\n');

  const stream = new PassThrough();
  const running = client.run({ image: base, cmd: ['sh', '-c', 'cat; echo done'], stdin: stream, labels: testLabels });
  stream.write('first\n');
  setTimeout(() => {
    stream.write('second\n');
    stream.end();
  }, 200);
  const fromStream = await within(20_000, running, 'cat with stream stdin');
  assert.is(fromStream.stdout, 'first\nsecond\ndone\n');

  const big = 'x'.repeat(100_000) + '\n';
  const counted = await within(
    20_000,
    client.run({ image: base, cmd: ['wc', '-c'], stdin: Readable.from([big, big, big]), labels: testLabels }),
    'wc with Readable.from stdin',
  );
  assert.is(counted.stdout.trim(), String(big.length * 3));
});

it('a fast-exiting container, 30 times in a row: never hangs, never loses its exit code', async (client) => {
  for (let i = 0; i < 30; i++) {
    const cmd = i % 3 === 2 ? ['sh', '-c', 'exit 7'] : ['true'];
    const result = await within(
      15_000,
      client.run({ image: base, cmd, reject: false, labels: testLabels }),
      `run #${i + 1} (${cmd.join(' ')})`,
    );
    assert.is(result.exitCode, i % 3 === 2 ? 7 : 0, `run #${i + 1}`);
  }
  // And every one of them was removed.
  assert.ok(await eventually(async () => (await runContainers(client)).length === 0, 5000));
});

it('env as a map and as a list', async (client) => {
  const cmd = ['sh', '-c', 'echo "$A|$B|$C"'];
  const fromMap = await client.run({
    image: base,
    cmd,
    env: { A: 'one', B: 'two words', C: 'x=y' },
    labels: testLabels,
  });
  assert.is(fromMap.stdout, 'one|two words|x=y\n');
  const fromList = await client.run({ image: base, cmd, env: ['A=1', 'B=2 3', 'C=='], labels: testLabels });
  assert.is(fromList.stdout, '1|2 3|=\n');
});

it('name option names the container', async (client) => {
  const name = `harpoon-test-named-${RUN_ID}`;
  const { containerId } = await client.run({ image: base, name, cmd: ['hostname'], remove: false, labels: testLabels });
  try {
    const info = await client.container(name).inspect();
    assert.is(info.Id, containerId);
    assert.is(info.Name, `/${name}`);
    assert.is(info.Config.Labels[MANAGED_LABEL], 'true');
    assert.is(info.Config.Labels[TEST_LABEL], RUN_ID);
  } finally {
    await client.container(containerId).remove({ force: true });
  }
});

it('a name already in use → NameConflictError; the existing container is untouched', async (client) => {
  const name = `harpoon-test-taken-${RUN_ID}`;
  const existing = await client.createContainer({ image: base, name, cmd: ['true'], labels: testLabels });
  try {
    const err = await rejection(
      client.run({ image: base, name, cmd: ['echo', 'never'], labels: caseLabels('conflict') }),
    );
    assert.instance(err, NameConflictError);
    assert.is((err as NameConflictError).code, 'NAME_CONFLICT');
    assert.match((err as Error).message, new RegExp(name));
    assert.is((await client.container(name).inspect()).Id, existing.id);
    assert.is((await containersOfCase(client, 'conflict')).length, 0);
  } finally {
    await existing.remove({ force: true });
  }
});

// (Was a bug when these tests were written: the container name was kept in `name`, which
// overwrote Error#name; it is `containerName` now.)
it('NameConflictError keeps Error#name as the class name, the container name apart', async (client) => {
  const name = `harpoon-test-errname-${RUN_ID}`;
  const existing = await client.createContainer({ image: base, name, cmd: ['true'], labels: testLabels });
  try {
    const err = (await rejection(client.run({ image: base, name, cmd: ['true'], labels: testLabels }))) as Error;
    assert.instance(err, NameConflictError);
    assert.is((err as NameConflictError).containerName, name);
    assert.is(err.name, 'NameConflictError');
    assert.ok(String(err).startsWith('NameConflictError:'), String(err));
  } finally {
    await existing.remove({ force: true });
  }
});

it('command not found → CommandNotFoundError (127), container removed', async (client) => {
  const err = await rejection(client.run({ image: base, cmd: ['/no/such/command'], labels: caseLabels('notfound') }));
  assert.instance(err, CommandNotFoundError);
  assert.is((err as CommandNotFoundError).code, 'COMMAND_NOT_FOUND');
  assert.is(exitCodeFor(err), 127);
  assert.is((await containersOfCase(client, 'notfound')).length, 0, 'the container was removed');

  const viaPath = await rejection(
    client.run({ image: base, cmd: ['no-such-command-in-path'], labels: caseLabels('notfound') }),
  );
  assert.instance(viaPath, CommandNotFoundError);
  assert.is((await containersOfCase(client, 'notfound')).length, 0);
});

it('a non-executable file as command → CommandNotExecutableError (126), container removed', async (client) => {
  const { imageId } = await client.build({
    dockerfile: [`FROM ${base}`, 'RUN touch /x && chmod 644 /x'],
    labels: testLabels,
  });
  const err = await rejection(client.run({ image: imageId, cmd: ['/x'], labels: caseLabels('noexec') }));
  assert.instance(err, CommandNotExecutableError);
  assert.is((err as CommandNotExecutableError).code, 'COMMAND_NOT_EXECUTABLE');
  assert.is(exitCodeFor(err), 126);
  assert.is((await containersOfCase(client, 'noexec')).length, 0, 'the container was removed');
});

it('remove:false keeps the container; logs() returns stdout and stderr apart', async (client) => {
  const result = await client.run({
    image: base,
    cmd: ['sh', '-c', 'echo kept-out; echo kept-err >&2; exit 2'],
    remove: false,
    reject: false,
    labels: testLabels,
  });
  const container = client.container(result.containerId);
  try {
    const info = await container.inspect();
    assert.is(info.State.Status, 'exited');
    assert.is(info.State.ExitCode, 2);
    assert.is(info.HostConfig.AutoRemove, false);
    const logs = await container.logs();
    assert.is(logs.stdout, 'kept-out\n');
    assert.is(logs.stderr, 'kept-err\n');
  } finally {
    await container.remove({ force: true });
  }
  const gone = await rejection(container.inspect());
  assert.instance(gone, ContainerNotFoundError);
});

it('by default the container is removed after the run', async (client) => {
  const { containerId, stdout } = await client.run({
    image: base,
    cmd: ['echo', 'bye'],
    labels: caseLabels('default-rm'),
  });
  assert.is(stdout, 'bye\n');
  assert.is((await containersOfCase(client, 'default-rm')).length, 0);
  const err = await rejection(client.container(containerId).inspect());
  assert.instance(err, ContainerNotFoundError);
});

it('a failing run (non-zero exit, reject) removes its container too', async (client) => {
  await rejection(client.run({ image: base, cmd: ['false'], labels: caseLabels('fail-rm') }));
  assert.is((await containersOfCase(client, 'fail-rm')).length, 0);
});

it('timeout → TimeoutError, quickly, and the container removed', async (client) => {
  const started = Date.now();
  const err = await rejection(
    client.run({ image: base, cmd: ['sleep', '30'], timeout: 1000, labels: caseLabels('timeout') }),
  );
  const took = Date.now() - started;
  assert.instance(err, TimeoutError);
  assert.is((err as TimeoutError).code, 'TIMEOUT');
  assert.ok(took >= 900 && took < 8000, `took ${took} ms`);
  assert.is((await containersOfCase(client, 'timeout')).length, 0, 'the container was removed');
});

it('AbortSignal → AbortedError, and the container removed', async (client) => {
  const controller = new AbortController();
  let startedId: string | undefined;
  const running = client.run({
    image: base,
    cmd: ['sleep', '30'],
    signal: controller.signal,
    labels: caseLabels('abort'),
    onStart: (container) => {
      startedId = container.id;
      setTimeout(() => controller.abort(), 300);
    },
  });
  const started = Date.now();
  const err = await rejection(running);
  assert.instance(err, AbortedError);
  assert.is((err as AbortedError).code, 'ABORTED');
  assert.ok(startedId, 'the container had started');
  assert.ok(Date.now() - started < 8000);
  assert.is((await containersOfCase(client, 'abort')).length, 0, 'the container was removed');
});

it('an already-aborted signal rejects with AbortedError and creates nothing', async (client) => {
  const controller = new AbortController();
  controller.abort();
  const err = await rejection(
    client.run({ image: base, cmd: ['true'], signal: controller.signal, labels: caseLabels('pre-abort') }),
  );
  assert.instance(err, AbortedError);
  assert.is((await containersOfCase(client, 'pre-abort')).length, 0);
});

it('tty with a size: stty sees 40x100; the exit code comes back', async (client) => {
  const result = await within(
    20_000,
    client.run({
      image: base,
      cmd: ['sh'],
      tty: true,
      size: { rows: 40, cols: 100 },
      stdin: 'stty size\nexit 5\n',
      reject: false,
      labels: testLabels,
    }),
    'tty run',
  );
  assert.is(result.exitCode, 5);
  assert.ok(/(^|\n)40 100\r?\n/.test(result.stdout), `stty size output missing: ${JSON.stringify(result.stdout)}`);
  assert.is(result.stderr, '', 'with a TTY everything arrives on stdout');
});

it('tty with a finite stdin: the end of input reaches the container, later output is kept', async (client) => {
  // cat reads until EOF: with a TTY that must come as the terminal's EOF, and output printed
  // after it (moby closes a TTY attach's output when the client half-closes) must not be lost.
  const result = await within(
    20_000,
    client.run({
      image: base,
      cmd: ['sh', '-c', 'cat; sleep 0.5; echo after-eof'],
      tty: true,
      stdin: 'hello\n',
      timeout: 15_000,
      labels: testLabels,
    }),
    'tty cat',
  );
  assert.is(result.exitCode, 0);
  assert.match(result.stdout, /hello\r?\n/);
  assert.ok(result.stdout.endsWith('after-eof\r\n'), JSON.stringify(result.stdout));
});

it('exec in a running container: stdout, stderr and exit code', async (client) => {
  const container = await client.createContainer({ image: base, cmd: ['sleep', '30'], labels: testLabels });
  try {
    await container.start();
    const ok = await container.exec(['sh', '-c', 'echo "hello $WHO"; echo warn >&2'], { env: { WHO: 'exec' } });
    assert.equal(ok, { exitCode: 0, stdout: 'hello exec\n', stderr: 'warn\n' });
    const failed = await container.exec(['sh', '-c', 'pwd; exit 3'], { workingDir: '/bin' });
    assert.is(failed.exitCode, 3);
    assert.is(failed.stdout, '/bin\n');
    assert.is((await container.inspect()).State.Running, true);
  } finally {
    await container.remove({ force: true });
  }
});

it('exec and logs take an AbortSignal: a long exec is cut short with AbortedError', async (client) => {
  const container = await client.createContainer({ image: base, cmd: ['sleep', '30'], labels: testLabels });
  try {
    await container.start();
    const started = Date.now();
    const err = await rejection(container.exec(['sleep', '20'], { signal: AbortSignal.timeout(300) }));
    assert.instance(err, AbortedError);
    assert.ok(Date.now() - started < 5000, `aborted after ${Date.now() - started} ms`);
    const aborted = await rejection(container.logs({ signal: AbortSignal.abort() }));
    assert.instance(aborted, AbortedError);
  } finally {
    await container.remove({ force: true });
  }
});

it('an image that does not exist → ImageNotFoundError (no pull), nothing created', async (client) => {
  const image = `harpoon-no-such-image-${RUN_ID}:nope`;
  const err = await rejection(client.run({ image, cmd: ['true'], labels: caseLabels('noimage') }));
  assert.instance(err, ImageNotFoundError);
  assert.is((err as ImageNotFoundError).image, image);
  assert.is((err as ImageNotFoundError).code, 'IMAGE_NOT_FOUND');
  assert.is((await containersOfCase(client, 'noimage')).length, 0);
});

test.run();
