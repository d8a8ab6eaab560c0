// Proxy routing without an engine: which container a request is for, by path
// (`/docker/<name>/<rest>`) or by host (`<name>.docker.localhost`), and the options' normalization.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { route as routeRequest } from '../../src/proxy/routing.ts';
import {
  isContainerName,
  normalizeHostSuffix,
  normalizePrefix,
  type RouteMatch,
  type Routing,
  type RoutingRules,
} from '../../src/proxy/routing.ts';
import { hostName } from '../../src/proxy/routing.ts';

const pathOnly: RoutingRules = { pathPrefix: '/docker', stripPrefix: true };
const pathWhole: RoutingRules = { pathPrefix: '/docker', stripPrefix: false };
const hostOnly: RoutingRules = { stripPrefix: true, hostSuffix: '.docker.localhost' };
const both: RoutingRules = { pathPrefix: '/docker', stripPrefix: true, hostSuffix: '.docker.localhost' };

/** The match of a routed request (fails the test for any other outcome). */
function routed(rules: RoutingRules, host: string | undefined, url: string): RouteMatch {
  const result = routeRequest(rules, host, url);
  if (result.kind !== 'route')
    assert.unreachable(`expected ${host ?? '(no host)'} ${url} to be routed, got ${JSON.stringify(result)}`);
  return (result as Extract<Routing, { kind: 'route' }>).match;
}

function invalid(rules: RoutingRules, host: string | undefined, url: string): string {
  const result = routeRequest(rules, host, url);
  if (result.kind !== 'invalid')
    assert.unreachable(`expected ${host ?? '(no host)'} ${url} to be invalid, got ${JSON.stringify(result)}`);
  return (result as Extract<Routing, { kind: 'invalid' }>).reason;
}

const redirect = (rules: RoutingRules, host: string | undefined, url: string): Routing =>
  routeRequest(rules, host, url);

// --- path routing -----------------------------------------------------------------------------

test('path routing, prefix stripped: the rest of the path (with its query) goes upstream', () => {
  assert.equal(routed(pathOnly, 'localhost:8000', '/docker/web/'), {
    name: 'web',
    via: 'path',
    upstreamPath: '/',
    publicPrefix: '/docker/web',
  });
  assert.equal(routed(pathOnly, 'localhost:8000', '/docker/web/api/v1/items'), {
    name: 'web',
    via: 'path',
    upstreamPath: '/api/v1/items',
    publicPrefix: '/docker/web',
  });
  assert.equal(routed(pathOnly, 'localhost:8000', '/docker/web/search?q=a%2Fb&page=2'), {
    name: 'web',
    via: 'path',
    upstreamPath: '/search?q=a%2Fb&page=2',
    publicPrefix: '/docker/web',
  });
  assert.equal(routed(pathOnly, 'localhost:8000', '/docker/web/?x=1'), {
    name: 'web',
    via: 'path',
    upstreamPath: '/?x=1',
    publicPrefix: '/docker/web',
  });
  // A query that looks like a path stays in the query.
  assert.is(routed(pathOnly, undefined, '/docker/web/a?next=/docker/other/').upstreamPath, '/a?next=/docker/other/');
  // Trailing slashes and repeated slashes after the name are the app's business.
  assert.is(routed(pathOnly, undefined, '/docker/web//x/').upstreamPath, '//x/');
});

test('path routing, prefix kept: the whole path (with its query) goes upstream', () => {
  assert.equal(routed(pathWhole, 'localhost:8000', '/docker/web/'), {
    name: 'web',
    via: 'path',
    upstreamPath: '/docker/web/',
    publicPrefix: '/docker/web',
  });
  assert.equal(routed(pathWhole, 'localhost:8000', '/docker/web/api?x=1&y=2'), {
    name: 'web',
    via: 'path',
    upstreamPath: '/docker/web/api?x=1&y=2',
    publicPrefix: '/docker/web',
  });
});

test('path routing works without a Host header, and with any Host when host routing is off', () => {
  assert.is(routed(pathOnly, undefined, '/docker/web/').name, 'web');
  assert.is(routed(pathOnly, '', '/docker/web/').name, 'web');
  assert.is(routed(pathOnly, 'web.docker.localhost', '/docker/api/').name, 'api');
});

