/** Errors of the combined report: what was wrong, and in which file or chart. */

/** A figure a chart cannot place (NaN, infinite): raised rather than written into the SVG as "NaN". */
export class ChartDataError extends Error {
  override readonly name = 'ChartDataError';
}

/** A results directory that cannot be read or holds nothing to report. */
export class ReportInputError extends Error {
  override readonly name = 'ReportInputError';
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}
