import { installDebianPackages } from '@raftmq/cli';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { parseNatsVersion } from './config.js';

/** Debian's NATS server, installed when no `nats-server` is on the PATH. */
const DEBIAN_PACKAGE = 'nats-server';
const VERSION_TIMEOUT_MS = 10_000;
const EXTRA_DIRECTORIES = ['/usr/bin', '/usr/local/bin', '/usr/sbin'];

export type NatsInstallation =
  | { readonly ok: true; readonly binary: string; readonly version: string; readonly installedNow: boolean }
  | { readonly ok: false; readonly reason: string };

function findOnPath(name: string): string | undefined {
  const directories = [...(process.env['PATH'] ?? '').split(delimiter).filter((each) => each.length > 0), ...EXTRA_DIRECTORIES];
  return directories.map((directory) => join(directory, name)).find((candidate) => existsSync(candidate));
}

function version(binary: string): string {
  const run = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: VERSION_TIMEOUT_MS });
  return parseNatsVersion(`${run.stdout ?? ''}${run.stderr ?? ''}`);
}

/**
 * The nats-server binary: the one on the PATH, or Debian's nats-server
 * installed now (apt-get update once, then apt-get install -y). Never throws:
 * when it cannot be had, the reason is returned and NATS is reported missing.
 */
export function ensureNatsServer(log: (line: string) => void): NatsInstallation {
  const present = findOnPath('nats-server');
  if (present !== undefined) return { ok: true, binary: present, version: version(present), installedNow: false };
  const problem = installDebianPackages([DEBIAN_PACKAGE], log);
  if (problem !== null) return { ok: false, reason: problem };
  const installed = findOnPath('nats-server');
  if (installed === undefined) return { ok: false, reason: `${DEBIAN_PACKAGE} installed, but no nats-server binary was found on the PATH` };
  return { ok: true, binary: installed, version: version(installed), installedNow: true };
}
