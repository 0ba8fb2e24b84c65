/** Values a numpy .npy header dict can contain. */
export type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

/**
 * Parses the Python literal subset numpy writes in .npy headers
 * (dicts, tuples, lists, strings, ints, True/False/None). Never evaluates code.
 * Throws a plain Error with the character position on anything else.
 */
export function parsePythonLiteral(text: string): PyValue {
  let pos = 0;

  const fail = (what: string): never => {
    throw new Error(`${what} at character ${pos + 1} of ${JSON.stringify(text.trim())}`);
  };
  const skipSpace = (): void => {
    while (pos < text.length && /\s/.test(text[pos]!)) pos++;
  };
  const expect = (char: string): void => {
    skipSpace();
    if (text[pos] !== char) fail(`expected "${char}"`);
    pos++;
  };

  // Parses items until `close`, allowing the trailing comma Python permits.
  const parseSequence = <T>(close: string, parseItem: () => T): T[] => {
    const items: T[] = [];
    for (;;) {
      skipSpace();
      if (text[pos] === close) {
        pos++;
        return items;
      }
      items.push(parseItem());
      skipSpace();
      if (text[pos] === ',') pos++;
      else if (text[pos] !== close) fail(`expected "," or "${close}"`);
    }
  };

  const parseString = (): string => {
    const quote = text[pos]!;
    pos++;
    let out = '';
    while (pos < text.length && text[pos] !== quote) {
      if (text[pos] === '\\') pos++;
      out += text[pos] ?? '';
      pos++;
    }
    if (pos >= text.length) fail('unterminated string');
    pos++;
    return out;
  };

  const parseValue = (): PyValue => {
    skipSpace();
    const char = text[pos];
    if (char === '{') {
      pos++;
      const entries = parseSequence('}', () => {
        skipSpace();
        if (text[pos] !== "'" && text[pos] !== '"') fail('expected a string key');
        const key = parseString();
        expect(':');
        return [key, parseValue()] as const;
      });
      return Object.fromEntries(entries);
    }
    if (char === '(' || char === '[') {
      pos++;
      return parseSequence(char === '(' ? ')' : ']', parseValue);
    }
    if (char === "'" || char === '"') return parseString();
    const word = /^(True|False|None|-?\d+L?)/.exec(text.slice(pos));
    if (!word) return fail('unexpected token');
    pos += word[0].length;
    if (word[0] === 'True') return true;
    if (word[0] === 'False') return false;
    if (word[0] === 'None') return null;
    return Number.parseInt(word[0], 10);
  };

  const value = parseValue();
  skipSpace();
  if (pos < text.length) fail('unexpected text after the value');
  return value;
}
