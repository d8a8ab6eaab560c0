import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { busyboxBase, InvalidInputError } from 'harpoon';

test('busyboxBase: FROM scratch, busybox copied in and installed, the binary as an executable file', () => {
  const base = busyboxBase();
  assert.equal(base.dockerfile, [
    'FROM scratch',
    'COPY busybox /bin/busybox',
    'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
  ]);
  assert.is(base.files.busybox!.mode, 0o755);
  assert.ok((base.files.busybox!.content as Buffer).length > 100_000);
});

test('busyboxBase: a missing busybox names the path and how to get one', () => {
  try {
    busyboxBase('/nonexistent/busybox');
    assert.unreachable('should have thrown');
  } catch (err) {
    assert.instance(err, InvalidInputError);
    assert.match((err as Error).message, /\/nonexistent\/busybox does not exist.*busybox-static/);
  }
});

test.run();
