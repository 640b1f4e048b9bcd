#!/usr/bin/env node
// The agent is TypeScript run through tsx, like the server: no build step after `npm install`.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
