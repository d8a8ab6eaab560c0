// core/spec/ports.ts: docker's -p syntax, parsed once for the project's flags and the units.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hostPortText, parsePortMappings } from '../../src/core/spec/ports.ts';
import { ValueError } from '../../src/core/spec/value-error.ts';

test('forms: container only, host:container, ip:host:container, ip::container, IPv6, protocols', () => {
  assert.equal(parsePortMappings('80'), [{ containerPort: 80, protocol: 'tcp' }]);
  assert.equal(parsePortMappings('8080:80/udp'), [{ containerPort: 80, protocol: 'udp', hostPort: 8080 }]);
  assert.equal(parsePortMappings('127.0.0.1:8080:80'), [
    { containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 8080 },
  ]);
  assert.equal(parsePortMappings('127.0.0.1::80/SCTP'), [{ containerPort: 80, protocol: 'sctp', hostIp: '127.0.0.1' }]);
  assert.equal(parsePortMappings('[::1]:9000:90'), [
    { containerPort: 90, protocol: 'tcp', hostIp: '::1', hostPort: 9000 },
  ]);
  assert.equal(parsePortMappings('::80'), [{ containerPort: 80, protocol: 'tcp', hostIp: '' }]);
});

test('ranges: expanded one per port; a host range for one container port is kept as a range', () => {
  assert.equal(
    parsePortMappings('8000-8001:90-91').map((m) => `${hostPortText(m)}->${m.containerPort}`),
    ['8000->90', '8001->91'],
  );
  const [one] = parsePortMappings('3000-3010:3000');
  assert.equal(one, { containerPort: 3000, protocol: 'tcp', hostPort: 3000, hostPortEnd: 3010 });
  assert.is(hostPortText(one!), '3000-3010');
  assert.is(hostPortText({ containerPort: 1, protocol: 'tcp' }), '');
});

test('bad specs: a ValueError that quotes the spec and says what is wrong', () => {
  for (const [spec, why] of [
    ['80:http', 'the container port "http" is not a port'],
    ['0:80', 'the host port "0"'],
    ['70000', 'the container port "70000"'],
    ['80/ftp', 'unknown protocol "ftp"'],
    ['1.2.3:80:80', '"1.2.3" is not an IP address'],
    ['[1.2.3.4]:80:80', 'is not an IPv6 address'],
    ['1:2:3:4', 'an IPv6 address goes in brackets'],
    ['8000-8002:90-91', 'differ in size'],
    ['90-80', 'is not a port (1-65535) or range'],
  ]) {
    try {
      parsePortMappings(spec!);
      assert.unreachable(spec);
    } catch (err) {
      assert.instance(err, ValueError);
      assert.match((err as Error).message, `"${spec}"`);
      assert.match((err as Error).message, why!);
    }
  }
});

test.run();
