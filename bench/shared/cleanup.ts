/**
 * Last-resort cleanup of the processes a benchmark starts: each registered
 * killer runs (synchronously) when this process exits or is told to stop by a
 * signal, so no etcd member or replica outlives the benchmark, even when it
 * fails in a way no `finally` sees. The normal path still stops everything in
 * `finally` blocks; killers of what was stopped are unregistered.
 */
const killers = new Set<() => void>();
/** Run after every killer: removing a scratch directory once nothing writes to it any more. */
const finalizers = new Set<() => void>();
let installed = false;

const SIGNAL_EXIT_CODES: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

function runKillers(): void {
  for (const each of [...killers, ...finalizers]) {
    try {
      each();
    } catch {
      // Already gone.
    }
  }
  killers.clear();
  finalizers.clear();
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runKillers);
  for (const [signal, code] of Object.entries(SIGNAL_EXIT_CODES)) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping the benchmark's processes\n`);
      runKillers();
      process.exit(code);
    });
  }
}

/** Registers a synchronous killer; returns its unregistration. With `last`, it runs after every other killer. */
export function onEmergencyExit(kill: () => void, options: { readonly last?: boolean } = {}): () => void {
  install();
  const set = options.last === true ? finalizers : killers;
  set.add(kill);
  return () => {
    set.delete(kill);
  };
}

/** SIGKILL to a whole process group (a child spawned detached leads its own), falling back to the process. */
export function killProcessGroup(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/**
 * One emergency killer (SIGKILL) per tracked process, kept in step with the
 * processes running now: a replica restarted under a new pid is covered, a
 * stopped one is forgotten.
 */
export class EmergencyKillers {
  private readonly entries = new Map<string, { readonly pid: number; readonly unregister: () => void }>();

  /** `pids`: every tracked process running now, by name. */
  track(pids: Readonly<Record<string, number>>): void {
    for (const [name, entry] of this.entries) {
      if (pids[name] !== entry.pid) {
        entry.unregister();
        this.entries.delete(name);
      }
    }
    for (const [name, pid] of Object.entries(pids)) {
      if (this.entries.has(name)) continue;
      const unregister = onEmergencyExit(() => {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      });
      this.entries.set(name, { pid, unregister });
    }
  }

  clear(): void {
    for (const { unregister } of this.entries.values()) unregister();
    this.entries.clear();
  }
}
