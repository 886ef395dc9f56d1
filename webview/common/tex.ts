// KaTeX rendering straight into DOM nodes (katex.render builds elements and sets styles through the
// CSSOM, which a strict CSP allows; renderToString + innerHTML would need inline style attributes).
// trust: false (no \href, \includegraphics, \htmlClass…), throwOnError: false (bad TeX shows in red).
import katex from 'katex';

export function renderTex(el: HTMLElement, source: string, options: { display?: boolean; fallback?: string } = {}): HTMLElement {
  el.classList.add('nl-tex');
  try {
    katex.render(source, el, {
      displayMode: options.display ?? false,
      throwOnError: false,
      trust: false,
      strict: 'ignore',
      maxSize: 20,
      maxExpand: 200,
      output: 'htmlAndMathml',
    });
  } catch {
    el.textContent = options.fallback ?? source;
  }
  if (options.fallback) el.title = options.fallback;
  return el;
}
