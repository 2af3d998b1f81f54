import { createServer } from 'node:net';

function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Blocks of ports are tried from here on: above the real-process tests' usual range and below the ephemeral ports. */
const FIRST_BASE_PORT = 21_000;
export const BLOCK_STEP = 500;
const BLOCKS = 20;

/**
 * A base port such that base + each offset is free on `host` now, trying
 * blocks `BLOCK_STEP` apart from `first`. Free now is no promise for later,
 * but a collision with another run on this machine becomes unlikely.
 */
export async function freeBasePort(offsets: readonly number[], first = FIRST_BASE_PORT, host = '127.0.0.1'): Promise<number> {
  for (let block = 0; block < BLOCKS; block++) {
    const base = first + block * BLOCK_STEP;
    const free = await Promise.all(offsets.map((offset) => portIsFree(host, base + offset)));
    if (free.every(Boolean)) return base;
  }
  throw new Error(`no free block of ports found from ${first} on (${BLOCKS} blocks tried)`);
}
