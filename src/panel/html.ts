// The HTML shell of the Noether Lab webviews. Pure (no `vscode` import) so the browser tests build
// the very same page, Content-Security-Policy and nonce as the extension does.
//
// Security: `default-src 'none'`; scripts only by a fresh nonce (no 'unsafe-eval', no 'unsafe-inline');
// styles and fonts only from the extension's own webview resources; images from there or data: URLs
// (PNG export previews). Nothing from the `.loss` file ever reaches this HTML: the page is a fixed
// shell and the front end fills it through DOM APIs.

export interface WebviewHtmlOptions {
  /** `webview.cspSource`. */
  cspSource: string;
  /** A fresh random nonce per render. */
  nonce: string;
  /** asWebviewUri of dist/webview/<view>.js and .css. */
  scriptUri: string;
  styleUri: string;
  view: 'panel' | 'sidebar' | 'report';
  title: string;
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return (
    [
      `default-src 'none'`,
      `script-src 'nonce-${nonce}'`,
      `style-src ${cspSource} 'nonce-${nonce}'`,
      `img-src ${cspSource} data:`,
      `font-src ${cspSource}`,
    ].join('; ') + ';'
  );
}

/** 32 random alphanumeric characters (crypto-quality when available). */
export function makeNonce(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = new Uint8Array(32);
  const c = (globalThis as { crypto?: { getRandomValues?(a: Uint8Array): Uint8Array } }).crypto;
  if (c?.getRandomValues) c.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  let out = '';
  for (const b of bytes) out += chars[b % chars.length];
  return out;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string);
}

export function webviewHtml(o: WebviewHtmlOptions): string {
  const csp = contentSecurityPolicy(o.cspSource, o.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeHtml(o.styleUri)}">
<title>${escapeHtml(o.title)}</title>
</head>
<body data-view="${o.view}">
<div id="app" class="nl-app nl-${o.view}" role="main"></div>
<script nonce="${o.nonce}" src="${escapeHtml(o.scriptUri)}"></script>
</body>
</html>`;
}
