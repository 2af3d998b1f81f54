/**
 * The smallest SVG writer the report needs: escaped text, elements with
 * attributes, and numbers that are never written as NaN. Pure functions
 * returning strings, so the report has no dependency and no DOM.
 */
import { ChartDataError } from './errors.js';

/** Coordinates to a hundredth of a pixel: finer than any screen, and short. */
const COORDINATE_DECIMALS = 2;

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text and attribute values, escaped for XML and HTML alike. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => XML_ESCAPES[character] as string);
}

/** A coordinate or size; throws rather than let "NaN" or "Infinity" into a chart. */
export function svgNumber(value: number): string {
  if (!Number.isFinite(value)) throw new ChartDataError(`a chart coordinate is not a finite number: ${value}`);
  const rounded = Number(value.toFixed(COORDINATE_DECIMALS));
  return String(Object.is(rounded, -0) ? 0 : rounded);
}

export type AttributeValue = string | number | undefined;

function attributeText(attributes: Readonly<Record<string, AttributeValue>>): string {
  return Object.entries(attributes)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([name, value]) => ` ${name}="${typeof value === 'number' ? svgNumber(value) : escapeXml(value)}"`)
    .join('');
}

/** `<name attributes>children</name>`, or self-closed without children. Children are markup, already escaped. */
export function element(name: string, attributes: Readonly<Record<string, AttributeValue>> = {}, children?: string): string {
  const open = `<${name}${attributeText(attributes)}`;
  return children === undefined || children === '' ? `${open}/>` : `${open}>${children}</${name}>`;
}

/** A text element whose content is escaped here. */
export function text(content: string, attributes: Readonly<Record<string, AttributeValue>>): string {
  return element('text', attributes, escapeXml(content));
}

/** A tooltip (and what a screen reader says) for the element it is put in. */
export function tooltip(content: string): string {
  return element('title', {}, escapeXml(content));
}

/** Points of a polyline: "x,y x,y". */
export function points(coordinates: readonly (readonly [number, number])[]): string {
  return coordinates.map(([x, y]) => `${svgNumber(x)},${svgNumber(y)}`).join(' ');
}