test("container names: docker's characters are accepted", () => {
  for (const name of ['web', 'Web-1', 'a', '0', 'my_app.v2', 'a..b', 'x-', `a${'b'.repeat(127)}`]) {
    assert.ok(isContainerName(name), name);
    assert.is(routed(pathOnly, undefined, `/docker/${name}/`).name, name);
  }
});

test('the slash after the name is missing → redirect there, query (and fragment) kept', () => {
  assert.equal(redirect(pathOnly, undefined, '/docker/web'), { kind: 'redirect', location: '/docker/web/' });
  assert.equal(redirect(pathOnly, undefined, '/docker/web?x=1&y=/z'), {
    kind: 'redirect',
    location: '/docker/web/?x=1&y=/z',
  });
  assert.equal(redirect(pathOnly, undefined, '/docker/web#top'), { kind: 'redirect', location: '/docker/web/#top' });
  // The same when the prefix is kept.
  assert.equal(redirect(pathWhole, undefined, '/docker/web?x=1'), { kind: 'redirect', location: '/docker/web/?x=1' });
  // A longer prefix.
  assert.equal(redirect({ pathPrefix: '/apps/docker', stripPrefix: true }, undefined, '/apps/docker/web'), {
    kind: 'redirect',
    location: '/apps/docker/web/',
  });
});

test('invalid names: dot segments, leading dot, escapes, other characters → invalid (400), never routed', () => {
  for (const name of [
    '..',
    '.',
    '.x',
    '.hidden',
    '-x',
    '_x',
    '%2e%2e',
    '%2e',
    'web%2Fother',
    'a%20b',
    'a b',
    'a:b',
    'a@b',
    'ä',
    'a*',
    "a'b",
    'a"b',
    'a<b>',
    'a\\b',
  ]) {
    const reason = invalid(pathOnly, undefined, `/docker/${name}/x`);
    assert.ok(reason.includes('is not a container name'), `${name}: ${reason}`);
    assert.not.ok(isContainerName(name), name);
  }
  // Without the trailing slash too: invalid, not a redirect to an invalid name.
  invalid(pathOnly, undefined, '/docker/..');
  invalid(pathOnly, undefined, '/docker/.x?y=1');
});

test('an over-long name is refused, and the reason quotes at most 80 characters of it', () => {
  const longest = `a${'b'.repeat(127)}`;
  assert.is(longest.length, 128);
  assert.is(routed(pathOnly, undefined, `/docker/${longest}/`).name, longest);
  const tooLong = `${longest}c`;
  assert.not.ok(isContainerName(tooLong));
  const reason = invalid(pathOnly, undefined, `/docker/${tooLong}/`);
  assert.ok(reason.length < 120, reason);
  assert.not.ok(reason.includes(tooLong));
  invalid(pathOnly, undefined, `/docker/${'x'.repeat(10_000)}/`);
});

test('no name: the prefix alone, with a slash, with an empty segment, or with only a query → invalid', () => {
  for (const url of ['/docker', '/docker/', '/docker//x', '/docker/?x=1', '/docker?x=1', '/docker?web', '/docker/#a']) {
    const reason = invalid(pathOnly, undefined, url);
    assert.ok(reason.includes('give a container name'), `${url}: ${reason}`);
  }
  assert.not.ok(isContainerName(''));
});

test('the prefix must match a whole segment, case included', () => {
  for (const url of [
    '/dockerx/a/',
    '/dockerx',
    '/docker-web/',
    '/docker.web/',
    '/Docker/web/',
    '/DOCKER/web/',
    '/',
    '/web/',
    '/x/docker/web/',
    '/docke/web/',
    '/dockerweb',
  ]) {
    assert.equal(routeRequest(pathOnly, undefined, url), { kind: 'none' }, url);
  }
});

test('only origin-form targets: absolute-form, authority-form and asterisk-form are never routed', () => {
  // Those are for forward proxies; a mounting server's next handler (or a 404) gets them.
  for (const url of [
    'http://web.docker.localhost/',
    'http://localhost:8000/docker/web/',
    'https://example.com/docker/web/',
    'localhost:8000',
    'web.docker.localhost:443',
    '*',
    '',
    'docker/web/',
  ]) {
    assert.equal(routeRequest(both, 'web.docker.localhost', url), { kind: 'none' }, url);
  }
});

