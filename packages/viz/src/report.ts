// One self-contained HTML page holding several figures and text blocks: no
// scripts, no external stylesheets or fonts, so it opens offline from disk.
import { ansiToHtml } from './ansi.js';
import { escapeXml } from './text.js';
import { describe, fail } from './validate.js';

export interface ReportSection {
  /** Section heading. */
  heading: string;
  /** An SVG string from this package, inlined as is (it is trusted markup). */
  svg?: string;
  /** Plain or terminal text, shown preformatted and escaped; 24-bit ANSI colours become inline styles. */
  text?: string;
  /** A short paragraph under the heading, escaped. */
  note?: string;
}

export interface ReportOptions {
  /** Page title and top heading. */
  title: string;
  /** Sections in order. */
  sections: ReportSection[];
}

const FN = 'htmlReport';

export function htmlReport(options: ReportOptions): string {
  if (typeof options?.title !== 'string') fail(FN, `title must be a string, got ${describe(options?.title)}`);
  if (!Array.isArray(options.sections)) fail(FN, `sections must be an array, got ${describe(options.sections)}`);
  const body = options.sections.map((section, i) => {
    if (section === null || typeof section !== 'object' || typeof section.heading !== 'string') {
      fail(FN, `sections[${i}] must be an object with a string "heading", got ${describe(section)}`);
    }
    if (section.svg !== undefined && !/^\s*<svg[\s>]/.test(section.svg)) {
      fail(FN, `sections[${i}].svg must be an SVG string starting with "<svg", got ${describe(section.svg)}`);
    }
    const parts = [`<h2>${escapeXml(section.heading)}</h2>`];
    if (section.note !== undefined) parts.push(`<p>${escapeXml(section.note)}</p>`);
    if (section.svg !== undefined) parts.push(`<figure>${section.svg}</figure>`);
    if (section.text !== undefined) parts.push(`<pre>${ansiToHtml(section.text)}</pre>`);
    return `<section>\n${parts.join('\n')}\n</section>`;
  });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(options.title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #111; }
h1 { font-size: 1.5rem; }
h2 { font-size: 1.1rem; margin-top: 2rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; }
figure { margin: 0.5rem 0; overflow-x: auto; }
figure svg { max-width: 100%; height: auto; } /* narrow screens: the whole figure, scaled down */
pre { background: #f6f6f6; font-family: ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace; padding: 0.75rem; overflow-x: auto; line-height: 1.2; }
</style>
</head>
<body>
<h1>${escapeXml(options.title)}</h1>
${body.join('\n')}
</body>
</html>
`;
}
