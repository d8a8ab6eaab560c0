// resolveEndpoint with an injected environment and an in-memory file system.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { describeEndpoint, resolveEndpoint, DEFAULT_SOCKET, InvalidInputError, type Endpoint } from 'harpoon';
import type { ResolveEnv } from '../../src/core/endpoint.ts';

const HOME = '/home/ada';

function sys(
  env: Record<string, string | undefined> = {},
  files: Record<string, string> = {},
): ResolveEnv & { reads: string[] } {
  const reads: string[] = [];
  return {
    env,
    home: HOME,
    reads,
    readFile: (path) => {
      reads.push(path);
      return path in files ? Buffer.from(files[path]!, 'utf8') : undefined;
    },
  };
}

const sha = (name: string) => createHash('sha256').update(name).digest('hex');

/** The files the docker CLI writes for a context, under `configDir`. */
function contextFiles(
  configDir: string,
  name: string,
  host: string,
  opts: { skipTLSVerify?: boolean; tls?: boolean } = {},
): Record<string, string> {
  const id = sha(name);
  const files: Record<string, string> = {
    [`${configDir}/contexts/meta/${id}/meta.json`]: JSON.stringify({
      Name: name,
      Metadata: {},
      Endpoints: { docker: { Host: host, SkipTLSVerify: opts.skipTLSVerify ?? false } },
    }),
  };
  if (opts.tls) {
    const dir = `${configDir}/contexts/tls/${id}/docker`;
    files[`${dir}/ca.pem`] = `ca of ${name}`;
    files[`${dir}/cert.pem`] = `cert of ${name}`;
    files[`${dir}/key.pem`] = `key of ${name}`;
  }
  return files;
}

function tcp(e: Endpoint): Extract<Endpoint, { kind: 'tcp' }> {
  assert.is(e.kind, 'tcp', `expected a tcp endpoint, got ${JSON.stringify(e)}`);
  return e as Extract<Endpoint, { kind: 'tcp' }>;
}

function throwsInvalid(fn: () => unknown): InvalidInputError {
  try {
    fn();
  } catch (err) {
    assert.instance(err, InvalidInputError);
    return err as InvalidInputError;
  }
  assert.unreachable('expected an InvalidInputError');
  throw new Error('unreachable');
}

// --- defaults and DOCKER_HOST -------------------------------------------------------------

test('nothing configured → the default unix socket', () => {
  const e = resolveEndpoint({}, sys());
  assert.equal(e, {
    kind: 'unix',
    url: `unix://${DEFAULT_SOCKET}`,
    socketPath: DEFAULT_SOCKET,
    source: 'the default socket',
  });
  assert.is(DEFAULT_SOCKET, '/var/run/docker.sock');
});

test('DOCKER_HOST unix:// with a path', () => {
  const e = resolveEndpoint({}, sys({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }));
  assert.is(e.kind, 'unix');
  assert.is((e as Extract<Endpoint, { kind: 'unix' }>).socketPath, '/run/user/1000/docker.sock');
  assert.is(e.url, 'unix:///run/user/1000/docker.sock');
  assert.is(e.source, 'DOCKER_HOST');
});

test('DOCKER_HOST unix:// without a path → the default socket, still from DOCKER_HOST', () => {
  const e = resolveEndpoint({}, sys({ DOCKER_HOST: 'unix://' }));
  assert.is(e.kind, 'unix');
  assert.is((e as Extract<Endpoint, { kind: 'unix' }>).socketPath, DEFAULT_SOCKET);
  assert.is(e.url, `unix://${DEFAULT_SOCKET}`);
  assert.is(e.source, 'DOCKER_HOST');
});

test('DOCKER_HOST tcp:// plain: port 2375 by default, no TLS', () => {
  const e = tcp(resolveEndpoint({}, sys({ DOCKER_HOST: 'tcp://engine.local' })));
  assert.is(e.host, 'engine.local');
  assert.is(e.port, 2375);
  assert.is(e.url, 'tcp://engine.local:2375');
  assert.is(e.tls, undefined);
  assert.is(e.source, 'DOCKER_HOST');
});

test('DOCKER_HOST tcp:// with an explicit port keeps it', () => {
  const e = tcp(resolveEndpoint({}, sys({ DOCKER_HOST: 'tcp://10.0.0.5:12375' })));
  assert.is(e.host, '10.0.0.5');
  assert.is(e.port, 12375);
  assert.is(e.url, 'tcp://10.0.0.5:12375');
});

