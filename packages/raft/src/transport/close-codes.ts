/**
 * WebSocket close codes of this transport. Each refusal has its own code so the
 * node on the other end can log why it was turned away; 4000–4999 are the
 * range RFC 6455 §7.4.2 leaves to applications.
 */
export const CloseCode = {
  /** This node is stopping. */
  GoingAway: 1001,
  /** A frame was over frameBytesMax; ws sends this code itself. */
  MessageTooBig: 1009,
  /** A handshake message that does not decode or does not match its schema, or too many bytes before authentication. */
  HandshakeMalformed: 4001,
  /** Not authenticated within handshakeTimeoutMs. */
  HandshakeTimeout: 4002,
  /** The dialer named an id that is not a peer of this node. */
  UnknownPeer: 4003,
  /** A MAC did not verify: the other node does not hold the cluster secret. */
  AuthenticationFailed: 4004,
  /** The dialer meant to reach a different node than the one that answered. */
  WrongTarget: 4005,
  /** The dialer's id sorts above the acceptor's: the acceptor should have dialled. */
  WrongDirection: 4006,
  /** A newer authenticated connection from the same peer replaced this one. */
  Superseded: 4007,
  /** Too many unauthenticated connections are open already. */
  TooManyHandshakes: 4008,
  /** updatePeers removed the peer, or changed its address. */
  PeerRemoved: 4009,
  /** A different handshake version. */
  VersionMismatch: 4010,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

const refusalCodes: ReadonlySet<number> = new Set([
  CloseCode.HandshakeMalformed,
  CloseCode.HandshakeTimeout,
  CloseCode.UnknownPeer,
  CloseCode.AuthenticationFailed,
  CloseCode.WrongTarget,
  CloseCode.WrongDirection,
  CloseCode.TooManyHandshakes,
  CloseCode.VersionMismatch,
]);

/** Whether the other end closed the connection because it refused our handshake. */
export function isHandshakeRefusal(code: number): boolean {
  return refusalCodes.has(code);
}
