// Test helper: parse an SVG with fast-xml-parser (an independent XML parser)
// into a flat list of elements, so tests can count cells and read attributes.
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export interface Element {
  tag: string;
  attrs: Record<string, string>;
  children: Element[];
  /** Text directly inside this element (entities decoded). */
  ownText: string;
}

/** Parse and validate; throws with the parser's message when the XML is not well-formed. */
export function parseSvg(xml: string): Element {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`invalid XML: ${JSON.stringify(valid.err)}`);
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseAttributeValue: false,
    parseTagValue: false,
    trimValues: false,
  });
  const tree = parser.parse(xml) as Node[];
  const roots = tree.map(toElement).filter((e): e is Element => e !== null);
  if (roots.length !== 1 || roots[0].tag !== 'svg') throw new Error('expected exactly one <svg> root');
  return roots[0];
}

type Node = Record<string, unknown>;

function toElement(node: Node): Element | null {
  const tag = Object.keys(node).find((k) => k !== ':@');
  if (tag === undefined || tag === '#text') return null;
  const rawChildren = node[tag] as Node[];
  const children = rawChildren.map(toElement).filter((e): e is Element => e !== null);
  const ownText = rawChildren
    .filter((c) => '#text' in c)
    .map((c) => String(c['#text']))
    .join('');
  return { tag, attrs: (node[':@'] as Record<string, string>) ?? {}, children, ownText };
}

/** Every element below (and including) `root`, depth first, in document order. */
export function all(root: Element): Element[] {
  return [root, ...root.children.flatMap(all)];
}

/** Elements whose class list contains `cls`. */
export function byClass(root: Element, cls: string): Element[] {
  return all(root).filter((e) => (e.attrs.class ?? '').split(/\s+/).includes(cls));
}

/** The text of an element's `<title>` child, or undefined. */
export function titleOf(e: Element): string | undefined {
  return e.children.find((c) => c.tag === 'title')?.ownText;
}
