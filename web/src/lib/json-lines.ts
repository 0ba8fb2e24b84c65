/**
 * Where each field of a JSON document starts, by the api's field path (`fit.epochs`,
 * `model.layers[0].units`), so an error the api names by path can be shown at its line.
 * Reads the text itself (not a reformatted copy), so it works on whatever the user typed.
 */
export function fieldLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  let i = 0;
  let line = 1;
  const skip = () => {
    while (i < text.length && /\s/.test(text[i]!)) if (text[i++] === '\n') line++;
  };
  const string = () => {
    let out = '';
    i++; // opening quote
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') out += text[i++];
      out += text[i++];
    }
    i++;
    return JSON.parse(`"${out}"`) as string;
  };
  // After a member: a comma, or the container's close (left for the loop to take). Anything else,
  // the end of the text included, is not JSON: stop there. Without this check an unclosed `[` or a
  // `]` typed as `}` left every loop below spinning in place, and the editor froze its tab.
  const next = (close: string) => {
    skip();
    if (text[i] === ',') i++;
    else if (text[i] !== close) throw new Error(`expected , or ${close}`);
  };
  const value = (path: string) => {
    skip();
    const c = text[i];
    if (c === '{') {
      i++;
      for (;;) {
        skip();
        if (text[i] === '}') return void i++;
        if (text[i] !== '"') throw new Error('expected a key');
        const keyLine = line;
        const key = string();
        const child = path ? `${path}.${key}` : key;
        lines.set(child, keyLine);
        skip();
        if (text[i++] !== ':') throw new Error('expected :');
        value(child);
        next('}');
      }
    } else if (c === '[') {
      i++;
      for (let index = 0; ; index++) {
        skip();
        if (text[i] === ']') return void i++;
        const child = `${path}[${index}]`;
        lines.set(child, line);
        value(child);
        next(']');
      }
    } else if (c === '"') {
      string();
    } else {
      const start = i;
      while (i < text.length && !/[\s,\]}]/.test(text[i]!)) i++;
      if (i === start) throw new Error('expected a value');
    }
  };
  try {
    value('');
  } catch {
    // Not valid JSON: the fields read so far still have their lines.
  }
  return lines;
}

/** The line of a field path, or of its nearest named ancestor (a missing field: its parent object). */
export function lineOfPath(lines: Map<string, number>, path: string): number | undefined {
  let p = path.replace(/^body\.?/, '');
  while (p) {
    const found = lines.get(p);
    if (found !== undefined) return found;
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
    if (cut <= 0) break;
    p = p.slice(0, cut);
  }
  return undefined;
}
