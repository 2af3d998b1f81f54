/** A small well-formedness check for the SVG and HTML the report writes: no parser dependency. */

const VOID_HTML_ELEMENTS = new Set(['meta', 'br', 'hr', 'img', 'link', 'input']);

/** Problems found: unbalanced tags, NaN or undefined written out, an ampersand that starts no entity. */
export function markupProblems(markup: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  const body = markup.replace(/<!DOCTYPE[^>]*>/i, '');
  for (const match of body.matchAll(/<(\/?)([a-zA-Z][\w:-]*)((?:[^>"]|"[^"]*")*?)(\/?)>/g)) {
    const [, closing, name = '', , selfClosing] = match;
    if (selfClosing === '/' || VOID_HTML_ELEMENTS.has(name)) continue;
    if (closing === '/') {
      const open = stack.pop();
      if (open !== name) problems.push(`</${name}> closes <${open ?? 'nothing'}>`);
    } else {
      stack.push(name);
    }
  }
  if (stack.length > 0) problems.push(`unclosed: ${stack.join(', ')}`);
  for (const bad of ['NaN', 'undefined', 'Infinity']) if (new RegExp(`\\b${bad}\\b`).test(markup)) problems.push(`contains ${bad}`);
  if (/&(?!amp;|lt;|gt;|quot;|#39;)/.test(markup)) problems.push('an unescaped &');
  return problems;
}
