/**
 * Just enough Markdown to HTML for the benchmarks' own notes (headings,
 * pipe tables, bullet lists, code blocks, paragraphs, `code`, **bold**),
 * so report.html needs no library. Everything is escaped before it is marked up.
 */
import { escapeXml } from './svg.js';

function inline(text: string): string {
  return escapeXml(text)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
}

/** The cells of `| a | b\|c |`, with escaped pipes kept inside their cell. */
function cells(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim().replaceAll('\\|', '|'));
}

function table(lines: readonly string[]): string {
  const [header = '', , ...rows] = lines;
  const head = `<thead><tr>${cells(header).map((cell) => `<th>${inline(cell)}</th>`).join('')}</tr></thead>`;
  const body = rows.map((row) => `<tr>${cells(row).map((cell) => `<td>${inline(cell)}</td>`).join('')}</tr>`).join('');
  return `<table>${head}<tbody>${body}</tbody></table>`;
}

export function markdownToHtml(markdown: string): string {
  const lines = markdown.split('\n');
  const out: string[] = [];
  let index = 0;
  const takeWhile = (test: (line: string) => boolean): string[] => {
    const taken: string[] = [];
    while (index < lines.length && test(lines[index] as string)) taken.push(lines[index++] as string);
    return taken;
  };
  while (index < lines.length) {
    const line = lines[index] as string;
    const heading = /^(#{1,6}) (.*)$/.exec(line);
    if (line.trim() === '') {
      index += 1;
    } else if (line.startsWith('```')) {
      index += 1;
      const code = takeWhile((each) => !each.startsWith('```'));
      index += 1;
      out.push(`<pre><code>${escapeXml(code.join('\n'))}</code></pre>`);
    } else if (heading !== null) {
      const level = (heading[1] as string).length;
      out.push(`<h${level}>${inline(heading[2] as string)}</h${level}>`);
      index += 1;
    } else if (line.trimStart().startsWith('|')) {
      out.push(table(takeWhile((each) => each.trimStart().startsWith('|'))));
    } else if (/^\s*[-*] /.test(line)) {
      const items = takeWhile((each) => /^\s*[-*] /.test(each)).map((each) => `<li>${inline(each.replace(/^\s*[-*] /, ''))}</li>`);
      out.push(`<ul>${items.join('')}</ul>`);
    } else {
      const paragraph = takeWhile((each) => each.trim() !== '' && !/^(#{1,6} |```|\s*\||\s*[-*] )/.test(each));
      out.push(`<p>${inline(paragraph.join(' '))}</p>`);
    }
  }
  return out.join('\n');
}
