// Several figures in one standalone SVG file, one under the other: each figure becomes a
// nested <svg> placed at its offset (nested svg elements are plain SVG 1.1), so a command
// that draws one figure per layer still writes one valid .svg file. Each keeps its own class
// and <style>, so hover rules still apply to each figure alone.
import { escapeXml } from './text.js';
import { fail } from './validate.js';

function size(svg: string, i: number): { width: number; height: number } {
  const open = /^\s*<svg\b[^>]*>/.exec(svg)?.[0];
  if (!open) fail('stackSvgs', `svgs[${i}] must be an SVG string starting with "<svg"`);
  const width = Number(/\swidth="([\d.]+)"/.exec(open)?.[1]);
  const height = Number(/\sheight="([\d.]+)"/.exec(open)?.[1]);
  if (!(width > 0 && height > 0)) fail('stackSvgs', `svgs[${i}] needs numeric width and height attributes on its root`);
  return { width, height };
}

/** One SVG holding `svgs` stacked vertically, `gap` pixels apart (default 16). */
export function stackSvgs(svgs: string[], options: { gap?: number; title?: string } = {}): string {
  if (!Array.isArray(svgs) || svgs.length === 0) fail('stackSvgs', 'svgs must be a non-empty array of SVG strings');
  if (svgs.length === 1) return svgs[0];
  const gap = options.gap ?? 16;
  const sizes = svgs.map(size);
  const width = Math.max(...sizes.map((s) => s.width));
  let y = 0;
  const placed = svgs.map((svg, i) => {
    // Position the figure by adding x/y to its root element.
    const out = svg.replace(/^\s*<svg\b/, `<svg x="0" y="${y}"`);
    y += sizes[i].height + gap;
    return out;
  });
  const height = y - gap;
  const title = options.title ? `<title>${escapeXml(options.title)}</title>` : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" class="attn-stack">${title}${placed.join('')}</svg>`;
}
