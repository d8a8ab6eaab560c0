// Everything harpoon creates on an engine carries a label that says so, so it can be found and
// removed later without ever touching what harpoon did not create.
//
// Containers, volumes and networks carry MANAGED_LABEL (harpoon=true). Images carry a key of
// their own, IMAGE_LABEL (harpoon.image=true), and never MANAGED_LABEL: the engine copies an
// image's labels into every container made from it, by any tool, and a container that the
// docker CLI made from a harpoon-built image is not harpoon's.
/** The label key of every container, volume and network harpoon creates (`harpoon=true`). */
export const MANAGED_LABEL = 'harpoon';
/** The value of MANAGED_LABEL and IMAGE_LABEL. */
export const MANAGED_VALUE = 'true';
/** The label key of every image harpoon builds (`harpoon.image=true`). */
export const IMAGE_LABEL = 'harpoon.image';

/** Docker labels: key to value. */
export type Labels = Record<string, string>;

/** Labels for a container, volume or network harpoon creates. */
export function managedLabels(extra: Labels = {}): Labels {
  return { ...extra, [MANAGED_LABEL]: MANAGED_VALUE };
}

/** Labels for an image harpoon builds (MANAGED_LABEL is left out on purpose, see above). */
export function imageLabels(extra: Labels = {}): Labels {
  const { [MANAGED_LABEL]: _dropped, ...rest } = extra;
  return { ...rest, [IMAGE_LABEL]: MANAGED_VALUE };
}

/** Engine list filters for `label=` from a label map (values optional). */
export function labelFilters(labels: Labels): string[] {
  return Object.entries(labels).map(([key, value]) => (value === '' ? key : `${key}=${value}`));
}
