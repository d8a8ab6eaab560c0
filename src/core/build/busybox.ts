// A base image from nothing: FROM scratch plus the host's static busybox, installed as
// /bin/sh, /bin/ls, ... No registry is needed. Lessons, tests and benches all start here.
import { existsSync, readFileSync } from 'node:fs';
import { InvalidInputError } from '../errors.ts';
import type { InMemoryFile } from './context.ts';

/** Where busyboxBase() looks for the host's static busybox by default. */
export const HOST_BUSYBOX = '/bin/busybox';

/** Dockerfile lines and in-memory files for an image made from nothing but a static busybox. */
export interface BusyboxBase {
  /** Dockerfile lines; append your own (COPY, ENV, CMD, ...) after them. */
  dockerfile: string[];
  /** The in-memory files those lines COPY. */
  files: Record<string, InMemoryFile>;
}

/** The lines and files of a busybox base; `busyboxPath` must be a statically linked busybox. */
export function busyboxBase(busyboxPath: string = HOST_BUSYBOX): BusyboxBase {
  if (!existsSync(busyboxPath)) {
    throw new InvalidInputError(
      'busyboxPath',
      `${busyboxPath} does not exist; install a static busybox (Debian: apt-get install busybox-static)`,
    );
  }
  return {
    dockerfile: ['FROM scratch', 'COPY busybox /bin/busybox', 'RUN ["/bin/busybox", "--install", "-s", "/bin"]'],
    files: { busybox: { content: readFileSync(busyboxPath), mode: 0o755 } },
  };
}
