const replacements: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes text for HTML and SVG element content and quoted attribute values.
 * Run names, nemesis targets and checker messages come from the run and may
 * hold markup, so every string reaching the page goes through this.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => replacements[character] ?? character);
}

/** A number as page text; a non-finite one (a corrupt results.json) shows as a dash instead of "NaN". */
export function formatNumber(value: number, fractionDigits = 0): string {
  return Number.isFinite(value) ? value.toFixed(fractionDigits) : '–';
}
