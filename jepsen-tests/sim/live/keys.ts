import type { DemoControls } from './demo-controls.js';

export type DemoCommand = 'kill' | 'restart' | 'transfer' | 'isolate' | 'pause' | 'quit';

const controlCharacterC = '\u0003';

const commandByKey: ReadonlyMap<string, DemoCommand> = new Map([
  ['k', 'kill'],
  ['r', 'restart'],
  ['t', 'transfer'],
  ['p', 'isolate'],
  ['s', 'pause'],
  ['q', 'quit'],
  [controlCharacterC, 'quit'],
]);

/** The command a key stands for, ignoring case; undefined for any other key. */
export function commandForKey(key: string): DemoCommand | undefined {
  return commandByKey.get(key.toLowerCase());
}

/** Carries out a command on the group; `quit` is the caller's to handle. */
export function runCommand(controls: DemoControls, command: Exclude<DemoCommand, 'quit'>): void {
  switch (command) {
    case 'kill':
      controls.killLeader();
      return;
    case 'restart':
      controls.restartDownNodes();
      return;
    case 'transfer':
      controls.transferToMostCaughtUp();
      return;
    case 'isolate':
      controls.toggleLeaderIsolation();
      return;
    case 'pause':
      controls.toggleFollowerPause();
      return;
  }
}

/** A key pressed by a script rather than a person: at this many ms of simulated time. */
export interface ScriptedKey {
  readonly key: string;
  readonly atMs: number;
  readonly command: Exclude<DemoCommand, 'quit'>;
}

/**
 * Parses a schedule such as "k@1000,r@2500" (key, then the ms since the
 * start at which it is pressed). Returns an error message for a bad one.
 */
export function parseKeySchedule(text: string): ScriptedKey[] | string {
  const keys: ScriptedKey[] = [];
  for (const item of text.split(',').map((part) => part.trim()).filter((part) => part.length > 0)) {
    const match = /^(.)@(\d+)$/u.exec(item);
    const key = match?.[1];
    const atMs = Number(match?.[2]);
    if (key === undefined || !Number.isSafeInteger(atMs)) return `"${item}" is not key@milliseconds`;
    const command = commandForKey(key);
    if (command === undefined || command === 'quit') return `"${key}" is not one of the keys k, r, t, p, s`;
    keys.push({ key, atMs, command });
  }
  return keys;
}
