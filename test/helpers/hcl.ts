// A parser for the subset of HCL2 that Nomad job files use (attributes, labelled blocks,
// strings with escapes, numbers, booleans, lists), so tests can check `sysg export nomad`
// output structurally. Blocks become arrays under their type: { group: [{ __labels: ["db"], … }] }.
export type HclBody = { [key: string]: unknown; __labels?: string[] };

export function parseHcl(text: string): HclBody {
  const tokens: { t: string; v: string | number | boolean }[] = [];
  const re = /\s+|#[^\n]*|\/\/[^\n]*|"((?:[^"\\]|\\.)*)"|(-?\d+(?:\.\d+)?)|(true|false)\b|([A-Za-z_][A-Za-z0-9_-]*)|([={}[\],])/y;
  while (re.lastIndex < text.length) {
    const at = re.lastIndex;
    const m = re.exec(text);
    if (!m) throw new Error(`HCL: unexpected ${JSON.stringify(text.slice(at, at + 20))} at ${at}`);
    if (m[1] !== undefined) tokens.push({ t: "str", v: JSON.parse(`"${m[1]}"`) });
    else if (m[2] !== undefined) tokens.push({ t: "num", v: Number(m[2]) });
    else if (m[3] !== undefined) tokens.push({ t: "bool", v: m[3] === "true" });
    else if (m[4] !== undefined) tokens.push({ t: "id", v: m[4] });
    else if (m[5] !== undefined) tokens.push({ t: m[5], v: m[5] });
  }
  let i = 0;
  const expect = (t: string) => {
    if (tokens[i]?.t !== t) throw new Error(`HCL: expected ${t}, got ${JSON.stringify(tokens[i])}`);
    return tokens[i++]!;
  };
  const value = (): unknown => {
    const tok = tokens[i]!;
    if (tok.t === "[") {
      i++;
      const list: unknown[] = [];
      while (tokens[i]?.t !== "]") {
        list.push(value());
        if (tokens[i]?.t === ",") i++;
      }
      i++;
      return list;
    }
    if (tok.t === "str" || tok.t === "num" || tok.t === "bool") {
      i++;
      return tok.v;
    }
    throw new Error(`HCL: unexpected value ${JSON.stringify(tok)}`);
  };
  const body = (top: boolean): HclBody => {
    const out: HclBody = {};
    while (i < tokens.length && tokens[i]!.t !== "}") {
      const key = tokens[i]!;
      if (key.t !== "id" && key.t !== "str") throw new Error(`HCL: expected a name, got ${JSON.stringify(key)}`);
      i++;
      if (tokens[i]?.t === "=") {
        i++;
        if (String(key.v) in out) throw new Error(`HCL: duplicate attribute ${key.v}`);
        out[String(key.v)] = value();
        continue;
      }
      const labels: string[] = [];
      while (tokens[i]?.t === "str") labels.push(String(tokens[i++]!.v));
      expect("{");
      const inner = body(false);
      expect("}");
      if (labels.length) inner.__labels = labels;
      ((out[String(key.v)] ??= []) as HclBody[]).push(inner);
    }
    if (top && i < tokens.length) throw new Error("HCL: unbalanced }");
    return out;
  };
  return body(true);
}
