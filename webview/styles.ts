/**
 * The panel's stylesheet, injected at start under the page's CSP nonce (no inline `style`
 * attributes anywhere: CSP would block them). Colours come from VS Code's theme variables.
 */
export const STYLES = `
:root { color-scheme: light dark; }
body {
  margin: 0; padding: 0 16px 24px;
  color: var(--vscode-foreground);
  background: var(--vscode-editor-background);
  font-family: var(--vscode-font-family, system-ui, sans-serif);
  font-size: var(--vscode-font-size, 13px);
  line-height: 1.45;
}
header.account { display: flex; align-items: baseline; gap: 8px; padding: 12px 0 4px; border-bottom: 1px solid var(--vscode-panel-border, rgba(128,128,128,.35)); }
header.account h1 { font-size: 1.25em; font-weight: 600; margin: 0; }
.muted { color: var(--vscode-descriptionForeground); }
section { margin-top: 18px; }
section[hidden] { display: none; }
h2 { font-size: .85em; font-weight: 700; text-transform: uppercase; letter-spacing: .06em; margin: 0 0 8px; color: var(--vscode-sideBarTitle-foreground, var(--vscode-foreground)); }
.count { display: inline-block; min-width: 1.4em; padding: 0 6px; border-radius: 9px; text-align: center; font-size: .9em;
  background: var(--vscode-badge-background); color: var(--vscode-badge-foreground); }
ul { list-style: none; margin: 0; padding: 0; }
.card, .entry { padding: 10px 12px; margin-bottom: 8px; border-radius: 4px;
  background: var(--vscode-sideBar-background, rgba(128,128,128,.08));
  border: 1px solid var(--vscode-widget-border, rgba(128,128,128,.25)); }
.entry.row { display: flex; gap: 10px; align-items: center; padding: 6px 12px; }
.entry.row time { margin-left: auto; color: var(--vscode-descriptionForeground); font-variant-numeric: tabular-nums; }
.empty { padding: 8px 2px; color: var(--vscode-descriptionForeground); font-style: italic; }
.card-head, .entry-head { display: flex; gap: 8px; align-items: center; margin-bottom: 6px; }
.card-head .elapsed, .entry-head time { margin-left: auto; font-variant-numeric: tabular-nums; color: var(--vscode-descriptionForeground); }
.conn { font-weight: 600; }
.who { font-weight: 600; color: var(--vscode-textLink-foreground); }
.rule { font-family: var(--vscode-editor-font-family, monospace); }
p { margin: 4px 0; }
code, pre { font-family: var(--vscode-editor-font-family, ui-monospace, monospace); font-size: var(--vscode-editor-font-size, 12px); }
pre.sql { margin: 4px 0 6px; padding: 6px 8px; white-space: pre-wrap; word-break: break-word; border-radius: 3px;
  background: var(--vscode-textCodeBlock-background, rgba(128,128,128,.15)); }
.badge { font-size: .75em; font-weight: 700; text-transform: uppercase; letter-spacing: .04em; padding: 1px 6px; border-radius: 3px; border: 1px solid currentColor; }
.badge.pending { color: var(--vscode-editorWarning-foreground, #cca700); }
.badge.blocked { color: var(--vscode-errorForeground, #f48771); }
.badge.masked { color: var(--vscode-editorInfo-foreground, #3794ff); }
.badge.started { color: var(--vscode-testing-iconPassed, #73c991); }
.badge.ended { color: var(--vscode-descriptionForeground); }
.hint { padding-left: 8px; border-left: 2px solid var(--vscode-textLink-foreground); }
.hint-label { font-weight: 600; }
.error { color: var(--vscode-errorForeground); }
.actions { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin-top: 6px; }
.actions > .muted:first-child { margin-right: auto; }
button { font: inherit; padding: 4px 12px; border-radius: 2px; cursor: pointer; border: 1px solid var(--vscode-button-border, transparent); }
button.primary { background: var(--vscode-button-background); color: var(--vscode-button-foreground); }
button.primary:hover { background: var(--vscode-button-hoverBackground); }
button.secondary { background: var(--vscode-button-secondaryBackground); color: var(--vscode-button-secondaryForeground); }
button.secondary:hover { background: var(--vscode-button-secondaryHoverBackground); }
button.danger { background: transparent; color: var(--vscode-errorForeground); border-color: var(--vscode-errorForeground); }
button:disabled { opacity: .5; cursor: default; }
button:focus-visible, textarea:focus-visible { outline: 1px solid var(--vscode-focusBorder); outline-offset: 2px; }
textarea.comment { box-sizing: border-box; width: 100%; resize: vertical; margin-top: 4px; padding: 4px 6px; font: inherit;
  color: var(--vscode-input-foreground); background: var(--vscode-input-background);
  border: 1px solid var(--vscode-input-border, transparent); border-radius: 2px; }
textarea.comment::placeholder { color: var(--vscode-input-placeholderForeground); }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;
