/**
 * Series styles: the Okabe–Ito colours, which stay apart under the common
 * colour-vision deficiencies, each with its own marker and dash, so a series
 * is told apart in grey print too. Yellow is left out: too faint on white.
 */

export type MarkerShape = 'circle' | 'square' | 'triangle' | 'diamond';

export interface SeriesStyle {
  readonly colour: string;
  readonly marker: MarkerShape;
  /** stroke-dasharray of the series' line; undefined: solid. */
  readonly dash: string | undefined;
}

export const PALETTE_COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'] as const;
const MARKERS: readonly MarkerShape[] = ['circle', 'square', 'triangle', 'diamond'];
const DASHES: readonly (string | undefined)[] = [undefined, '6 3', '2 3', '8 3 2 3'];

export function seriesStyle(index: number): SeriesStyle {
  return {
    colour: PALETTE_COLOURS[index % PALETTE_COLOURS.length] as string,
    marker: MARKERS[index % MARKERS.length] as MarkerShape,
    dash: DASHES[index % DASHES.length],
  };
}

/** One style per name, in the order given, so a system keeps its colour in every chart of a report. */
export function paletteFor(names: readonly string[]): (name: string) => SeriesStyle {
  const unique = [...new Set(names)];
  return (name) => {
    const index = unique.indexOf(name);
    return seriesStyle(index === -1 ? unique.length : index);
  };
}
