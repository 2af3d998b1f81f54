import { pino } from 'pino';

/** The logging the NameServer does: pino's interface, narrowed. */
export interface Logger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** One JSON line per event on standard error, so standard output stays for what a command prints. */
export function makeLogger(name: string, level: string): Logger {
  return pino({ name, level, base: { pid: process.pid } }, pino.destination(2));
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
