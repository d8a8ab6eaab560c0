// Everything harpoon creates on an engine carries MANAGED_LABEL, so it can be found and
// removed later without ever touching what harpoon did not create.
export const MANAGED_LABEL = 'harpoon';
export const MANAGED_VALUE = 'true';

export type Labels = Record<string, string>;

export function managedLabels(extra: Labels = {}): Labels {
  return { ...extra, [MANAGED_LABEL]: MANAGED_VALUE };
}

/** Engine list filters for `label=` from a label map (values optional). */
export function labelFilters(labels: Labels): string[] {
  return Object.entries(labels).map(([key, value]) => (value === '' ? key : `${key}=${value}`));
}
