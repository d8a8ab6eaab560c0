// Mapping what dockerode throws to harpoon's typed errors, and the docker CLI's exit codes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  AbortedError,
  BuildError,
  CommandNotExecutableError,
  CommandNotFoundError,
  ContainerExitError,
  ContainerNotFoundError,
  EngineError,
  EngineUnreachableError,
  HarpoonError,
  ImageNotFoundError,
  InvalidInputError,
  NameConflictError,
  TimeoutError,
  type Endpoint,
} from 'harpoon';
import { exitCodeFor, throwIfAborted } from '../../src/core/errors.ts';
import { classifyStartFailure, engineMessageOf, toHarpoonError } from '../../src/core/engine-errors.ts';

const endpoint: Endpoint = {
  kind: 'unix',
  url: 'unix:///var/run/docker.sock',
  socketPath: '/var/run/docker.sock',
  source: 'the default socket',
};
const tcpEndpoint: Endpoint = {
  kind: 'tcp',
  url: 'tcp://engine.example:2375',
  host: 'engine.example',
  port: 2375,
  source: 'DOCKER_HOST',
};

/** What docker-modem rejects with for an HTTP error status. */
function modemError(statusCode: number, message: string): Error & { statusCode: number; json: { message: string } } {
  return Object.assign(new Error(`(HTTP code ${statusCode}) unexpected - ${message}`), {
    statusCode,
    json: { message },
    reason: 'unexpected',
  });
}

function sysError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code, errno: -1, syscall: 'connect' });
}

const OCI_NOT_FOUND =
  'failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "nosuchcmd": executable file not found in $PATH: unknown';
const OCI_DENIED =
  'failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "/etc/passwd": permission denied: unknown';

// --- toHarpoonError -----------------------------------------------------------------------

test('404 "No such image" with ctx.image → ImageNotFoundError naming the image', () => {
  const err = toHarpoonError(modemError(404, 'No such image: app:latest'), { endpoint, image: 'app:latest' });
  assert.instance(err, ImageNotFoundError);
  assert.is((err as ImageNotFoundError).image, 'app:latest');
  assert.is(err.code, 'IMAGE_NOT_FOUND');
  assert.match(err.message, 'Image not found: app:latest');
  assert.match(err.message, 'No such image: app:latest');
});

test('404 from a pull ("pull access denied", "manifest unknown") with ctx.image → ImageNotFoundError', () => {
  for (const msg of [
    "pull access denied for nope, repository does not exist or may require 'docker login'",
    'manifest for x:1 not found: manifest unknown: manifest unknown',
  ]) {
    const err = toHarpoonError(modemError(404, msg), { endpoint, image: 'nope' });
    assert.instance(err, ImageNotFoundError, msg);
  }
});

test('404 "No such container" → ContainerNotFoundError naming the container', () => {
  const err = toHarpoonError(modemError(404, 'No such container: 0123abcd'), { endpoint, container: '0123abcd' });
  assert.instance(err, ContainerNotFoundError);
  assert.is((err as ContainerNotFoundError).container, '0123abcd');
  assert.is(err.code, 'CONTAINER_NOT_FOUND');
  assert.match(err.message, '0123abcd');
});

test('404 "No such container" without a ctx.container still gives ContainerNotFoundError', () => {
  const err = toHarpoonError(modemError(404, 'No such container: web'), { endpoint, name: 'web' });
  assert.instance(err, ContainerNotFoundError);
  assert.is((err as ContainerNotFoundError).container, 'web');
});

test('409 "already in use" with ctx.name → NameConflictError', () => {
  const msg =
    'Conflict. The container name "/web" is already in use by container "abc123". You have to remove (or rename) that container to be able to reuse that name.';
  const err = toHarpoonError(modemError(409, msg), { endpoint, name: 'web' });
  assert.instance(err, NameConflictError);
  assert.is((err as NameConflictError).containerName, 'web');
  assert.is(err.code, 'NAME_CONFLICT');
  assert.match(err.message, '"web"');
  assert.match(err.message, 'abc123');
});

test('409 without ctx.name, or another 409 → EngineError keeping the status code', () => {
  const noName = toHarpoonError(modemError(409, 'name is already in use'), { endpoint });
  assert.instance(noName, EngineError);
  assert.is((noName as EngineError).statusCode, 409);
  const other = toHarpoonError(modemError(409, 'container is not running'), { endpoint, name: 'web' });
  assert.instance(other, EngineError);
  assert.not.instance(other, NameConflictError);
  assert.is(other.message, 'container is not running');
});

