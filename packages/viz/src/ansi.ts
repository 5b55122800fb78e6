// Terminal text → HTML, keeping the 24-bit colours this package emits, so a
// terminal heatmap pasted into an HTML report still shows its heat.
import { escapeXml } from './text.js';

const ESC = String.fromCharCode(27);
const SGR = new RegExp(`${ESC}\\[([0-9;]*)m`, 'g');

/**
 * Convert text with ANSI SGR codes into escaped HTML. Understands reset (0),
 * 24-bit foreground (38;2;r;g;b) and background (48;2;r;g;b) and their resets
 * (39, 49); every other code is dropped, and so is any other escape character.
 */
export function ansiToHtml(text: string): string {
  let html = '';
  let fg: string | undefined;
  let bg: string | undefined;
  let last = 0;
  const emit = (chunk: string) => {
    if (chunk.length === 0) return;
    const escaped = escapeXml(chunk.split(ESC).join(''));
    const style = [fg && `color:${fg}`, bg && `background:${bg}`].filter(Boolean).join(';');
    html += style ? `<span style="${style}">${escaped}</span>` : escaped;
  };
  for (const match of text.matchAll(SGR)) {
    emit(text.slice(last, match.index));
    last = match.index + match[0].length;
    const codes = match[1] === '' ? [0] : match[1].split(';').map(Number);
    for (let i = 0; i < codes.length; i++) {
      const code = codes[i];
      if (code === 0) fg = bg = undefined;
      else if (code === 39) fg = undefined;
      else if (code === 49) bg = undefined;
      else if ((code === 38 || code === 48) && codes[i + 1] === 2 && i + 4 < codes.length) {
        const [r, g, b] = codes.slice(i + 2, i + 5).map((c) => Math.max(0, Math.min(255, c | 0)));
        if (code === 38) fg = `rgb(${r},${g},${b})`;
        else bg = `rgb(${r},${g},${b})`;
        i += 4;
      }
    }
  }
  emit(text.slice(last));
  return html;
}
