import { installDebianPackages } from '@raftmq/cli';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Debian's etcd server (bookworm: etcd 3.4.23), installed when no `etcd` is on the PATH. */
const DEBIAN_PACKAGE = 'etcd-server';
const VERSION_TIMEOUT_MS = 10_000;
/** Where an apt-installed etcd lands, in case PATH leaves out the sbin directories. */
const EXTRA_DIRECTORIES = ['/usr/bin', '/usr/local/bin', '/usr/sbin'];

export type EtcdInstallation =
  | { readonly ok: true; readonly binary: string; readonly version: string; readonly installedNow: boolean }
  | { readonly ok: false; readonly reason: string };

function findOnPath(name: string): string | undefined {
  const directories = [...(process.env['PATH'] ?? '').split(delimiter).filter((each) => each.length > 0), ...EXTRA_DIRECTORIES];
  return directories.map((directory) => join(directory, name)).find((candidate) => existsSync(candidate));
}

/** 'etcd Version: 3.4.23' → '3.4.23'; the first line otherwise. */
export function parseEtcdVersion(output: string): string {
  const match = /etcd Version:\s*(\S+)/i.exec(output);
  return match?.[1] ?? output.trim().split('\n')[0] ?? 'unknown';
}

function version(binary: string): string {
  const run = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: VERSION_TIMEOUT_MS });
  return parseEtcdVersion(`${run.stdout ?? ''}${run.stderr ?? ''}`);
}

/**
 * The etcd binary: the one on the PATH, or Debian's etcd-server installed now
 * (apt-get update once, then apt-get install -y). Never throws: when etcd
 * cannot be had, the reason is returned and the bench reports etcd's figures
 * as missing.
 */
export function ensureEtcd(log: (line: string) => void): EtcdInstallation {
  const present = findOnPath('etcd');
  if (present !== undefined) return { ok: true, binary: present, version: version(present), installedNow: false };
  const problem = installDebianPackages([DEBIAN_PACKAGE], log);
  if (problem !== null) return { ok: false, reason: problem };
  const installed = findOnPath('etcd');
  if (installed === undefined) return { ok: false, reason: `${DEBIAN_PACKAGE} installed, but no etcd binary was found on the PATH` };
  return { ok: true, binary: installed, version: version(installed), installedNow: true };
}
