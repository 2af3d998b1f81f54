/** Text decorations for the screen; the plain style leaves text alone (pipes, logs, tests). */
export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
  magenta(text: string): string;
}

function graphicRendition(code: string): (text: string) => string {
  return (text) => `\u001b[${code}m${text}\u001b[0m`;
}

export const ansiStyle: Style = {
  bold: graphicRendition('1'),
  dim: graphicRendition('2'),
  red: graphicRendition('1;31'),
  green: graphicRendition('32'),
  yellow: graphicRendition('33'),
  cyan: graphicRendition('36'),
  magenta: graphicRendition('35'),
};

const identity = (text: string): string => text;

export const plainStyle: Style = {
  bold: identity,
  dim: identity,
  red: identity,
  green: identity,
  yellow: identity,
  cyan: identity,
  magenta: identity,
};

const escapeSequence = /\u001b\[[0-9;]*[A-Za-z]/gu;

/** The columns a line takes on screen: its characters without the escape sequences. */
export function visibleWidth(line: string): number {
  return [...line.replace(escapeSequence, '')].length;
}

/**
 * Cuts a line to `width` visible columns, keeping escape sequences whole and
 * resetting the style at the cut, so a long line never wraps: a wrapped line
 * would break the in-place redraw, which counts lines.
 */
export function truncateVisible(line: string, width: number): string {
  if (visibleWidth(line) <= width) return line;
  let result = '';
  let columns = 0;
  let position = 0;
  while (position < line.length && columns < width) {
    const match = line.startsWith('\u001b[', position) ? /^\u001b\[[0-9;]*[A-Za-z]/u.exec(line.slice(position)) : null;
    if (match !== null) {
      result += match[0];
      position += match[0].length;
      continue;
    }
    const character = String.fromCodePoint(line.codePointAt(position) as number);
    result += character;
    position += character.length;
    columns++;
  }
  return `${result}\u001b[0m`;
}
