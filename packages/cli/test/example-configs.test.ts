import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseBrokerReplicaConfig, type BrokerReplicaConfig } from '@raftmq/broker';
import { readConfigFile } from '@raftmq/ledger';
import { describe, expect, it } from 'vitest';

const exampleDirectory = fileURLToPath(new URL('../../../examples/cluster/', import.meta.url));
const expectedGroups = ['broker-a', 'broker-b'];
const replicasPerGroup = 3;
/** Settings an operator must see in every example rather than get silently from a default. */
const settingsShown = ['cluster', 'brokerName', 'nameServers', 'peers', 'flush'];

interface Example {
  readonly file: string;
  readonly raw: Record<string, unknown>;
  readonly config: BrokerReplicaConfig;
}

/** Every broker config of the example, read and checked as `raftmq broker --config` does; a file that fails names itself. */
function loadExamples(): Example[] {
  const files = readdirSync(exampleDirectory)
    .filter((file) => file.endsWith('.json'))
    .sort();
  return files.map((file) => {
    const raw = readConfigFile(`${exampleDirectory}${file}`);
    try {
      return { file, raw: raw as Record<string, unknown>, config: parseBrokerReplicaConfig(raw) };
    } catch (error) {
      throw new Error(`examples/cluster/${file} is refused: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  });
}

function byGroup(examples: readonly Example[]): Map<string, Example[]> {
  const groups = new Map<string, Example[]>();
  for (const example of examples) groups.set(example.config.broker.brokerName, [...(groups.get(example.config.broker.brokerName) ?? []), example]);
  return groups;
}

function endpointOf(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port) };
}

describe('the example cluster configs (examples/cluster)', () => {
  it('every broker file parses as raftmq broker --config parses it, is named after its group and replica, and shows the settings that matter', () => {
    const examples = loadExamples();
    expect(examples.map(({ file }) => file)).toEqual(expectedGroups.flatMap((group) => Array.from({ length: replicasPerGroup }, (_, position) => `${group}-n${position + 1}.json`)));
    for (const { file, raw, config } of examples) {
      expect(file, 'a file is named <brokerName>-<id>.json').toBe(`${config.broker.brokerName}-${config.id}.json`);
      for (const setting of settingsShown) expect(Object.keys(raw), `${file} sets ${setting}`).toContain(setting);
      // An example secret must be one nobody would deploy unchanged.
      expect(config.secret, `${file}'s secret is a placeholder`).toMatch(/CHANGE-ME/);
    }
  });

  it("the replicas of a group agree on brokerName, cluster, peers, secret and NameServers, and each listens where its peers reach it", () => {
    for (const [brokerName, replicas] of byGroup(loadExamples())) {
      expect(replicas, `${brokerName}'s replicas`).toHaveLength(replicasPerGroup);
      const [first] = replicas as [Example];
      for (const { file, config } of replicas) {
        expect(config.broker.cluster, `${file}'s cluster`).toBe(first.config.broker.cluster);
        expect(config.peers, `${file}'s peers`).toEqual(first.config.peers);
        expect(config.secret, `${file}'s secret`).toBe(first.config.secret);
        expect(config.broker.nameServers, `${file}'s nameServers`).toEqual(first.config.broker.nameServers);
        const own = config.peers[config.id];
        expect(own, `${file} is among its own peers`).toBeDefined();
        expect(config.peerListen, `${file}'s peerListen is its peerUrl`).toEqual(endpointOf(own!.peerUrl));
        expect(config.clientListen, `${file}'s clientListen is its clientUrl`).toEqual(endpointOf(own!.clientUrl));
      }
      // Every configured peer has its file, so the group can reach a quorum as shipped.
      expect(replicas.map(({ config }) => config.id).sort(), `${brokerName}'s files cover its peers`).toEqual(Object.keys(first.config.peers).sort());
    }
  });

  it('the two groups make one cluster: same cluster and NameServers, their own names, secrets and addresses', () => {
    const groups = [...byGroup(loadExamples()).entries()];
    expect(groups.map(([brokerName]) => brokerName).sort()).toEqual(expectedGroups);
    const [[, a], [, b]] = groups as [[string, Example[]], [string, Example[]]];
    const [groupA, groupB] = [(a[0] as Example).config, (b[0] as Example).config];
    expect(groupB.broker.cluster).toBe(groupA.broker.cluster);
    expect([...groupB.broker.nameServers].sort()).toEqual([...groupA.broker.nameServers].sort());
    expect(groupA.broker.nameServers.length, 'a NameServer at least').toBeGreaterThan(0);
    expect(groupB.secret, "one group's secret does not open the other's links").not.toBe(groupA.secret);
    const addresses = [groupA, groupB].flatMap((config) => Object.values(config.peers).flatMap((peer) => [peer.peerUrl, peer.clientUrl]));
    expect(new Set(addresses).size, 'no address serves two replicas').toBe(addresses.length);
  });

  it("the NameServer note starts a NameServer at every address the brokers register with, and the README's updateTopic names their cluster", () => {
    const examples = loadExamples();
    const note = readFileSync(`${exampleDirectory}namesrv.md`, 'utf8');
    const started = [...note.matchAll(/raftmq namesrv --host (\S+) --port (\d+)/g)].map(([, host, port]) => `${host}:${port}`);
    const registeredWith = new Set(examples.flatMap(({ config }) => config.broker.nameServers.map((address) => address.replace(/^wss?:\/\//, ''))));
    expect(new Set(started)).toEqual(registeredWith);
    const readme = readFileSync(`${exampleDirectory}README.md`, 'utf8');
    expect(readme).toContain(`raftmq admin updateTopic -c ${(examples[0] as Example).config.broker.cluster} `);
  });
});
