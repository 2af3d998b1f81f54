/** Test-only surface: deliberate protocol bugs for negative controls. */
export type { UnsafeSwitches } from './unsafe.js';
