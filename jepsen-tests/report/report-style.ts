/** The page's only stylesheet, inlined so the report opens from disk or an archived CI artifact with no network. */
export const REPORT_CSS = `
body { font-family: system-ui, sans-serif; margin: 24px; color: #212121; max-width: 1000px; }
h1 { font-size: 22px; margin: 0 0 4px; word-break: break-all; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #e0e0e0; padding-bottom: 4px; }
.meta { color: #616161; margin: 0 0 12px; }
.config { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
.config dt { color: #616161; }
.config dd { margin: 0; }
.verdict { font-size: 34px; font-weight: 700; padding: 10px 18px; border-radius: 6px; display: inline-block; margin: 16px 0 8px; letter-spacing: 0.04em; }
.verdict-valid { background: #e8f5e9; color: #1b5e20; border: 2px solid #2e7d32; }
.verdict-invalid { background: #ffebee; color: #b71c1c; border: 2px solid #c62828; }
.violations li { color: #b71c1c; }
.violations code { font-weight: 600; }
table { border-collapse: collapse; }
th, td { text-align: left; padding: 3px 12px 3px 0; border-bottom: 1px solid #eeeeee; vertical-align: top; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
tr.violation td { background: #ffcdd2; color: #b71c1c; font-weight: 700; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 4px 0 8px; font-size: 13px; }
.swatch { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -1px; border-radius: 2px; }
.swatch.line { height: 3px; vertical-align: 3px; }
svg.timeline { max-width: 100%; height: auto; }
.none { color: #757575; font-style: italic; }
`;
