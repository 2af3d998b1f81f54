import { describe } from 'vitest';
import { defineExampleTests } from './compliance/examples.js';
import { defineModelBasedTest } from './compliance/property.js';
import type { LogStoreComplianceOptions } from './compliance/subject.js';

export type { LogStoreComplianceOptions } from './compliance/subject.js';

/**
 * The one conformance suite every LogStore passes (DESIGN.md §4), with
 * MemoryLog's behaviour as the reference: targeted examples of the contract
 * and its errors, and a model-based property over random command sequences.
 * Call it from a `*.test.ts` per implementation.
 */
export function logStoreCompliance(options: LogStoreComplianceOptions): void {
  describe(`${options.name} LogStore compliance`, () => {
    defineExampleTests(options);
    describe('model', () => defineModelBasedTest(options));
  });
}
