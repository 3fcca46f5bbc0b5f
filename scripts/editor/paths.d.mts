// Types for paths.mjs, which the editor tests import.
export declare const NODE_VERSION: string;
export declare const CODE_SERVER_VERSION: string;

export interface EditorPaths {
  readonly base: string;
  readonly stamp: string;
  readonly nodePrefix: string;
  readonly nodeHome: string;
  readonly nodeBin: string;
  readonly node: string;
  readonly codeServerPrefix: string;
  readonly codeServerHome: string;
  readonly codeServer: string;
}

export declare function editorPaths(root: string): EditorPaths;
