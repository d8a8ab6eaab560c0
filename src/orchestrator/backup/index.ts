// Volume backup and restore (the backup / restore orders call these).
export {
  backupContainer,
  manifestPath,
  type BackupOptions,
  type BackupResult,
  type BackupManifest,
  type BackupEvent,
} from './backup.ts';
export { restoreContainer, type RestoreOptions, type RestoreResult } from './restore.ts';
export { BackupError } from './errors.ts';
