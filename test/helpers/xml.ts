/**
 * Test helper: a small XML well-formedness check for the SVG figures (no dependency): one root
 * element, properly nested and closed tags, quoted attributes without '<', no stray '<' or bare '&' in
 * text. Enough to catch a truncated or spliced file; it does not validate against the SVG schema.
 */

export interface XmlSummary {
  readonly root: string;
  /** Number of elements of each name. */
  readonly elements: ReadonlyMap<string, number>;
}

const NAME = "[A-Za-z_:][-A-Za-z0-9_.:]*";
const ATTRIBUTE = new RegExp(`^\\s+(${NAME})\\s*=\\s*("[^"<]*"|'[^'<]*')`);
const ENTITY = /&(?:[A-Za-z]+|#\d+|#x[0-9A-Fa-f]+);/g;

export function parseXml(text: string): XmlSummary {
  const stack: string[] = [];
  const elements = new Map<string, number>();
  let root: string | undefined;
  let i = 0;
  const fail = (message: string): never => {
    const line = text.slice(0, i).split("\n").length;
    throw new Error(`XML not well formed at line ${line}, offset ${i}: ${message}`);
  };
  const checkText = (chunk: string): void => {
    if (chunk.replace(ENTITY, "").includes("&")) fail(`a bare '&' in ${JSON.stringify(chunk.slice(0, 40))}`);
    if (stack.length === 0 && chunk.trim() !== "") fail(`text outside the root element: ${JSON.stringify(chunk.slice(0, 40))}`);
  };
  while (i < text.length) {
    const lt = text.indexOf("<", i);
    if (lt < 0) {
      checkText(text.slice(i));
      break;
    }
    checkText(text.slice(i, lt));
    i = lt;
    if (text.startsWith("<!--", i)) {
      const end = text.indexOf("-->", i);
      if (end < 0) fail("unclosed comment");
      i = end + 3;
    } else if (text.startsWith("<![CDATA[", i)) {
      const end = text.indexOf("]]>", i);
      if (end < 0) fail("unclosed CDATA");
      i = end + 3;
    } else if (text.startsWith("<?", i) || text.startsWith("<!", i)) {
      const end = text.indexOf(">", i);
      if (end < 0) fail("unclosed declaration");
      i = end + 1;
    } else if (text.startsWith("</", i)) {
      const match = new RegExp(`^</(${NAME})\\s*>`).exec(text.slice(i));
      if (!match) fail("malformed closing tag");
      const open = stack.pop();
      if (open !== match![1]) fail(`</${match![1]}> closes <${open ?? "nothing"}>`);
      i += match![0].length;
    } else {
      const nameMatch = new RegExp(`^<(${NAME})`).exec(text.slice(i));
      if (!nameMatch) fail("malformed tag");
      const name = nameMatch![1];
      if (stack.length === 0) {
        if (root !== undefined) fail(`a second root element <${name}>`);
        root = name;
      }
      elements.set(name, (elements.get(name) ?? 0) + 1);
      i += nameMatch![0].length;
      const seen = new Set<string>();
      for (;;) {
        const attribute = ATTRIBUTE.exec(text.slice(i, i + 100_000));
        if (!attribute) break;
        if (seen.has(attribute[1])) fail(`attribute ${attribute[1]} twice on <${name}>`);
        seen.add(attribute[1]);
        if (attribute[2].replace(ENTITY, "").includes("&")) fail(`a bare '&' in attribute ${attribute[1]}`);
        i += attribute[0].length;
      }
      const close = /^\s*(\/?)>/.exec(text.slice(i, i + 100));
      if (!close) fail(`malformed attributes on <${name}>`);
      if (close![1] !== "/") stack.push(name);
      i += close![0].length;
    }
  }
  if (stack.length > 0) fail(`unclosed <${stack.at(-1)}>`);
  if (root === undefined) fail("no root element");
  return { root: root!, elements };
}

/** The aria-label attributes (Vega writes one per data mark, naming its fields and values), unescaped. */
export function ariaLabels(svg: string): string[] {
  return [...svg.matchAll(/aria-label="([^"]*)"/g)].map((m) =>
    m[1].replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&"),
  );
}
