import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LinkFaultsInput } from '@raftmq/raft';
import { afterEach, describe, expect, it } from 'vitest';
import { LinkFaultsFile, linkFaultsFileBytesMax, linkFaultsPollIntervalMs, parseLinkFaultsFile } from '../src/link-faults-file.js';
import { parseReplicaConfig } from '../src/replica-config.js';
import type { Logger } from '../src/logger.js';

/** Many polls: a change is seen within one. */
const seenWithinMs = 40 * linkFaultsPollIntervalMs;

let directory: string | undefined;
let watcher: LinkFaultsFile | undefined;
afterEach(() => {
  watcher?.stop();
  watcher = undefined;
  if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
  directory = undefined;
});

function recording() {
  const applied: { dropTo: string[]; dropFrom: string[] }[] = [];
  const warnings: string[] = [];
  const logger: Logger = { debug() {}, info() {}, warn: (fields) => warnings.push(String(fields['problem'])), error() {} };
  const apply = (faults: LinkFaultsInput) => applied.push({ dropTo: [...(faults.dropTo ?? [])], dropFrom: [...(faults.dropFrom ?? [])] });
  return { applied, warnings, logger, apply };
}

/** As the runner writes it: a new file renamed into place, so a look never finds it half written. */
function writeAtomically(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + seenWithinMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`not within ${seenWithinMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, linkFaultsPollIntervalMs / 2));
  }
}

describe('the link faults file', () => {
  it('parses both lists, either left out, and refuses anything else', () => {
    expect(parseLinkFaultsFile('{ "dropTo": ["n2"], "dropFrom": ["n3"] }')).toEqual({ faults: { dropTo: ['n2'], dropFrom: ['n3'] } });
    expect(parseLinkFaultsFile('{}')).toEqual({ faults: { dropTo: [], dropFrom: [] } });
    expect(parseLinkFaultsFile('{ "dropTo": "n2" }')).toHaveProperty('problem');
    expect(parseLinkFaultsFile('{ "dropAll": true }')).toHaveProperty('problem');
    expect(parseLinkFaultsFile('{ "dropTo": [')).toHaveProperty('problem');
  });

  it('is followed as it changes: faults at start, new faults, healed', async () => {
    directory = mkdtempSync(join(tmpdir(), 'raftmq-link-faults-'));
    const path = join(directory, 'n1.json');
    writeAtomically(path, JSON.stringify({ dropTo: ['n2'] }));
    const { applied, warnings, logger, apply } = recording();
    watcher = new LinkFaultsFile(path, apply, logger);
    watcher.start();
    // Read at start, before the first poll.
    expect(applied).toEqual([{ dropTo: ['n2'], dropFrom: [] }]);
    writeAtomically(path, JSON.stringify({ dropTo: ['n2', 'n3'], dropFrom: ['n3'] }));
    await until(() => applied.length === 2, 'the new faults');
    expect(applied[1]).toEqual({ dropTo: ['n2', 'n3'], dropFrom: ['n3'] });
    writeAtomically(path, '{}');
    await until(() => applied.length === 3, 'healing');
    expect(applied[2]).toEqual({ dropTo: [], dropFrom: [] });
    expect(warnings).toEqual([]);
  });

  it('means no faults when missing, malformed or oversized, warning once for each, never throwing', async () => {
    directory = mkdtempSync(join(tmpdir(), 'raftmq-link-faults-'));
    const path = join(directory, 'n1.json');
    const { applied, warnings, logger, apply } = recording();
    watcher = new LinkFaultsFile(path, apply, logger);
    watcher.start();
    expect(applied).toEqual([{ dropTo: [], dropFrom: [] }]);
    // Still missing after many polls: one warning, not one per look.
    await new Promise((resolve) => setTimeout(resolve, 8 * linkFaultsPollIntervalMs));
    expect(warnings).toEqual(['missing']);

    writeAtomically(path, JSON.stringify({ dropFrom: ['n2'] }));
    await until(() => applied.length === 2, 'the faults once the file appears');
    writeAtomically(path, '{ "dropFrom": [');
    await until(() => applied.length === 3, 'the malformed file');
    expect(applied[2]).toEqual({ dropTo: [], dropFrom: [] });
    expect(warnings).toHaveLength(2);
    writeAtomically(path, ' '.repeat(linkFaultsFileBytesMax + 1));
    await until(() => warnings.length === 3, 'the oversized file');
    expect(warnings[2]).toContain('bytes');
    expect(applied.at(-1)).toEqual({ dropTo: [], dropFrom: [] });
  });

  it('is named in a replica config under faultInjection', () => {
    const config = parseReplicaConfig({
      id: 'n1',
      dataDir: '/data',
      peerListen: { host: '127.0.0.1', port: 7101 },
      clientListen: { host: '127.0.0.1', port: 7201 },
      peers: { n1: { peerUrl: 'ws://127.0.0.1:7101', clientUrl: 'ws://127.0.0.1:7201' } },
      secret: 'a-cluster-secret-of-some-length',
      faultInjection: { linkFaultsFile: 'n1.link-faults.json' },
    });
    expect(config.faultInjection).toEqual({ volatileWrites: false, syncDelayMs: 0, ignoreProposalTerm: false, linkFaultsFile: 'n1.link-faults.json' });
  });
});