for (const code of ['ECONNREFUSED', 'ENOENT']) {
  test(`${code} (a code, no statusCode) → EngineUnreachableError naming the endpoint, its source and what a package user does (start dockerd or set DOCKER_HOST)`, () => {
    const cause = sysError(code, `connect ${code} /var/run/docker.sock`);
    const err = toHarpoonError(cause, { endpoint });
    assert.instance(err, EngineUnreachableError);
    assert.is(err.code, 'ENGINE_UNREACHABLE');
    assert.is((err as EngineUnreachableError).endpoint, endpoint);
    assert.is(err.cause, cause);
    assert.match(err.message, 'unix:///var/run/docker.sock');
    assert.match(err.message, 'the default socket');
    assert.match(err.message, /Start a Docker engine \(dockerd\), or point DOCKER_HOST/);
    assert.not.match(err.message, /npm run/); // a script of this repository, not of the user's
    assert.match(err.message, code);
  });
}

test('EngineUnreachableError names a tcp endpoint and DOCKER_HOST as its source', () => {
  const err = toHarpoonError(sysError('ETIMEDOUT', 'connect ETIMEDOUT 10.0.0.1:2375'), { endpoint: tcpEndpoint });
  assert.instance(err, EngineUnreachableError);
  assert.match(err.message, 'tcp://engine.example:2375');
  assert.match(err.message, 'DOCKER_HOST');
});

test('a connection-like code WITH a statusCode is an engine answer, not "unreachable"', () => {
  const err = toHarpoonError(Object.assign(modemError(500, 'open /x: no such file'), { code: 'ENOENT' }), { endpoint });
  assert.not.instance(err, EngineUnreachableError);
  assert.instance(err, EngineError);
  assert.is((err as EngineError).statusCode, 500);
});

test('OCI "executable file not found" → CommandNotFoundError, exit code 127', () => {
  const err = toHarpoonError(modemError(400, OCI_NOT_FOUND), { endpoint, container: 'c1' });
  assert.instance(err, CommandNotFoundError);
  assert.is(err.code, 'COMMAND_NOT_FOUND');
  assert.match(err.message, '"nosuchcmd"');
  assert.is(exitCodeFor(err), 127);
});

test('OCI "permission denied" → CommandNotExecutableError, exit code 126', () => {
  const err = toHarpoonError(modemError(400, OCI_DENIED), { endpoint });
  assert.instance(err, CommandNotExecutableError);
  assert.is(err.code, 'COMMAND_NOT_EXECUTABLE');
  assert.is(exitCodeFor(err), 126);
});

test('classifyStartFailure only looks at runtime start failures', () => {
  assert.instance(classifyStartFailure(OCI_NOT_FOUND), CommandNotFoundError);
  assert.instance(
    classifyStartFailure(
      'OCI runtime exec failed: exec failed: unable to start container process: exec: "x": stat x: no such file or directory: unknown',
    ),
    CommandNotFoundError,
  );
  assert.instance(classifyStartFailure('OCI runtime create failed: exec format error'), CommandNotExecutableError);
  assert.is(classifyStartFailure('open /etc/hosts: permission denied'), undefined, 'not a start failure');
  assert.is(classifyStartFailure('No such image: x'), undefined);
});

test('AbortError (by name or ABORT_ERR code) → AbortedError naming the action', () => {
  const byName = Object.assign(new Error('This operation was aborted'), { name: 'AbortError' });
  const err = toHarpoonError(byName, { endpoint, action: 'Pulling alpine' });
  assert.instance(err, AbortedError);
  assert.is(err.code, 'ABORTED');
  assert.match(err.message, 'Pulling alpine was aborted');
  const byCode = toHarpoonError(Object.assign(new Error('aborted'), { code: 'ABORT_ERR' }), { endpoint });
  assert.instance(byCode, AbortedError);
  assert.match(byCode.message, 'The request was aborted');
});

test('a HarpoonError passes through unchanged', () => {
  const original = new InvalidInputError('x', 'bad');
  assert.is(toHarpoonError(original, { endpoint }), original);
});

test("anything else → EngineError with the engine's message and the original as cause", () => {
  const cause = modemError(500, 'driver failed programming external connectivity');
  const err = toHarpoonError(cause, { endpoint });
  assert.instance(err, EngineError);
  assert.is(err.message, 'driver failed programming external connectivity');
  assert.is((err as EngineError).statusCode, 500);
  assert.is(err.cause, cause);
  const weird = toHarpoonError('a string was thrown', { endpoint });
  assert.instance(weird, EngineError);
  assert.is(weird.message, 'a string was thrown');
});

test('engineMessageOf: json.message, then a json string body, then message', () => {
  assert.is(engineMessageOf({ json: { message: 'from json' }, message: 'outer' }), 'from json');
  assert.is(engineMessageOf({ json: '  page not found\n', message: 'outer' }), 'page not found');
  assert.is(engineMessageOf(new Error('plain')), 'plain');
  assert.is(engineMessageOf(undefined), 'undefined');
});

// --- the error classes themselves ---------------------------------------------------------

