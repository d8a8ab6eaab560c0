// --print-command rendering: docker command lines from request data, quoted for a POSIX shell,
// with secret-looking values masked.
import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  dockerBuild,
  dockerPush,
  dockerRmi,
  dockerRun,
  dockerTag,
  dockerTransfer,
  formatCommand,
  MASK,
  maskValue,
  shellQuote,
} from '../../src/project/print-command.ts';

test('shellQuote leaves plain words alone and single-quotes the rest', () => {
  assert.is(shellQuote('harpoon-web:ada'), 'harpoon-web:ada');
  assert.is(shellQuote('/home/ada/p:/src:ro'), '/home/ada/p:/src:ro');
  assert.is(shellQuote('a b'), `'a b'`);
  assert.is(shellQuote(''), `''`);
  assert.is(shellQuote(`it's`), `'it'\\''s'`);
  assert.is(shellQuote('$HOME'), `'$HOME'`);
});

test('formatCommand round-trips through a real shell, argument for argument', () => {
  const argv = ['printf', '%s\\n', 'plain', 'two words', `it's`, '$HOME', '"quoted"', 'tab\there', ''];
  const out = execFileSync('sh', ['-c', formatCommand(argv)], { encoding: 'utf8' });
  assert.equal(out.split('\n').slice(0, -1), argv.slice(2));
});

test('maskValue hides passwords, tokens, secrets and keys, nothing else', () => {
  for (const key of [
    'PASSWORD',
    'db_password',
    'REGISTRY_PASS',
    'GITHUB_TOKEN',
    'client_secret',
    'AWS_SECRET_ACCESS_KEY',
    'API_KEY',
    'ssh_key',
    'NPM_AUTH',
    'private_key',
  ]) {
    assert.is(maskValue(key, 'hunter2'), MASK, key);
  }
  for (const key of ['USER', 'HOME', 'PORT', 'KEYBOARD_LAYOUT', 'MONKEY_COUNT'])
    assert.is(maskValue(key, 'v'), 'v', key);
});

test('dockerBuild: tags, file, build args (masked), labels, target, flags, context last', () => {
  const argv = dockerBuild({
    tags: ['p-web:ada', 'p-web-builder:ada'],
    context: '/home/ada/p',
    dockerfile: 'docker/web/Dockerfile',
    buildArgs: { VERSION: '1.2', NPM_TOKEN: 'abc' },
    labels: { 'harpoon.image': 'true' },
    target: 'builder',
    pull: true,
    noCache: true,
    engine: { context: 'dock1' },
  });
  assert.equal(argv, [
    'docker',
    '--context',
    'dock1',
    'build',
    '-t',
    'p-web:ada',
    '-t',
    'p-web-builder:ada',
    '-f',
    'docker/web/Dockerfile',
    '--build-arg',
    'VERSION=1.2',
    '--build-arg',
    `NPM_TOKEN=${MASK}`,
    '--label',
    'harpoon.image=true',
    '--target',
    'builder',
    '--pull',
    '--no-cache',
    '/home/ada/p',
  ]);
});

test('dockerRun: every option in docker order, image then command', () => {
  const argv = dockerRun({
    image: 'p-dev:ada',
    cmd: ['bash', '-lc', 'make test'],
    name: 'p-dev',
    remove: true,
    interactive: true,
    tty: true,
    env: { A: 'b=c', DB_PASSWORD: 'x' },
    volumes: ['/home/ada/p:/src'],
    mounts: ['type=volume,target=/data'],
    ports: ['127.0.0.1:8888:8888'],
    network: 'net1',
    gpus: 'all',
    workdir: '/src',
    engine: { host: 'ssh://ada@dock' },
  });
  assert.is(
    formatCommand(argv),
    `docker -H ssh://ada@dock run --rm -it --name p-dev -e A=b=c -e 'DB_PASSWORD=${MASK}' -v /home/ada/p:/src --mount type=volume,target=/data -p 127.0.0.1:8888:8888 --network net1 --gpus all -w /src p-dev:ada bash -lc 'make test'`,
  );
  assert.equal(dockerRun({ image: 'x', detach: true, interactive: true }), ['docker', 'run', '-d', '-i', 'x']);
  assert.equal(dockerRun({ image: 'x', tty: true }), ['docker', 'run', '-t', 'x']);
  // --init, variables passed on by name (their values never printed), other flags before the image.
  assert.equal(
    dockerRun({
      image: 'x',
      init: true,
      passEnv: ['AWS_SECRET_ACCESS_KEY'],
      env: { A: '1' },
      flags: ['--privileged'],
      cmd: ['sh'],
    }),
    ['docker', 'run', '--init', '-e', 'AWS_SECRET_ACCESS_KEY', '-e', 'A=1', '--privileged', 'x', 'sh'],
  );
});

test('dockerBuild --network and --platform; dockerRmi', () => {
  assert.equal(dockerBuild({ tags: ['a:1'], context: '.', network: 'host', platform: 'linux/amd64' }), [
    'docker',
    'build',
    '-t',
    'a:1',
    '--network',
    'host',
    '--platform',
    'linux/amd64',
    '.',
  ]);
  assert.equal(dockerRmi('p-web:ada', { host: 'unix:///x.sock' }), [
    'docker',
    '-H',
    'unix:///x.sock',
    'rmi',
    'p-web:ada',
  ]);
});

test('transfer, tag and push lines', () => {
  assert.is(
    dockerTransfer('p-base:ada', undefined, { context: 'dock 2' }),
    `docker save p-base:ada | docker --context 'dock 2' load`,
  );
  assert.equal(dockerTag('p-web:ada', '127.0.0.1:5000/p-web:1.0'), [
    'docker',
    'tag',
    'p-web:ada',
    '127.0.0.1:5000/p-web:1.0',
  ]);
  assert.equal(dockerPush('127.0.0.1:5000/p-web:1.0', { context: 'd' }), [
    'docker',
    '--context',
    'd',
    'push',
    '127.0.0.1:5000/p-web:1.0',
  ]);
});

test.run();