test('path routing off: nothing under the prefix is routed', () => {
  assert.equal(routeRequest(hostOnly, 'localhost', '/docker/web/'), { kind: 'none' });
  assert.equal(routeRequest({ stripPrefix: true }, 'web.docker.localhost', '/docker/web/'), { kind: 'none' });
});

// --- host routing -----------------------------------------------------------------------------

test('host routing: the label before the suffix is the name; the whole URL goes upstream', () => {
  assert.equal(routed(hostOnly, 'web.docker.localhost', '/'), {
    name: 'web',
    via: 'host',
    upstreamPath: '/',
    publicPrefix: '',
  });
  assert.equal(routed(hostOnly, 'web.docker.localhost', '/api/items?x=1&y=2'), {
    name: 'web',
    via: 'host',
    upstreamPath: '/api/items?x=1&y=2',
    publicPrefix: '',
  });
  // No redirect under host routing: the path is the app's own.
  assert.equal(routed(hostOnly, 'web.docker.localhost', '/docker/other'), {
    name: 'web',
    via: 'host',
    upstreamPath: '/docker/other',
    publicPrefix: '',
  });
  assert.is(routed(hostOnly, 'my-app-2.docker.localhost', '/').name, 'my-app-2');
  assert.is(routed(hostOnly, '0.docker.localhost', '/').name, '0');
});

test('host routing: the port is stripped and the host compared without regard to case', () => {
  assert.is(routed(hostOnly, 'web.docker.localhost:8000', '/').name, 'web');
  assert.is(routed(hostOnly, 'web.docker.localhost:80', '/').name, 'web');
  assert.is(routed(hostOnly, 'WEB.Docker.LocalHost:8000', '/').name, 'web');
  assert.is(routed(hostOnly, ' web.docker.localhost ', '/').name, 'web');
  assert.is(
    routed({ ...hostOnly, hostSuffix: normalizeHostSuffix('Docker.LOCALHOST') }, 'Web.docker.localhost', '/x').name,
    'web',
  );
});

test('host routing: hosts outside the suffix are not routed', () => {
  for (const host of [
    'docker.localhost',
    'docker.localhost:8000',
    'localhost',
    'webdocker.localhost',
    'web.docker.localhost.evil.example',
    'web.docker.localhostx',
    '127.0.0.1:8000',
    '[::1]:8000',
    '[::1]',
    '[fe80::1%25eth0]:80',
    undefined,
    '',
  ]) {
    assert.equal(routeRequest(hostOnly, host, '/'), { kind: 'none' }, String(host));
  }
});

test('host routing: malformed Host headers route nowhere', () => {
  for (const host of ['web.docker.localhost:', 'web.docker.localhost:http', 'a:b:c', 'web.docker.localhost:80:80']) {
    assert.equal(routeRequest(hostOnly, host, '/'), { kind: 'none' }, host);
  }
});

test('host routing: names that are not one DNS label are refused (400), not routed', () => {
  for (const host of [
    'a.b.docker.localhost',
    'x.web.docker.localhost:8000',
    '.docker.localhost',
    '-web.docker.localhost',
    'web-.docker.localhost',
    'my_app.docker.localhost',
    `${'a'.repeat(64)}.docker.localhost`,
  ]) {
    const reason = invalid(hostOnly, host, '/');
    assert.ok(reason.includes('one DNS label'), `${host}: ${reason}`);
  }
  // The longest label is 63 characters.
  assert.is(routed(hostOnly, `${'a'.repeat(63)}.docker.localhost`, '/').name, 'a'.repeat(63));
});

test('hostName: port and brackets', () => {
  assert.is(hostName(undefined), undefined);
  assert.is(hostName(''), undefined);
  assert.is(hostName('Example.COM'), 'example.com');
  assert.is(hostName('example.com:8080'), 'example.com');
  assert.is(hostName('[::1]:8000'), '[::1]');
  assert.is(hostName('[2001:DB8::1]'), '[2001:db8::1]');
  assert.is(hostName('::1'), undefined);
  assert.is(hostName('example.com:'), undefined);
});

