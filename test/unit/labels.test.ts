import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { IMAGE_LABEL, MANAGED_LABEL } from 'harpoon';
import { imageLabels, managedLabels } from '../../src/core/labels.ts';

test('managedLabels always carries the harpoon label, and it cannot be overridden', () => {
  const labels = managedLabels({ app: 'x', [MANAGED_LABEL]: 'false' });
  assert.is(labels[MANAGED_LABEL], 'true');
  assert.is(labels.app, 'x');
});

test('imageLabels carries harpoon.image and never harpoon (containers inherit image labels)', () => {
  const labels = imageLabels({ app: 'x', [MANAGED_LABEL]: 'true' });
  assert.is(labels[IMAGE_LABEL], 'true');
  assert.is(labels[MANAGED_LABEL], undefined);
  assert.is(labels.app, 'x');
});

test.run();
