/**
 * The one bridge to the extension host. `acquireVsCodeApi()` may be called once per page, so
 * it is called here and nowhere else; everything else posts through {@link HostClient}.
 */
import { message, type IpcType, type WebviewMessage } from '../../extension/panel/protocol.js';

/** What VS Code injects into webviews (a test page provides a stub). */
export interface VsCodeApi<S> {
  postMessage(message: unknown): void;
  getState(): S | undefined;
  setState(state: S): S | void;
}

declare function acquireVsCodeApi<S>(): VsCodeApi<S>;

export function acquireApi<S>(): VsCodeApi<S> {
  return acquireVsCodeApi<S>();
}

/** Typed sending over the panel protocol. */
export class HostClient {
  constructor(private readonly api: VsCodeApi<unknown>) {}

  send<M extends WebviewMessage['method'], P>(type: IpcType<M, P>, params: P): void {
    this.api.postMessage(message(type, params));
  }
}