test('a host without a scheme is treated as tcp', () => {
  const e = tcp(resolveEndpoint({}, sys({ DOCKER_HOST: 'engine.local:4243' })));
  assert.is(e.host, 'engine.local');
  assert.is(e.port, 4243);
  assert.is(e.url, 'tcp://engine.local:4243');
  const bare = tcp(resolveEndpoint({ host: 'engine.local' }, sys()));
  assert.is(bare.port, 2375);
});

test('DOCKER_TLS_VERIFY=1 reads ca/cert/key from DOCKER_CERT_PATH and verifies; default port 2376', () => {
  const s = sys(
    { DOCKER_HOST: 'tcp://secure.example', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' },
    { '/certs/ca.pem': 'CA', '/certs/cert.pem': 'CERT', '/certs/key.pem': 'KEY', [`${HOME}/.docker/ca.pem`]: 'WRONG' },
  );
  const e = tcp(resolveEndpoint({}, s));
  assert.is(e.port, 2376);
  assert.is(e.url, 'tcp://secure.example:2376');
  assert.ok(e.tls);
  assert.is(e.tls!.verify, true);
  assert.is(e.tls!.ca?.toString(), 'CA');
  assert.is(e.tls!.cert?.toString(), 'CERT');
  assert.is(e.tls!.key?.toString(), 'KEY');
});

test('DOCKER_TLS_VERIFY without DOCKER_CERT_PATH reads the files from ~/.docker', () => {
  const d = `${HOME}/.docker`;
  const s = sys(
    { DOCKER_HOST: 'tcp://secure.example:2376', DOCKER_TLS_VERIFY: '1' },
    { [`${d}/ca.pem`]: 'CA', [`${d}/cert.pem`]: 'CERT', [`${d}/key.pem`]: 'KEY' },
  );
  const e = tcp(resolveEndpoint({}, s));
  assert.is(e.tls?.verify, true);
  assert.is(e.tls?.ca?.toString(), 'CA');
  assert.is(e.tls?.cert?.toString(), 'CERT');
  assert.is(e.tls?.key?.toString(), 'KEY');
});

test('DOCKER_TLS_VERIFY with DOCKER_CONFIG (and no DOCKER_CERT_PATH) reads the files from DOCKER_CONFIG', () => {
  const s = sys(
    { DOCKER_HOST: 'tcp://secure.example', DOCKER_TLS_VERIFY: '1', DOCKER_CONFIG: '/etc/dockercfg' },
    {
      '/etc/dockercfg/ca.pem': 'CA2',
      '/etc/dockercfg/cert.pem': 'CERT2',
      '/etc/dockercfg/key.pem': 'KEY2',
      [`${HOME}/.docker/ca.pem`]: 'WRONG',
    },
  );
  const e = tcp(resolveEndpoint({}, s));
  assert.is(e.tls?.ca?.toString(), 'CA2');
  assert.is(e.tls?.cert?.toString(), 'CERT2');
  assert.is(e.tls?.key?.toString(), 'KEY2');
});

test('DOCKER_TLS (no DOCKER_TLS_VERIFY) enables TLS without verification', () => {
  const s = sys(
    { DOCKER_HOST: 'tcp://secure.example', DOCKER_TLS: '1', DOCKER_CERT_PATH: '/certs' },
    { '/certs/ca.pem': 'CA' },
  );
  const e = tcp(resolveEndpoint({}, s));
  assert.ok(e.tls);
  assert.is(e.tls!.verify, false);
  assert.is(e.tls!.ca?.toString(), 'CA');
  assert.is(e.tls!.cert, undefined);
  assert.is(e.port, 2376);
});

test('TLS environment variables do not turn TLS on for unix endpoints', () => {
  const e = resolveEndpoint({}, sys({ DOCKER_HOST: 'unix:///x.sock', DOCKER_TLS_VERIFY: '1' }));
  assert.is(e.kind, 'unix');
  assert.not.ok('tls' in e);
});

test('ssh://user@host:2222', () => {
  const e = resolveEndpoint({}, sys({ DOCKER_HOST: 'ssh://deploy@build.example:2222' }));
  assert.equal(e, {
    kind: 'ssh',
    url: 'ssh://deploy@build.example:2222',
    host: 'build.example',
    port: 2222,
    username: 'deploy',
    source: 'DOCKER_HOST',
  });
});

test('ssh:// without user or port: port 22, no username', () => {
  const e = resolveEndpoint({ host: 'ssh://build.example' }, sys());
  assert.is(e.kind, 'ssh');
  const s = e as Extract<Endpoint, { kind: 'ssh' }>;
  assert.is(s.port, 22);
  assert.is(s.host, 'build.example');
  assert.not.ok('username' in s);
});

test('an unsupported scheme → InvalidInputError naming where it came from', () => {
  const err = throwsInvalid(() => resolveEndpoint({}, sys({ DOCKER_HOST: 'ftp://engine.local' })));
  assert.is(err.field, 'DOCKER_HOST');
  assert.is(err.code, 'INVALID_INPUT');
  assert.match(err.message, 'ftp:');
  assert.match(err.message, 'ftp://engine.local');
});

test('an unparsable URL → InvalidInputError', () => {
  const err = throwsInvalid(() => resolveEndpoint({ host: 'tcp://[not-an-ip' }, sys()));
  assert.is(err.field, 'the host option');
  assert.match(err.message, 'tcp://[not-an-ip');
});

// --- contexts -----------------------------------------------------------------------------

test('DOCKER_CONTEXT: meta.json under <config>/contexts/meta/<sha256>/, tcp without TLS files', () => {
  const cfg = `${HOME}/.docker`;
  const s = sys({ DOCKER_CONTEXT: 'remote' }, contextFiles(cfg, 'remote', 'tcp://remote.example:2375'));
  const e = tcp(resolveEndpoint({}, s));
  assert.is(e.url, 'tcp://remote.example:2375');
  assert.is(e.tls, undefined);
  assert.ok(s.reads.includes(`${cfg}/contexts/meta/${sha('remote')}/meta.json`));
  assert.match(e.source, 'docker context "remote"');
  assert.match(e.source, 'DOCKER_CONTEXT');
});

test('DOCKER_CONTEXT with TLS files under contexts/tls/<sha256>/docker, verified', () => {
  const cfg = `${HOME}/.docker`;
  const s = sys({ DOCKER_CONTEXT: 'prod' }, contextFiles(cfg, 'prod', 'tcp://prod.example', { tls: true }));
  const e = tcp(resolveEndpoint({}, s));
  assert.is(e.port, 2376);
  assert.ok(e.tls);
  assert.is(e.tls!.verify, true);
  assert.is(e.tls!.ca?.toString(), 'ca of prod');
  assert.is(e.tls!.cert?.toString(), 'cert of prod');
  assert.is(e.tls!.key?.toString(), 'key of prod');
});

test('a context with SkipTLSVerify:true uses TLS without verification', () => {
  const cfg = `${HOME}/.docker`;
  const s = sys(
    { DOCKER_CONTEXT: 'lab' },
    contextFiles(cfg, 'lab', 'tcp://lab.example:2376', { tls: true, skipTLSVerify: true }),
  );
  const e = tcp(resolveEndpoint({}, s));
  assert.is(e.tls?.verify, false);
  assert.is(e.tls?.ca?.toString(), 'ca of lab');
});

test('contexts are looked up under DOCKER_CONFIG when it is set', () => {
  const s = sys(
    { DOCKER_CONTEXT: 'c1', DOCKER_CONFIG: '/opt/dcfg' },
    {
      ...contextFiles('/opt/dcfg', 'c1', 'unix:///opt/c1.sock'),
      ...contextFiles(`${HOME}/.docker`, 'c1', 'unix:///wrong.sock'),
    },
  );
  const e = resolveEndpoint({}, s);
  assert.is(e.url, 'unix:///opt/c1.sock');
});

test('a context pointing at ssh://', () => {
  const cfg = `${HOME}/.docker`;
  const s = sys({ DOCKER_CONTEXT: 'far' }, contextFiles(cfg, 'far', 'ssh://me@far.example'));
  const e = resolveEndpoint({}, s);
  assert.is(e.kind, 'ssh');
  assert.is((e as Extract<Endpoint, { kind: 'ssh' }>).username, 'me');
});

test('currentContext in config.json selects a context', () => {
  const cfg = `${HOME}/.docker`;
  const s = sys(
    {},
    {
      [`${cfg}/config.json`]: JSON.stringify({ auths: {}, currentContext: 'work' }),
      ...contextFiles(cfg, 'work', 'tcp://work.example:2375'),
    },
  );
  const e = tcp(resolveEndpoint({}, s));
  assert.is(e.url, 'tcp://work.example:2375');
  assert.match(e.source, 'docker context "work"');
  assert.match(e.source, `currentContext in ${cfg}/config.json`);
});

test('currentContext in $DOCKER_CONFIG/config.json', () => {
  const s = sys(
    { DOCKER_CONFIG: '/cfg' },
    {
      '/cfg/config.json': JSON.stringify({ currentContext: 'work' }),
      ...contextFiles('/cfg', 'work', 'tcp://work2.example:1234'),
    },
  );
  const e = tcp(resolveEndpoint({}, s));
  assert.is(e.url, 'tcp://work2.example:1234');
  assert.match(e.source, '/cfg/config.json');
});

test('currentContext "default" (or empty) is ignored → the default socket', () => {
  const cfg = `${HOME}/.docker`;
  for (const current of ['default', '']) {
    const s = sys(
      {},
      {
        [`${cfg}/config.json`]: JSON.stringify({ currentContext: current }),
        // A context literally called "default" on disk must not be read.
        ...contextFiles(cfg, 'default', 'tcp://should-not-be-used:2375'),
      },
    );
    const e = resolveEndpoint({}, s);
    assert.is(e.kind, 'unix', `currentContext ${JSON.stringify(current)}`);
    assert.is(e.url, `unix://${DEFAULT_SOCKET}`);
    assert.is(e.source, 'the default socket');
  }
});

test('config.json without currentContext → the default socket', () => {
  const s = sys({}, { [`${HOME}/.docker/config.json`]: '{"auths":{}}' });
  assert.is(resolveEndpoint({}, s).source, 'the default socket');
});

test('DOCKER_CONTEXT=default means the default socket', () => {
  const e = resolveEndpoint({}, sys({ DOCKER_CONTEXT: 'default' }));
  assert.is(e.kind, 'unix');
  assert.is(e.url, `unix://${DEFAULT_SOCKET}`);
  assert.match(e.source, 'docker context "default"');
});

test('a missing context → InvalidInputError naming the context', () => {
  const err = throwsInvalid(() => resolveEndpoint({}, sys({ DOCKER_CONTEXT: 'ghost' })));
  assert.is(err.field, 'DOCKER_CONTEXT');
  assert.match(err.message, '"ghost"');
  assert.match(err.message, 'does not exist');
  const viaOption = throwsInvalid(() => resolveEndpoint({ context: 'phantom' }, sys()));
  assert.match(viaOption.message, '"phantom"');
  assert.is(viaOption.field, 'the context option');
});

test('a missing currentContext → InvalidInputError naming the context and config.json', () => {
  const cfg = `${HOME}/.docker`;
  const err = throwsInvalid(() =>
    resolveEndpoint({}, sys({}, { [`${cfg}/config.json`]: '{"currentContext":"gone"}' })),
  );
  assert.match(err.message, '"gone"');
  assert.match(err.message, `${cfg}/config.json`);
});

test('invalid config.json → InvalidInputError naming the file', () => {
  const cfg = `${HOME}/.docker`;
  const err = throwsInvalid(() => resolveEndpoint({}, sys({}, { [`${cfg}/config.json`]: '{ not json' })));
  assert.is(err.field, `${cfg}/config.json`);
  assert.match(err.message, `${cfg}/config.json`);
  assert.match(err.message, 'not valid JSON');
});

test('an invalid context meta.json → InvalidInputError naming that file', () => {
  const cfg = `${HOME}/.docker`;
  const meta = `${cfg}/contexts/meta/${sha('broken')}/meta.json`;
  const err = throwsInvalid(() => resolveEndpoint({ context: 'broken' }, sys({}, { [meta]: '{{' })));
  assert.is(err.field, meta);
  assert.match(err.message, meta);
});

test('a context without Endpoints.docker.Host → InvalidInputError', () => {
  const cfg = `${HOME}/.docker`;
  const meta = `${cfg}/contexts/meta/${sha('empty')}/meta.json`;
  const err = throwsInvalid(() =>
    resolveEndpoint({ context: 'empty' }, sys({}, { [meta]: '{"Name":"empty","Endpoints":{}}' })),
  );
  assert.match(err.message, 'Endpoints.docker.Host');
  assert.match(err.message, '"empty"');
});

// --- precedence ---------------------------------------------------------------------------

/** Every source configured at once, each pointing somewhere distinguishable. */
function everything(): ResolveEnv {
  const cfg = `${HOME}/.docker`;
  return sys(
    { DOCKER_HOST: 'tcp://from-env-host:1', DOCKER_CONTEXT: 'envctx' },
    {
      [`${cfg}/config.json`]: JSON.stringify({ currentContext: 'cfgctx' }),
      ...contextFiles(cfg, 'optctx', 'tcp://from-option-context:2'),
      ...contextFiles(cfg, 'envctx', 'tcp://from-env-context:3'),
      ...contextFiles(cfg, 'cfgctx', 'tcp://from-config-context:4'),
    },
  );
}

test('precedence: host option > context option > DOCKER_HOST > DOCKER_CONTEXT > currentContext > default', () => {
  const all = everything();
  const host = resolveEndpoint({ host: 'tcp://from-option-host:9', context: 'optctx' }, all);
  assert.is(host.url, 'tcp://from-option-host:9');
  assert.is(host.source, 'the host option');

  const ctx = resolveEndpoint({ context: 'optctx' }, all);
  assert.is(ctx.url, 'tcp://from-option-context:2');
  assert.match(ctx.source, 'the context option');

  const envHost = resolveEndpoint({}, all);
  assert.is(envHost.url, 'tcp://from-env-host:1');
  assert.is(envHost.source, 'DOCKER_HOST');

  const withoutHost = { ...all, env: { ...all.env, DOCKER_HOST: undefined } };
  const envCtx = resolveEndpoint({}, withoutHost);
  assert.is(envCtx.url, 'tcp://from-env-context:3');
  assert.match(envCtx.source, 'DOCKER_CONTEXT');

  const onlyConfig = { ...all, env: {} };
  const cfgCtx = resolveEndpoint({}, onlyConfig);
  assert.is(cfgCtx.url, 'tcp://from-config-context:4');
  assert.match(cfgCtx.source, 'currentContext');

  const nothing = { ...all, env: {}, readFile: () => undefined };
  assert.is(resolveEndpoint({}, nothing).source, 'the default socket');
});

test('an explicit host option ignores DOCKER_TLS_VERIFY but uses the given TLS material', () => {
  const s = sys({ DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' }, { '/certs/ca.pem': 'ENV-CA' });
  const plain = tcp(resolveEndpoint({ host: 'tcp://h' }, s));
  assert.is(plain.tls, undefined);
  assert.is(plain.port, 2375);
  const tls = { ca: Buffer.from('OPT-CA'), verify: true };
  const withTls = tcp(resolveEndpoint({ host: 'tcp://h', tls }, s));
  assert.is(withTls.tls, tls);
  assert.is(withTls.port, 2376);
});

test('DOCKER_HOST https:// turns TLS on (port 2376) even without DOCKER_TLS*', () => {
  const e = tcp(resolveEndpoint({}, sys({ DOCKER_HOST: 'https://s.example' })));
  assert.ok(e.tls);
  assert.is(e.tls!.verify, false);
  assert.is(e.port, 2376);
});

// Regression (was a bug): src/core/endpoint.ts parseHost only honours an https:// scheme when tls === 'from-env';
// an explicit host option "https://s.example" (no tls option) silently becomes plain HTTP on
// tcp://s.example:2375, while the same URL in DOCKER_HOST gives TLS on port 2376.
test('an explicit https:// host option is not downgraded to plain HTTP', () => {
  const e = tcp(resolveEndpoint({ host: 'https://s.example' }, sys()));
  assert.ok(e.tls, 'https:// must not be sent as plain HTTP');
  assert.is(e.port, 2376);
});

// --- describeEndpoint ---------------------------------------------------------------------

test('describeEndpoint says where, how (TLS verified or not, plain) and why', () => {
  const verified = describeEndpoint(
    resolveEndpoint(
      {},
      sys({ DOCKER_HOST: 'tcp://s.example', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/c' }, { '/c/ca.pem': 'x' }),
    ),
  );
  assert.match(verified, 'tcp://s.example:2376');
  assert.match(verified, 'TLS (verified)');
  assert.match(verified, 'DOCKER_HOST');

  const unverified = describeEndpoint(resolveEndpoint({}, sys({ DOCKER_HOST: 'tcp://s.example', DOCKER_TLS: '1' })));
  assert.match(unverified, 'TLS (not verified)');
  assert.not.match(unverified, '(verified)');

  const plain = describeEndpoint(resolveEndpoint({}, sys({ DOCKER_HOST: 'tcp://p.example' })));
  assert.match(plain, 'plain HTTP');
  assert.not.match(plain, 'TLS');

  const unix = describeEndpoint(resolveEndpoint({}, sys()));
  assert.is(unix, `unix://${DEFAULT_SOCKET}, chosen from the default socket`);

  const ssh = describeEndpoint(resolveEndpoint({ host: 'ssh://u@h' }, sys()));
  assert.match(ssh, 'ssh');
  assert.match(ssh, 'the host option');
});

test.run();
