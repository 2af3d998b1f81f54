#!/usr/bin/env node
// Runs the raftmq command from its TypeScript sources through tsx, so the
// command works straight after `npm install`, without a build.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const result = spawnSync(process.execPath, ['--conditions=@raftmq/source', '--import', tsx, main, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
