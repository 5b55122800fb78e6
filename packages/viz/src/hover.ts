// Hover without scripts. A figure that should show only some marks while the pointer is on
// a token carries a <style> whose rules use :has(): "when this SVG has a hovered (or
// keyboard-focused) token i, hide every link, then show the links of token i". The rules
// are scoped by the SVG root's class and :has() matches the SVG that contains the hovered
// element, so many figures can share one HTML page (htmlReport has no scripts) without ids.
// Browsers without :has() (before 2023) simply show every link.

/** The <style> element: CSS text, escaped for XML by wrapping it in CDATA. */
export function styleElement(css: string): string {
  return `<style><![CDATA[${css}]]></style>`;
}

/** `:is(:hover, :focus)` of elements matching `selector`. */
export function active(selector: string): string {
  return `${selector}:is(:hover, :focus)`;
}
