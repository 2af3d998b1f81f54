/** Below 32,768, where Linux starts handing out ephemeral ports: a client connection's local port must never take a replica's. */
const portBase = 20_000;
const portSpan = 12_000;
/** Ports one group takes: peer ports base+1.., client ports base+101.. */
const portsPerGroup = 300;

let groupsStarted = 0;

/** A base port spread by process id so parallel runs on one machine rarely collide. */
export function nextBasePort(): number {
  groupsStarted++;
  return portBase + ((process.pid * 11 + groupsStarted * portsPerGroup) % portSpan);
}
