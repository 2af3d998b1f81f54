/** Counters since start, for metrics; every one only grows except connectionsOpen. */
export interface TransportStats {
  /** Frames handed to a socket. */
  readonly framesSent: number;
  readonly bytesSent: number;
  /** Frames received on authenticated connections, good or bad. */
  readonly framesReceived: number;
  readonly bytesReceived: number;
  /** Messages in the frames handed to a socket. */
  readonly messagesSent: number;
  /** Messages handed to `deliver`. */
  readonly messagesReceived: number;
  /** Outbound messages not sent: no connection, a full queue or socket buffer, too large, or an unknown destination. */
  readonly messagesDropped: number;
  /** Outbound messages a fault-injection test's link faults dropped before the socket (see setLinkFaults); not in messagesDropped. */
  readonly messagesDroppedByFault: number;
  /** Inbound frames a fault-injection test's link faults dropped on receipt; not in framesReceived. */
  readonly framesDroppedByFault: number;
  /** Inbound frames dropped whole: not msgpack, not an array, a text frame, a protocol error, or over frameBytesMax. */
  readonly framesMalformed: number;
  /** The part of framesMalformed that was over frameBytesMax (ws closes the connection for those). */
  readonly framesTooLarge: number;
  /** Inbound messages dropped one by one: schema failures, a `to` that is not this node, a `from` that is not the peer. */
  readonly messagesRejected: number;
  /** Handshakes this node refused: unknown id, bad MAC, malformed, late, or too many at once. */
  readonly handshakesRefused: number;
  /** Handshakes this node dialled that did not complete: refused by the peer, timed out, or cut. */
  readonly handshakesFailed: number;
  readonly handshakesCompleted: number;
  /** Dials after the first to the same peer. */
  readonly reconnects: number;
  /** Connections cut because the peer showed no sign of life for a liveness interval. */
  readonly connectionsUnresponsive: number;
  /** Authenticated connections open now. */
  readonly connectionsOpen: number;
  /** Warn lines held back by the rate limit. */
  readonly logLinesSuppressed: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export type TransportCounters = Mutable<TransportStats>;

export function createTransportCounters(): TransportCounters {
  return {
    framesSent: 0,
    bytesSent: 0,
    framesReceived: 0,
    bytesReceived: 0,
    messagesSent: 0,
    messagesReceived: 0,
    messagesDropped: 0,
    messagesDroppedByFault: 0,
    framesDroppedByFault: 0,
    framesMalformed: 0,
    framesTooLarge: 0,
    messagesRejected: 0,
    handshakesRefused: 0,
    handshakesFailed: 0,
    handshakesCompleted: 0,
    reconnects: 0,
    connectionsUnresponsive: 0,
    connectionsOpen: 0,
    logLinesSuppressed: 0,
  };
}
