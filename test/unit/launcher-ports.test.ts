// Published ports: which binding the launcher uses, and the URL it hands out for each kind of endpoint.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveEndpoint, type Endpoint } from 'harpoon';
import { type ResolveEnv } from '../../src/core/endpoint.ts';
import { pickBinding, urlHost } from '../../src/launcher/ports.ts';
import { appUrl } from '../../src/launcher/ports.ts';

const noFiles: ResolveEnv = { env: {}, home: '/home/ada', readFile: () => undefined };
/** An endpoint exactly as the core resolves it from a host string. */
const endpointFor = (host: string): Endpoint => resolveEndpoint({ host }, noFiles);

const unix: Endpoint = {
  kind: 'unix',
  url: 'unix:///var/run/docker.sock',
  socketPath: '/var/run/docker.sock',
  source: 'the default socket',
};
const tcpHost: Endpoint = {
  kind: 'tcp',
  url: 'tcp://engine.example:2375',
  host: 'engine.example',
  port: 2375,
  source: 'DOCKER_HOST',
};
const ssh: Endpoint = {
  kind: 'ssh',
  url: 'ssh://deploy@build.example:2222',
  host: 'build.example',
  port: 2222,
  username: 'deploy',
  source: 'DOCKER_HOST',
};

// --- pickBinding --------------------------------------------------------------------------------

test('nothing published → undefined', () => {
  assert.is(pickBinding(undefined), undefined);
  assert.is(pickBinding(null), undefined);
  assert.is(pickBinding([]), undefined);
  // Not assigned (yet): no usable port.
  assert.is(pickBinding([{ HostIp: '0.0.0.0', HostPort: '' }]), undefined);
  assert.is(pickBinding([{ HostIp: '127.0.0.1', HostPort: '0' }]), undefined);
  assert.is(pickBinding([{ HostIp: '127.0.0.1' }]), undefined);
});

test('one IPv4 binding', () => {
  assert.equal(pickBinding([{ HostIp: '127.0.0.1', HostPort: '49153' }]), { hostIp: '127.0.0.1', hostPort: 49153 });
  assert.equal(pickBinding([{ HostIp: '192.168.1.20', HostPort: '8080' }]), { hostIp: '192.168.1.20', hostPort: 8080 });
});

test('the IPv4 + IPv6 pair the engine reports for 0.0.0.0 publishing → the IPv4 one, either order', () => {
  const pair = [
    { HostIp: '0.0.0.0', HostPort: '32768' },
    { HostIp: '::', HostPort: '32768' },
  ];
  assert.equal(pickBinding(pair), { hostIp: '0.0.0.0', hostPort: 32768 });
  assert.equal(pickBinding([...pair].reverse()), { hostIp: '0.0.0.0', hostPort: 32768 });
  // The input is not reordered.
  assert.is(pair[0]!.HostIp, '0.0.0.0');
});

test('127.0.0.1 is preferred over every other binding', () => {
  const bindings = [
    { HostIp: '::', HostPort: '32770' },
    { HostIp: '0.0.0.0', HostPort: '32769' },
    { HostIp: '::1', HostPort: '32771' },
    { HostIp: '127.0.0.1', HostPort: '32772' },
  ];
  assert.equal(pickBinding(bindings), { hostIp: '127.0.0.1', hostPort: 32772 });
});

test('an empty or missing HostIp counts as IPv4 all-interfaces', () => {
  assert.equal(
    pickBinding([
      { HostIp: '::', HostPort: '2' },
      { HostIp: '', HostPort: '1' },
    ]),
    { hostIp: '', hostPort: 1 },
  );
  assert.equal(pickBinding([{ HostIp: '::', HostPort: '2' }, { HostPort: '3' }]), { hostIp: '', hostPort: 3 });
});

test('a specific IPv4 address is preferred over IPv6 wildcards and addresses', () => {
  assert.equal(
    pickBinding([
      { HostIp: '::', HostPort: '1001' },
      { HostIp: 'fd00::7', HostPort: '1002' },
      { HostIp: '::1', HostPort: '1003' },
      { HostIp: '192.168.1.20', HostPort: '1004' },
    ]),
    { hostIp: '192.168.1.20', hostPort: 1004 },
  );
  assert.equal(
    pickBinding([
      { HostIp: 'fd00::7', HostPort: '1002' },
      { HostIp: '::', HostPort: '1001' },
      { HostIp: '::1', HostPort: '1003' },
    ]),
    { hostIp: '::1', hostPort: 1003 },
  );
});

test('IPv6 only', () => {
  assert.equal(pickBinding([{ HostIp: '::', HostPort: '32768' }]), { hostIp: '::', hostPort: 32768 });
  assert.equal(
    pickBinding([
      { HostIp: '::', HostPort: '40000' },
      { HostIp: '::1', HostPort: '40001' },
    ]),
    { hostIp: '::1', hostPort: 40001 },
  );
  assert.equal(pickBinding([{ HostIp: 'fd00::5', HostPort: '40002' }]), { hostIp: 'fd00::5', hostPort: 40002 });
});

