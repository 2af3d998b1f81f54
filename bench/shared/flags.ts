/** No measured phase of a bench runs longer than this. */
export const benchSecondsMax = 600;

/** A `--flag` of seconds in [min, benchSecondsMax]; anything else is an error naming the flag. */
export function secondsFlag(flag: string, text: string, min: number): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > benchSecondsMax) throw new Error(`--${flag} must be a number of seconds in [${min}, ${benchSecondsMax}], got '${text}'`);
  return value;
}

/** A `--flag` that is a whole number in [min, max]; anything else is an error naming the flag. */
export function wholeNumberFlag(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`--${flag} must be a whole number in [${min}, ${max}], got '${text}'`);
  return value;
}
