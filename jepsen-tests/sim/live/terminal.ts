import { truncateVisible } from './style.js';

const hideCursor = '\u001b[?25l';
const showCursor = '\u001b[?25h';
const clearToLineEnd = '\u001b[K';
const clearBelow = '\u001b[J';
const clearScreenAndHome = '\u001b[2J\u001b[H';
/** Assumed when the terminal does not say its size. */
const defaultColumns = 80;
const defaultRows = 24;

/**
 * Redraws a block of lines in place: back up to the block's first line, then
 * overwrite each line and clear what the last frame left beyond it. Lines
 * are cut to the terminal's width, as a wrapped line would throw off the
 * count of lines to back up over.
 */
export class InPlaceScreen {
  private linesDrawn = 0;
  private closed = false;
  private readonly onResize = (): void => {
    // After a resize the old frame may have re-wrapped: start over from a clean screen.
    this.output.write(clearScreenAndHome);
    this.linesDrawn = 0;
  };

  constructor(private readonly output: NodeJS.WriteStream) {
    output.write(hideCursor);
    output.on('resize', this.onResize);
  }

  /** Lines a frame may take: one fewer than the terminal's, as the cursor rests on the line below the frame. */
  get rows(): number {
    return (this.output.rows ?? defaultRows) - 1;
  }

  draw(lines: readonly string[]): void {
    const width = Math.max(1, (this.output.columns ?? defaultColumns) - 1);
    const shown = lines.slice(0, this.rows);
    let text = this.linesDrawn > 0 ? `\u001b[${this.linesDrawn}F` : '';
    for (const line of shown) text += `${truncateVisible(line, width)}${clearToLineEnd}\n`;
    this.output.write(`${text}${clearBelow}`);
    this.linesDrawn = shown.length;
  }

  /** Leaves the last frame on screen and gives the cursor back. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.output.off('resize', this.onResize);
    this.output.write(showCursor);
  }
}

/**
 * Reads single key presses from a terminal in raw mode (Ctrl-C arrives as a
 * key, not a signal). Returns the function that restores the terminal.
 */
export function listenForKeys(input: NodeJS.ReadStream, onKey: (key: string) => void): () => void {
  const listener = (chunk: string): void => {
    for (const key of chunk) onKey(key);
  };
  input.setRawMode(true);
  input.setEncoding('utf8');
  input.on('data', listener);
  input.resume();
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    input.off('data', listener);
    input.setRawMode(false);
    input.pause();
  };
}
