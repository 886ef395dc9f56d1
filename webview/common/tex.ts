// KaTeX rendering straight into DOM nodes (katex.render builds elements and sets styles through the
// CSSOM, which a strict CSP allows; renderToString + innerHTML would need inline style attributes).
// trust: false (no \href, \includegraphics, \htmlClass…). TeX that does not parse shows its plain-text
// fallback (class nl-tex-fallback, the parse error as its title): KaTeX's own error node carries a
// style attribute, which the CSP blocks.
import katex from 'katex';

export function renderTex(el: HTMLElement, source: string, options: { display?: boolean; fallback?: string } = {}): HTMLElement {
  el.classList.add('nl-tex');
  try {
    katex.render(source, el, {
      displayMode: options.display ?? false,
      throwOnError: true,
      trust: false,
      strict: 'ignore',
      maxSize: 20,
      maxExpand: 200,
      output: 'htmlAndMathml',
    });
  } catch (e) {
    el.textContent = options.fallback ?? source;
    el.classList.add('nl-tex-fallback');
    el.title = `Shown as text: the TeX did not parse (${e instanceof Error ? e.message : String(e)})`;
    console.warn(`Noether Lab: TeX shown as text: ${e instanceof Error ? e.message : String(e)}: ${source}`);
    return el;
  }
  if (options.fallback) el.title = options.fallback;
  return el;
}
