import { spawnSync } from 'node:child_process';

/** apt-get may fetch package lists and packages: generous, but bounded. */
const aptUpdateTimeoutMs = 300_000;
const aptInstallTimeoutMs = 600_000;
/** Characters of apt-get's output quoted when it fails. */
const errorTailCharacters = 400;

/**
 * Installs Debian packages a benchmark or a fault needs, for scripts that
 * install what they use: `apt-get install -y --no-install-recommends`, and
 * when that fails (a fresh machine has no package lists yet) `apt-get
 * update` and the install once more. No questions asked, no service started.
 * Returns null when installed, else why not (not root, apt-get missing or
 * failing): the caller reports the feature as skipped with that reason.
 */
export function installDebianPackages(packages: readonly string[], log: (line: string) => void): string | null {
  if (packages.length === 0) return null;
  const command = `apt-get install -y ${packages.join(' ')}`;
  if (process.platform !== 'linux') return `${packages.join(', ')} come from Debian's apt-get, and this is ${process.platform}`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return `${packages.join(', ')} missing, and installing needs root (run: ${command})`;
  log(`installing ${packages.join(', ')}: ${command}`);
  const install = ['install', '-y', '--no-install-recommends', ...packages];
  if (apt(install, aptInstallTimeoutMs) === null) return null;
  const updateProblem = apt(['update'], aptUpdateTimeoutMs);
  if (updateProblem !== null) return updateProblem;
  return apt(install, aptInstallTimeoutMs);
}

function apt(args: readonly string[], timeoutMs: number): string | null {
  const run = spawnSync('apt-get', [...args], { encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (run.error !== undefined) return `apt-get ${args.join(' ')}: ${run.error.message}`;
  if (run.status !== 0) return `apt-get ${args.join(' ')} exited with ${run.status ?? run.signal}: ${tail(`${run.stdout ?? ''}${run.stderr ?? ''}`)}`;
  return null;
}

function tail(text: string): string {
  const trimmed = text.trim().replaceAll('\n', ' / ');
  return trimmed.length > errorTailCharacters ? `…${trimmed.slice(-errorTailCharacters)}` : trimmed;
}
