// Colours from VS Code's theme variables (--vscode-*), resolved for canvas drawing, and a watcher
// that calls back when the body's theme class (vscode-light / vscode-dark / vscode-high-contrast…)
// or the injected variables change.

export type ThemeKindClass = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

export interface Theme {
  kind: ThemeKindClass;
  fg: string;
  bg: string;
  muted: string;
  grid: string;
  border: string;
  font: string;
  fontSize: number;
  /** Series colours (VS Code's chart colours). */
  palette: string[];
  lineWidth: number;
}

let probe: CanvasRenderingContext2D | null = null;

/** Any CSS colour → [r, g, b, a] (via the canvas parser; falls back to grey). */
export function parseColor(color: string): [number, number, number, number] {
  probe ??= document.createElement('canvas').getContext('2d');
  if (!probe) return [128, 128, 128, 1];
  probe.fillStyle = '#808080';
  probe.fillStyle = color;
  const s = String(probe.fillStyle);
  if (s.startsWith('#')) {
    return [parseInt(s.slice(1, 3), 16), parseInt(s.slice(3, 5), 16), parseInt(s.slice(5, 7), 16), 1];
  }
  const m = /rgba?\(([^)]+)\)/.exec(s);
  if (!m) return [128, 128, 128, 1];
  const p = m[1].split(',').map((x) => parseFloat(x));
  return [p[0], p[1], p[2], p[3] ?? 1];
}

export function withAlpha(color: string, alpha: number): string {
  const [r, g, b, a] = parseColor(color);
  return `rgba(${r}, ${g}, ${b}, ${+(a * alpha).toFixed(3)})`;
}

/** Relative luminance, for choosing readable colours. */
export function luminance(color: string): number {
  const [r, g, b] = parseColor(color).map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function themeKind(): ThemeKindClass {
  const c = document.body.classList;
  if (c.contains('vscode-high-contrast-light')) return 'high-contrast-light';
  if (c.contains('vscode-high-contrast')) return 'high-contrast';
  if (c.contains('vscode-light')) return 'light';
  if (c.contains('vscode-dark')) return 'dark';
  // No class (outside VS Code): guess from the background.
  const bg = getComputedStyle(document.body).backgroundColor;
  return luminance(bg || '#ffffff') > 0.4 ? 'light' : 'dark';
}

const FALLBACK: Record<'light' | 'dark', { fg: string; bg: string; palette: string[] }> = {
  dark: { fg: '#cccccc', bg: '#1f1f1f', palette: ['#3794ff', '#d18616', '#89d185', '#b180d7', '#f14c4c', '#cca700'] },
  light: { fg: '#3b3b3b', bg: '#ffffff', palette: ['#1a85ff', '#d18616', '#388a34', '#652d90', '#e51400', '#bf8803'] },
};

export function readTheme(): Theme {
  const kind = themeKind();
  const cs = getComputedStyle(document.body);
  const v = (name: string, fallback: string) => cs.getPropertyValue(name).trim() || fallback;
  const base = FALLBACK[kind === 'light' || kind === 'high-contrast-light' ? 'light' : 'dark'];
  const fg = v('--vscode-editor-foreground', v('--vscode-foreground', base.fg));
  const bg = v('--vscode-editor-background', base.bg);
  const hc = kind === 'high-contrast' || kind === 'high-contrast-light';
  const palette = [
    v('--vscode-charts-blue', base.palette[0]),
    v('--vscode-charts-orange', base.palette[1]),
    v('--vscode-charts-green', base.palette[2]),
    v('--vscode-charts-purple', base.palette[3]),
    v('--vscode-charts-red', base.palette[4]),
    v('--vscode-charts-yellow', base.palette[5]),
  ];
  return {
    kind,
    fg,
    bg,
    muted: v('--vscode-descriptionForeground', withAlpha(fg, 0.7)),
    grid: hc ? withAlpha(fg, 0.35) : withAlpha(fg, 0.12),
    border: v('--vscode-contrastBorder', v('--vscode-panel-border', withAlpha(fg, 0.2))),
    font: v('--vscode-font-family', 'system-ui, sans-serif'),
    fontSize: parseFloat(v('--vscode-font-size', '13')) || 13,
    palette,
    lineWidth: hc ? 2.5 : 1.75,
  };
}

/** Call back (debounced to a frame) when the theme class or the injected variables change. */
export function watchTheme(callback: () => void): void {
  let last = snapshot();
  let scheduled = false;
  const check = () => {
    scheduled = false;
    const now = snapshot();
    if (now !== last) {
      last = now;
      callback();
    }
  };
  const observer = new MutationObserver(() => {
    if (!scheduled) {
      scheduled = true;
      requestAnimationFrame(check);
    }
  });
  observer.observe(document.body, { attributes: true, attributeFilter: ['class', 'style', 'data-vscode-theme-kind'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
}

function snapshot(): string {
  const cs = getComputedStyle(document.body);
  return [document.body.className, cs.getPropertyValue('--vscode-editor-foreground'), cs.getPropertyValue('--vscode-editor-background')].join('|');
}