test('an unusable binding is skipped for a usable one', () => {
  assert.equal(
    pickBinding([
      { HostIp: '127.0.0.1', HostPort: '' },
      { HostIp: '::', HostPort: '5000' },
    ]),
    { hostIp: '::', hostPort: 5000 },
  );
});

// --- urlHost / appUrl ---------------------------------------------------------------------------

test("unix socket: the binding's address on this machine, wildcards on loopback", () => {
  assert.is(urlHost(unix, { hostIp: '127.0.0.1', hostPort: 1 }), '127.0.0.1');
  assert.is(urlHost(unix, { hostIp: '0.0.0.0', hostPort: 1 }), '127.0.0.1');
  assert.is(urlHost(unix, { hostIp: '', hostPort: 1 }), '127.0.0.1');
  assert.is(urlHost(unix, { hostIp: '::', hostPort: 1 }), '[::1]');
  assert.is(urlHost(unix, { hostIp: '::1', hostPort: 1 }), '[::1]');
  assert.is(urlHost(unix, { hostIp: '192.168.1.20', hostPort: 1 }), '192.168.1.20');
  assert.is(urlHost(unix, { hostIp: 'fd00::5', hostPort: 1 }), '[fd00::5]');
});

test('unix socket: app URLs', () => {
  assert.is(appUrl(unix, { hostIp: '127.0.0.1', hostPort: 49153 }), 'http://127.0.0.1:49153');
  assert.is(appUrl(unix, { hostIp: '0.0.0.0', hostPort: 32768 }), 'http://127.0.0.1:32768');
  assert.is(appUrl(unix, { hostIp: '::', hostPort: 32768 }), 'http://[::1]:32768');
  assert.is(appUrl(unix, { hostIp: '0.0.0.0', hostPort: 32768 }, 'apps.example'), 'http://apps.example:32768');
  assert.is(
    appUrl(endpointFor('unix:///run/user/1000/docker.sock'), { hostIp: '127.0.0.1', hostPort: 8000 }),
    'http://127.0.0.1:8000',
  );
});

test("tcp with a host name: the engine's host, whatever the binding", () => {
  assert.is(urlHost(tcpHost, { hostIp: '0.0.0.0', hostPort: 1 }), 'engine.example');
  assert.is(urlHost(tcpHost, { hostIp: '::', hostPort: 1 }), 'engine.example');
  assert.is(appUrl(tcpHost, { hostIp: '0.0.0.0', hostPort: 32768 }), 'http://engine.example:32768');
  assert.is(
    appUrl(endpointFor('tcp://10.0.0.5:2376'), { hostIp: '0.0.0.0', hostPort: 32768 }),
    'http://10.0.0.5:32768',
  );
  assert.is(appUrl(tcpHost, { hostIp: '0.0.0.0', hostPort: 32768 }, 'proxy.example'), 'http://proxy.example:32768');
});

test('tcp with an IPv6 literal: bracketed once', () => {
  const bare: Endpoint = {
    kind: 'tcp',
    url: 'tcp://[2001:db8::5]:2375',
    host: '2001:db8::5',
    port: 2375,
    source: 'DOCKER_HOST',
  };
  assert.is(urlHost(bare, { hostIp: '0.0.0.0', hostPort: 1 }), '[2001:db8::5]');
  assert.is(appUrl(bare, { hostIp: '0.0.0.0', hostPort: 32768 }), 'http://[2001:db8::5]:32768');
});

// Regression (was a bug): resolveEndpoint keeps URL.hostname, which for an IPv6 literal is
// "[2001:db8::5]" with its brackets; urlHost bracketed it again → http://[[2001:db8::5]]:32768.
test('tcp/ssh IPv6 endpoints as resolveEndpoint makes them: bracketed once', () => {
  const tcp6 = endpointFor('tcp://[2001:db8::5]:2375');
  assert.is(tcp6.kind, 'tcp');
  assert.is(appUrl(tcp6, { hostIp: '0.0.0.0', hostPort: 32768 }), 'http://[2001:db8::5]:32768');
  assert.is(appUrl(endpointFor('tcp://[::1]:2375'), { hostIp: '::', hostPort: 8080 }), 'http://[::1]:8080');
  assert.is(
    appUrl(endpointFor('ssh://me@[fd00::7]:22'), { hostIp: '0.0.0.0', hostPort: 9000 }),
    'http://[fd00::7]:9000',
  );
});

test("ssh: the engine's host, not the user or ssh port", () => {
  assert.is(urlHost(ssh, { hostIp: '127.0.0.1', hostPort: 1 }), 'build.example');
  assert.is(appUrl(ssh, { hostIp: '0.0.0.0', hostPort: 32768 }), 'http://build.example:32768');
  assert.is(
    appUrl(endpointFor('ssh://build.example'), { hostIp: '0.0.0.0', hostPort: 32768 }),
    'http://build.example:32768',
  );
});

test.run();