test('BuildError names the failing step, or the Dockerfile line, or neither', () => {
  const atStep = new BuildError('process "/bin/sh -c make" did not complete successfully: exit code: 2', {
    step: { number: 2, total: 5, instruction: 'RUN make' },
    log: ['Step 1/5 : FROM alpine', 'Step 2/5 : RUN make'],
  });
  assert.is(
    atStep.message,
    'Build failed at step 2/5 (RUN make): process "/bin/sh -c make" did not complete successfully: exit code: 2',
  );
  assert.is(atStep.code, 'BUILD_FAILED');
  assert.equal(atStep.step, { number: 2, total: 5, instruction: 'RUN make' });
  assert.is(atStep.log.length, 2);

  const atLine = new BuildError('unknown instruction: FORM', { line: 3, log: [] });
  assert.is(atLine.message, 'Build failed at Dockerfile line 3: unknown instruction: FORM');
  assert.is(atLine.line, 3);
  assert.is(atLine.step, undefined);

  const lineZero = new BuildError('x', { line: 0, log: [] });
  assert.match(lineZero.message, 'at Dockerfile line 0');

  const nowhere = new BuildError('context canceled', { log: [] });
  assert.is(nowhere.message, 'Build failed: context canceled');
  assert.is(nowhere.detail, 'context canceled');
});

test('exitCodeFor: generic errors → 125, ContainerExitError → its exit code', () => {
  assert.is(exitCodeFor(new Error('whatever')), 125);
  assert.is(exitCodeFor(new EngineError('engine', 500)), 125);
  assert.is(exitCodeFor(new ImageNotFoundError('x')), 125);
  assert.is(exitCodeFor('not even an error'), 125);
  assert.is(exitCodeFor(new ContainerExitError(3, 'tail')), 3);
  assert.is(exitCodeFor(new ContainerExitError(137, '')), 137);
  assert.is(exitCodeFor(new CommandNotFoundError('x')), 127);
  assert.is(exitCodeFor(new CommandNotExecutableError('x')), 126);
});

test('every error is a HarpoonError and an Error, with its class name', () => {
  const all: HarpoonError[] = [
    new EngineUnreachableError(endpoint, new Error('x')),
    new EngineError('x'),
    new ImageNotFoundError('i'),
    new ContainerNotFoundError('c'),
    new BuildError('d', { log: [] }),
    new ContainerExitError(1, ''),
    new CommandNotFoundError('d'),
    new CommandNotExecutableError('d'),
    new TimeoutError('Waiting', 100),
    new AbortedError('Work'),
    new InvalidInputError('f', 'm'),
  ];
  for (const err of all) {
    assert.instance(err, HarpoonError);
    assert.instance(err, Error);
    assert.is(err.name, err.constructor.name);
  }
  assert.is(new Set(all.map((e) => e.code)).size, all.length, 'codes are distinct');
});

test('NameConflictError keeps the container name it is about, and its code', () => {
  const err = new NameConflictError('web', 'in use by abc');
  assert.instance(err, HarpoonError);
  assert.is(err.code, 'NAME_CONFLICT');
  assert.match(err.message, 'The container name "web" is already in use (in use by abc)');
});

// Regression (was a bug): src/core/errors.ts NameConflictError declares `readonly name: string` and sets
// `this.name = name` (the container name), which overwrites Error.prototype.name / the
// `this.name = new.target.name` set by HarpoonError. So new NameConflictError('web', '...').name
// is "web" instead of "NameConflictError": String(err) and stack traces start with
// "web: The container name ..." and code checking err.name breaks. Every other error class
// has name === its class name.
test('NameConflictError.name is the class name, like every other error', () => {
  const err = new NameConflictError('web', 'in use');
  assert.is(err.name, 'NameConflictError');
  assert.ok(String(err).startsWith('NameConflictError: '));
});

test('ContainerExitError and TimeoutError messages', () => {
  assert.is(new ContainerExitError(2, 'ls: cannot access').message, 'Container exited with code 2:\nls: cannot access');
  assert.is(new ContainerExitError(2, '').message, 'Container exited with code 2');
  assert.is(new TimeoutError('Starting', 250).message, 'Starting did not finish within 250 ms.');
});

test('throwIfAborted throws AbortedError only once the signal fired, carrying the reason', () => {
  throwIfAborted(undefined, 'x');
  const controller = new AbortController();
  throwIfAborted(controller.signal, 'Build');
  const reason = new Error('user pressed ctrl-c');
  controller.abort(reason);
  try {
    throwIfAborted(controller.signal, 'Build');
    assert.unreachable();
  } catch (err) {
    assert.instance(err, AbortedError);
    assert.is((err as AbortedError).message, 'Build was aborted: user pressed ctrl-c.');
    assert.is((err as AbortedError).cause, reason);
  }
});

test.run();
