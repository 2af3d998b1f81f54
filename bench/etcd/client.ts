import { Agent, request } from 'node:http';

/** What `POST /v3/maintenance/status` answers, the uint64s (which JSON carries as strings) kept as strings. */
export interface EtcdStatus {
  /** The member that answered. */
  readonly memberId: string;
  /** The leader it knows of; '0' for none. */
  readonly leaderId: string;
  readonly raftTerm: number;
  readonly raftIndex: number;
  readonly raftAppliedIndex: number;
  readonly version: string;
}

/** etcd answered with an HTTP error (a gRPC error through the gateway), or not as JSON. */
export class EtcdRequestError extends Error {
  constructor(
    readonly httpStatus: number,
    message: string,
  ) {
    super(message);
    this.name = 'EtcdRequestError';
  }
}

/** No answer within the request's time. */
export class EtcdTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EtcdTimeoutError';
  }
}

const NO_LEADER = '0';

function base64(value: string | Uint8Array): string {
  return Buffer.from(value).toString('base64');
}

function text(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : fallback;
}

/** Parses a status answer; exported for the tests. */
export function parseEtcdStatus(body: unknown): EtcdStatus {
  const answer = (body ?? {}) as Record<string, unknown>;
  const header = (answer['header'] ?? {}) as Record<string, unknown>;
  return {
    memberId: text(header['member_id'], NO_LEADER),
    leaderId: text(answer['leader'], NO_LEADER),
    raftTerm: Number(answer['raftTerm'] ?? header['raft_term'] ?? 0),
    raftIndex: Number(answer['raftIndex'] ?? 0),
    raftAppliedIndex: Number(answer['raftAppliedIndex'] ?? answer['raftIndex'] ?? 0),
    version: text(answer['version'], 'unknown'),
  };
}

/** The JSON body of a put: base64 key and value, as etcd's v3 gateway takes them. */
export function putBody(key: string, valueBase64: string): string {
  return `{"key":"${base64(key)}","value":"${valueBase64}"}`;
}

/**
 * etcd's v3 API through its JSON gateway (grpc-gateway, served on every client
 * URL; etcd 3.4 serves it under /v3/), over Node's http with one keep-alive
 * Agent, so each in-flight request has a warm connection. No dependency.
 */
export class EtcdHttpClient {
  private readonly agent: Agent;

  constructor(maxSockets: number) {
    this.agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  /** Puts `key` = the value given already base64-encoded (encode a shared value once). */
  async put(endpoint: string, key: string, valueBase64: string, timeoutMs: number): Promise<void> {
    await this.post(endpoint, '/v3/kv/put', putBody(key, valueBase64), timeoutMs);
  }

  async status(endpoint: string, timeoutMs: number): Promise<EtcdStatus> {
    return parseEtcdStatus(await this.post(endpoint, '/v3/maintenance/status', '{}', timeoutMs));
  }

  close(): void {
    this.agent.destroy();
  }

  private post(endpoint: string, path: string, body: string, timeoutMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const url = new URL(path, endpoint);
      let settled = false;
      const finish = (error: Error | null, value?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error === null) resolve(value);
        else reject(error);
      };
      const outgoing = request(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent: this.agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', (error) => finish(error));
          response.on('end', () => {
            const raw = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown;
            try {
              parsed = raw.length === 0 ? {} : JSON.parse(raw);
            } catch {
              finish(new EtcdRequestError(response.statusCode ?? 0, `${endpoint}${path}: not JSON: ${raw.slice(0, 200)}`));
              return;
            }
            if (response.statusCode !== 200) {
              const message = text((parsed as Record<string, unknown>)['error'] ?? (parsed as Record<string, unknown>)['message'], raw.slice(0, 200));
              finish(new EtcdRequestError(response.statusCode ?? 0, `${endpoint}${path}: HTTP ${response.statusCode}: ${message}`));
              return;
            }
            finish(null, parsed);
          });
        },
      );
      const timer = setTimeout(() => {
        finish(new EtcdTimeoutError(`${endpoint}${path}: no answer within ${timeoutMs} ms`));
        outgoing.destroy();
      }, timeoutMs);
      outgoing.on('error', (error) => finish(error));
      outgoing.end(body);
    });
  }
}
