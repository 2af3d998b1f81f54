/** What the proxy child and its parent say over IPC (a module without side effects, so the parent can import it). */
export interface ProxyChildReady {
  readonly port: number;
}
export interface ProxyChildFailed {
  readonly error: string;
}
export const PROXY_CHILD_STOP = 'stop';
