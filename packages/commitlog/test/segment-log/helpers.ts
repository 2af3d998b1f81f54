import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import type { Entry, FileSystem } from '../../src/index.js';
import { payload } from '../compliance/fixtures.js';

const made: string[] = [];

/** A fresh directory under the OS temp dir, removed after the test. */
export function temporaryDirectory(): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'raftmq-'));
  made.push(directory);
  return directory;
}

afterEach(() => {
  for (const directory of made.splice(0)) fs.rmSync(directory, { recursive: true, force: true });
});

/** `count` entries from `firstIndex` of one term, each `sizeBytes` of payload that depends on its index. */
export function entries(firstIndex: number, count: number, term = 1, sizeBytes = 16): Entry[] {
  return Array.from({ length: count }, (_, position) => ({
    index: firstIndex + position,
    term,
    type: (firstIndex + position) % 3,
    data: payload(firstIndex + position, term, sizeBytes),
  }));
}

export interface Instrumented {
  readonly fileSystem: FileSystem;
  /** Calls per method name. */
  readonly calls: Map<string, number>;
  /** Makes the next call of `method` fail with `error`. */
  failNext(method: keyof FileSystem, error: Error): void;
}

/** Wraps a FileSystem to count its calls and inject failures. */
export function instrumented(inner: FileSystem): Instrumented {
  const calls = new Map<string, number>();
  const failures = new Map<string, Error>();
  const fileSystem = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return (...args: unknown[]) => {
        calls.set(property, (calls.get(property) ?? 0) + 1);
        const failure = failures.get(property);
        if (failure !== undefined) {
          failures.delete(property);
          if (property.endsWith('Sync') || property === 'processId' || property === 'processAlive') throw failure;
          return Promise.reject(failure);
        }
        return (value as (...callArgs: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { fileSystem, calls, failNext: (method, error) => failures.set(method, error) };
}

/** An error as node:fs raises it. */
export function ioError(code: string): Error {
  return Object.assign(new Error(`${code}: simulated`), { code });
}
