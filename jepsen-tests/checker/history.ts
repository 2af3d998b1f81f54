/**
 * One line of history.jsonl, in the Jepsen style: a send is an `invoke`
 * followed by `ok` (stored), `fail` (certainly not stored) or `info` (the
 * outcome is unknown). A receive is recorded as one `ok` per message
 * delivered, since a receive call that brings nothing says nothing.
 */
export interface HistoryOp {
  readonly type: 'invoke' | 'ok' | 'fail' | 'info';
  readonly f: 'send' | 'receive';
  /** Which worker: `producer-3`, or `consumer-1` (a consumer session: a new SimpleConsumer is a new process). */
  readonly process: string;
  /** The message body, `v-<n>`. */
  readonly value: string;
  /** Milliseconds since the run started. */
  readonly timeMs: number;
  readonly queueId?: number;
  readonly queueOffset?: number;
  readonly msgId?: string;
  readonly error?: string;
}

/** A history.jsonl line that is not a history operation. */
export class HistoryParseError extends Error {
  constructor(readonly line: number, message: string) {
    super(`history line ${line}: ${message}`);
    this.name = 'HistoryParseError';
  }
}

const types: ReadonlySet<string> = new Set(['invoke', 'ok', 'fail', 'info']);
const functions: ReadonlySet<string> = new Set(['send', 'receive']);

export function serializeHistory(history: readonly HistoryOp[]): string {
  return history.map((op) => JSON.stringify(op)).join('\n') + (history.length > 0 ? '\n' : '');
}

export function parseHistory(text: string): HistoryOp[] {
  const ops: HistoryOp[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      throw new HistoryParseError(index + 1, `not JSON (${(error as Error).message})`);
    }
    const op = parsed as Partial<HistoryOp>;
    if (typeof op !== 'object' || op === null || !types.has(String(op.type)) || !functions.has(String(op.f))) {
      throw new HistoryParseError(index + 1, 'needs type invoke|ok|fail|info and f send|receive');
    }
    if (typeof op.process !== 'string' || typeof op.value !== 'string' || typeof op.timeMs !== 'number') {
      throw new HistoryParseError(index + 1, 'needs a string process and value and a number timeMs');
    }
    ops.push(op as HistoryOp);
  }
  return ops;
}
