// `eval "$(harpoon dock env NAME)"`: point this shell's docker tools at a dock, the way
// dockerutils' `source dock NAME` did (and `--unset`, its `castoff`).
//
// What it sets: DOCKER_HOST (understood by the docker CLI, compose, harpoon and most SDKs, unlike
// DOCKER_CONTEXT), DOCKER_TLS_VERIFY + DOCKER_CERT_PATH (the context's own tls dir, which holds
// ca.pem, cert.pem, key.pem under the names docker expects) for a TLS dock, HARPOON_DOCK=NAME, and
// a "(dock:NAME) " prompt prefix. TLS variables left over from another dock are unset.
//
// The prompt: the original PS1 is saved once, in a shell variable that is not exported
// (_HARPOON_DOCK_PS1), and PS1 is always rebuilt from it, so eval'ing again (same or another dock)
// replaces the prefix instead of stacking it. A child shell inherits neither _HARPOON_DOCK_PS1 nor,
// usually, PS1; if it inherits an exported PS1 with the parent's prefix, the prefix of the dock
// named in the inherited HARPOON_DOCK is stripped before saving. A shell without PS1 (scripts) gets
// no prompt change. `--unset` restores the saved PS1 and unsets every variable `env` may set
// (unconditionally, like `docker-machine env -u`).
//
// Output is POSIX sh (bash, zsh, dash, ksh); every value is single-quoted. `set -u` safe.
import { DockError, type Dock } from './store.ts';

export const SHELLS = ['sh', 'bash', 'zsh'] as const;
export type Shell = (typeof SHELLS)[number];

/** Every variable `dock env` may export, in the order `--unset` clears them. */
export const DOCK_VARIABLES = [
  'DOCKER_HOST',
  'DOCKER_TLS_VERIFY',
  'DOCKER_TLS',
  'DOCKER_CERT_PATH',
  'HARPOON_DOCK',
] as const;
const TLS_VARIABLES = ['DOCKER_TLS_VERIFY', 'DOCKER_TLS', 'DOCKER_CERT_PATH'];
const SAVED_PS1 = '_HARPOON_DOCK_PS1';

export interface DockEnvironment {
  name: string;
  host: string;
  /** For a tcp dock with TLS files: the directory DOCKER_CERT_PATH points at. */
  tls?: { certPath: string; verify: boolean };
}

export function parseShell(value: string | undefined): Shell {
  if (value === undefined) return 'sh';
  if ((SHELLS as readonly string[]).includes(value)) return value as Shell;
  if (value === 'fish') throw new DockError('--shell fish is not supported yet; bash, zsh and sh are', true);
  throw new DockError(`--shell "${value}" is not one of ${SHELLS.join(', ')}`, true);
}

/** What a dock puts in the environment. */
export function dockEnvironment(dock: Dock): DockEnvironment {
  if (dock.error) throw new DockError(`context "${dock.name}" cannot be used: ${dock.error}`);
  const tls =
    dock.url.startsWith('tcp://') && dock.tls
      ? { certPath: dock.paths.tlsDir, verify: !dock.skipTLSVerify }
      : undefined;
  return { name: dock.name, host: dock.url, ...(tls ? { tls } : {}) };
}

/** A word for a POSIX shell: always single-quoted, so nothing in it is expanded. */
export function shellWord(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The script for `eval "$(harpoon dock env NAME)"`. */
export function envScript(env: DockEnvironment, _shell: Shell = 'sh'): string {
  const lines: string[] = [`export DOCKER_HOST=${shellWord(env.host)}`];
  if (env.tls) {
    // DOCKER_TLS_VERIFY verifies against DOCKER_CERT_PATH/ca.pem; DOCKER_TLS is TLS without verification.
    lines.push(env.tls.verify ? 'export DOCKER_TLS_VERIFY=1' : 'export DOCKER_TLS=1');
    lines.push(env.tls.verify ? 'unset DOCKER_TLS' : 'unset DOCKER_TLS_VERIFY');
    lines.push(`export DOCKER_CERT_PATH=${shellWord(env.tls.certPath)}`);
  } else {
    lines.push(`unset ${TLS_VARIABLES.join(' ')}`);
  }
  const prefix = shellWord(`(dock:${env.name}) `);
  lines.push(
    // Save the prompt once (minus an inherited prefix), then always rebuild it from the saved one.
    `if [ -z "\${${SAVED_PS1}+x}" ] && [ -n "\${PS1+x}" ]; then ${SAVED_PS1}=\${PS1#"(dock:\${HARPOON_DOCK-}) "}; fi`,
    `if [ -n "\${${SAVED_PS1}+x}" ]; then PS1=${prefix}"\$${SAVED_PS1}"; fi`,
    `export HARPOON_DOCK=${shellWord(env.name)}`,
    `# Run this command to point this shell at dock ${env.name}: eval "$(harpoon dock env ${env.name})"`,
    '# and this one to undo it: eval "$(harpoon dock env --unset)"',
  );
  return `${lines.join('\n')}\n`;
}

/** The script for `eval "$(harpoon dock env --unset)"`. */
export function unsetScript(_shell: Shell = 'sh'): string {
  return (
    [
      `unset ${DOCK_VARIABLES.join(' ')}`,
      `if [ -n "\${${SAVED_PS1}+x}" ]; then PS1=\$${SAVED_PS1}; unset ${SAVED_PS1}; fi`,
      '# Run this command to point this shell back at the default engine: eval "$(harpoon dock env --unset)"',
    ].join('\n') + '\n'
  );
}
