import { DemoControls } from './demo-controls.js';
import type { LiveEvent } from './event-log.js';
import { commandForKey, runCommand, type ScriptedKey } from './keys.js';
import { LiveCluster } from './live-cluster.js';
import { collectStatus, type GroupStatus } from './status.js';

export interface DemoSessionOptions {
  readonly seed: number;
  readonly nodes: number;
  readonly valuesPerSecond: number;
  /** Keys pressed at set simulated times, as a person would press them. */
  readonly script: readonly ScriptedKey[];
  readonly onEvent?: (event: LiveEvent) => void;
}

export type KeyOutcome = 'handled' | 'quit' | 'ignored';

/**
 * The demo without its terminal: a started group, its controls and the
 * scripted key presses. Whoever owns the clock (the real-time driver, or a
 * test stepping simulated time) advances `cluster`.
 */
export class DemoSession {
  readonly cluster: LiveCluster;
  readonly controls: DemoControls;

  constructor(options: DemoSessionOptions) {
    this.cluster = new LiveCluster({
      seed: options.seed,
      nodes: options.nodes,
      valuesPerSecond: options.valuesPerSecond,
      ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
    });
    this.controls = new DemoControls(this.cluster);
    this.cluster.bootstrap();
    for (const scripted of options.script) {
      this.cluster.at(scripted.atMs * 1000, () => {
        this.cluster.log('info', `script presses ${scripted.key}`);
        runCommand(this.controls, scripted.command);
      });
    }
  }

  /** A key from the keyboard; the caller quits on 'quit'. */
  press(key: string): KeyOutcome {
    const command = commandForKey(key);
    if (command === undefined) return 'ignored';
    if (command === 'quit') return 'quit';
    runCommand(this.controls, command);
    return 'handled';
  }

  status(eventsShown: number): GroupStatus {
    return collectStatus(this.cluster, this.controls, eventsShown);
  }
}
