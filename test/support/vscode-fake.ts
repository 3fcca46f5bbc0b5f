/**
 * A small in-memory stand-in for the `vscode` module, for unit tests of extension code: only
 * what the extension uses, recording what it is asked to do (messages posted to webviews,
 * URLs opened, panels created).
 */
type Listener<T> = (e: T) => unknown;

export class EventEmitter<T> {
  private readonly listeners = new Set<Listener<T>>();
  readonly event = (l: Listener<T>): { dispose(): void } => {
    this.listeners.add(l);
    return { dispose: () => this.listeners.delete(l) };
  };
  fire(e: T): void {
    for (const l of this.listeners) l(e);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

export class Uri {
  private constructor(readonly scheme: string, readonly path: string) {}
  static parse(value: string): Uri {
    const u = new URL(value);
    return new Uri(u.protocol.replace(':', ''), value);
  }
  static file(path: string): Uri {
    return new Uri('file', path);
  }
  static joinPath(base: Uri, ...parts: string[]): Uri {
    return new Uri(base.scheme, [base.path.replace(/\/+$/, ''), ...parts].join('/'));
  }
  toString(): string {
    return this.scheme === 'file' ? `file://${this.path}` : this.path;
  }
}

export const ViewColumn = { Active: -1, Beside: -2, One: 1 } as const;

export class FakeWebview {
  html = '';
  readonly posted: unknown[] = [];
  /** What VS Code 1.139 really gives: a list of sources, not one. */
  readonly cspSource = "'self' https://*.vscode-cdn.net";
  private readonly received = new EventEmitter<unknown>();
  readonly onDidReceiveMessage = this.received.event;
  postMessage(m: unknown): Promise<boolean> {
    this.posted.push(m);
    return Promise.resolve(true);
  }
  asWebviewUri(u: Uri): Uri {
    return Uri.parse(`https://webview.invalid${u.path.startsWith('/') ? '' : '/'}${u.path}`);
  }
  /** Test side: the webview sends `m` to the host. */
  send(m: unknown): void {
    this.received.fire(m);
  }
}

export class FakeWebviewPanel {
  readonly webview = new FakeWebview();
  iconPath: unknown;
  revealed = 0;
  private readonly disposed = new EventEmitter<void>();
  readonly onDidDispose = this.disposed.event;
  constructor(readonly viewType: string, readonly title: string, readonly options: Record<string, unknown>) {}
  reveal(): void {
    this.revealed++;
  }
  dispose(): void {
    this.disposed.fire();
  }
}

export const created: { panels: FakeWebviewPanel[]; opened: string[] } = { panels: [], opened: [] };

export const window = {
  createWebviewPanel(viewType: string, title: string, _column: unknown, options: Record<string, unknown>): FakeWebviewPanel {
    const p = new FakeWebviewPanel(viewType, title, options);
    created.panels.push(p);
    return p;
  },
};

export const env = {
  openExternal(u: Uri): Promise<boolean> {
    created.opened.push(u.toString());
    return Promise.resolve(true);
  },
  /** A local editor: nothing to forward. */
  asExternalUri(u: Uri): Promise<Uri> {
    return Promise.resolve(u);
  },
};
