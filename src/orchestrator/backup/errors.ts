// The typed error of backup and restore.
import { HarpoonError } from '../../core/errors.ts';

/** A backup or restore failed: of which container, at which path (when known), with which archive file. */
export class BackupError extends HarpoonError {
  readonly container: string;
  readonly path: string | undefined;
  readonly file: string;
  /** What went wrong, without the context. */
  readonly reason: string;
  constructor(
    detail: {
      container: string;
      file: string;
      path?: string | undefined;
      reason: string;
      action: 'backup' | 'restore';
    },
    options?: { cause?: unknown },
  ) {
    const at = detail.path ? ` (${detail.path})` : '';
    const direction =
      detail.action === 'backup'
        ? `Backing up ${detail.container}${at} to ${detail.file}`
        : `Restoring ${detail.container}${at} from ${detail.file}`;
    super('BACKUP_FAILED', `${direction} failed: ${detail.reason}`, options);
    this.container = detail.container;
    this.path = detail.path;
    this.file = detail.file;
    this.reason = detail.reason;
  }
}
