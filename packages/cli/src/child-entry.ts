import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The raftmq command's entry point, run in each child process (replicas, NameServers). */
export const mainPath = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './main.ts' : './main.js', import.meta.url));
/**
 * How a child runs the entry point: the built JavaScript as it is, the
 * TypeScript sources through tsx's loader (found from this package, not from
 * the working directory).
 */
export const runnerArguments = mainPath.endsWith('.ts') ? ['--conditions=@raftmq/source', '--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href] : [];