test('both routings: host routing takes precedence; otherwise path routing applies', () => {
  // Host matches: the app gets the whole path, even one under the path prefix.
  assert.equal(routed(both, 'web.docker.localhost:8000', '/docker/other/x?y=1'), {
    name: 'web',
    via: 'host',
    upstreamPath: '/docker/other/x?y=1',
    publicPrefix: '',
  });
  assert.equal(routed(both, 'web.docker.localhost', '/docker/other'), {
    name: 'web',
    via: 'host',
    upstreamPath: '/docker/other',
    publicPrefix: '',
  });
  // Host does not match (the bare suffix, an IP, an IPv6 literal, none at all): path routing.
  assert.equal(routed(both, 'docker.localhost:8000', '/docker/other/x'), {
    name: 'other',
    via: 'path',
    upstreamPath: '/x',
    publicPrefix: '/docker/other',
  });
  assert.is(routed(both, '127.0.0.1:8000', '/docker/other/').via, 'path');
  assert.is(routed(both, '[::1]:8000', '/docker/other/').via, 'path');
  assert.is(routed(both, undefined, '/docker/other/').via, 'path');
  assert.equal(routeRequest(both, '[::1]:8000', '/docker/other'), { kind: 'redirect', location: '/docker/other/' });
  assert.equal(routeRequest(both, 'localhost', '/elsewhere'), { kind: 'none' });
  // A host under the suffix with an unreachable name is refused, even if the path would route.
  invalid(both, 'a.b.docker.localhost', '/docker/web/');
});

// --- options ------------------------------------------------------------------------------------

test('normalizePrefix: leading slash, no trailing slash', () => {
  assert.is(normalizePrefix('/docker'), '/docker');
  assert.is(normalizePrefix('docker'), '/docker');
  assert.is(normalizePrefix('/docker/'), '/docker');
  assert.is(normalizePrefix('//docker///'), '/docker');
  assert.is(normalizePrefix('apps/docker/'), '/apps/docker');
  assert.is(normalizePrefix('/_c'), '/_c');
});

test('normalizePrefix: empty, "/" and characters that cannot be matched literally are refused', () => {
  for (const prefix of ['', '/', '//', '///'])
    assert.throws(() => normalizePrefix(prefix), /must not be empty/, JSON.stringify(prefix));
  for (const prefix of ['/docker?x', '/dock#er', '/doc%6Ber', '/doc ker', 'docker\t', '/a\nb'])
    assert.throws(() => normalizePrefix(prefix), /may not contain/, JSON.stringify(prefix));
});

test('normalizeHostSuffix: lower case, one leading dot', () => {
  assert.is(normalizeHostSuffix('.docker.localhost'), '.docker.localhost');
  assert.is(normalizeHostSuffix('docker.localhost'), '.docker.localhost');
  assert.is(normalizeHostSuffix('..Docker.LocalHost'), '.docker.localhost');
  assert.is(normalizeHostSuffix('  .apps.example.com '), '.apps.example.com');
  assert.is(normalizeHostSuffix('localhost'), '.localhost');
  assert.is(normalizeHostSuffix('my-host.internal'), '.my-host.internal');
});

test('normalizeHostSuffix: empty, ports, paths, empty labels, trailing dots and other characters are refused', () => {
  for (const suffix of [
    '',
    ' ',
    '.',
    '..',
    'docker.localhost:8000',
    'docker.localhost/',
    'docker..localhost',
    'docker.localhost.',
    'docker localhost',
    'dock_er.localhost',
    '*.docker.localhost',
    'http://docker.localhost',
    '[::1]',
    'dockér.localhost',
  ]) {
    assert.throws(() => normalizeHostSuffix(suffix), /is not a host suffix/, JSON.stringify(suffix));
  }
});

test('normalized options route as given', () => {
  const rules: RoutingRules = {
    pathPrefix: normalizePrefix('apps/'),
    stripPrefix: true,
    hostSuffix: normalizeHostSuffix('Apps.Example.com'),
  };
  assert.equal(routed(rules, 'localhost', '/apps/web/x'), {
    name: 'web',
    via: 'path',
    upstreamPath: '/x',
    publicPrefix: '/apps/web',
  });
  assert.equal(routed(rules, 'web.apps.example.com:443', '/x'), {
    name: 'web',
    via: 'host',
    upstreamPath: '/x',
    publicPrefix: '',
  });
  assert.equal(routeRequest(rules, 'localhost', '/docker/web/'), { kind: 'none' });
});

test.run();
