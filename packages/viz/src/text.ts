// Text helpers shared by every renderer: XML escaping and "visible" labels.
//
// Token labels come straight from a tokenizer, so they can hold anything:
// markup (`<script>`), ampersands, leading spaces (" the"), newlines, tabs and
// even control characters that XML 1.0 forbids outright. Every label goes
// through `visibleLabel` (so whitespace shows up on screen) and then through
// `escapeXml` (so it renders as text and the SVG stays well-formed).

/** Escape the five XML special characters so `text` renders literally. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => XML_ENTITIES[ch]);
}

const XML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/**
 * Make whitespace and control characters visible, one symbol per character:
 * space → "␣", newline → "↵", tab → "⇥", carriage return → "␍", other C0
 * controls → their Unicode "control picture" (␀, ␁, …), DEL → "␡", lone
 * surrogates and the non-characters U+FFFE/U+FFFF → "�". An empty label
 * becomes "∅" so the row or column still has a visible name.
 */
export function visibleLabel(label: string): string {
  if (label.length === 0) return '∅';
  let out = '';
  for (let i = 0; i < label.length; i++) {
    const code = label.charCodeAt(i);
    if (code === 0x20) out += '␣';
    else if (code === 0x0a) out += '↵';
    else if (code === 0x09) out += '⇥';
    else if (code === 0x0d) out += '␍';
    else if (code < 0x20) out += String.fromCharCode(0x2400 + code);
    else if (code === 0x7f) out += '␡';
    else if (code >= 0xd800 && code <= 0xdbff) {
      // A high surrogate is only valid followed by a low one.
      const next = label.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += label[i] + label[i + 1];
        i++;
      } else out += '�';
    } else if (code >= 0xdc00 && code <= 0xdfff) out += '�';
    else if (code === 0xfffe || code === 0xffff) out += '�';
    else out += label[i];
  }
  return out;
}

/** `visibleLabel` then `escapeXml`: what goes inside an SVG `<text>` or `<title>`. */
export function labelXml(label: string): string {
  return escapeXml(visibleLabel(label));
}

/** Number of terminal/monospace columns a visible label takes (code points, not UTF-16 units). */
export function displayWidth(text: string): number {
  return Array.from(text).length;
}

/** Shorten a visible label to at most `max` code points, ending in "…" when cut. */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return chars.slice(0, Math.max(0, max - 1)).join('') + '…';
}

/** Format a weight for a tooltip or a cell: three decimals, no "-0.000". */
export function formatValue(value: number, digits = 3): string {
  const s = value.toFixed(digits);
  return Number(s) === 0 ? (0).toFixed(digits) : s;
}
