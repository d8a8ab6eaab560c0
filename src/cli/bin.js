#!/usr/bin/env node
// The `harpoon` executable: load TypeScript through tsx, then hand over to the CLI.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
