#!/usr/bin/env node
// Runs the TypeScript sources through tsx: no separate server build step.
import { register } from 'tsx/esm/api';
register();
await import('../src/server/cli.ts');
