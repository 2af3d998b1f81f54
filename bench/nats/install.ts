import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { parseNatsVersion } from './config.js';

/** Debian's NATS server, installed when no `nats-server` is on the PATH. */
const DEBIAN_PACKAGE = 'nats-server';
const APT_UPDATE_TIMEOUT_MS = 300_000;
const APT_INSTALL_TIMEOUT_MS = 600_000;
const VERSION_TIMEOUT_MS = 10_000;
const EXTRA_DIRECTORIES = ['/usr/bin', '/usr/local/bin', '/usr/sbin'];
const ERROR_TAIL_CHARACTERS = 400;

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

function tail(text: string): string {
  const trimmed = text.trim().replaceAll('\n', ' / ');
  return trimmed.length > ERROR_TAIL_CHARACTERS ? `…${trimmed.slice(-ERROR_TAIL_CHARACTERS)}` : trimmed;
}

function apt(args: readonly string[], timeoutMs: number): string | null {
  const run = spawnSync('apt-get', [...args], { encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (run.error !== undefined) return `apt-get ${args.join(' ')}: ${run.error.message}`;
  if (run.status !== 0) return `apt-get ${args.join(' ')} exited with ${run.status ?? run.signal}: ${tail(`${run.stdout ?? ''}${run.stderr ?? ''}`)}`;
  return null;
}

/**
 * The nats-server binary: the one on the PATH, or Debian's nats-server
 * installed now (apt-get update once, then apt-get install -y). Never throws:
 * when it cannot be had, the reason is returned and NATS is reported missing.
 */
export function ensureNatsServer(log: (line: string) => void): NatsInstallation {
  const present = findOnPath('nats-server');
  if (present !== undefined) return { ok: true, binary: present, version: version(present), installedNow: false };
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return { ok: false, reason: `nats-server is not installed and this user cannot install it (run: apt-get install -y ${DEBIAN_PACKAGE})` };
  }
  log(`nats-server is missing: apt-get update && apt-get install -y ${DEBIAN_PACKAGE}`);
  const updateProblem = apt(['update'], APT_UPDATE_TIMEOUT_MS);
  if (updateProblem !== null) return { ok: false, reason: updateProblem };
  const installProblem = apt(['install', '-y', '--no-install-recommends', DEBIAN_PACKAGE], APT_INSTALL_TIMEOUT_MS);
  if (installProblem !== null) return { ok: false, reason: installProblem };
  const installed = findOnPath('nats-server');
  if (installed === undefined) return { ok: false, reason: `${DEBIAN_PACKAGE} installed, but no nats-server binary was found on the PATH` };
  return { ok: true, binary: installed, version: version(installed), installedNow: true };
}
