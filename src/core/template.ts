/**
 * Placeholders in id patterns and topics: "meter-{index:06}", "devices/{fleet}/{deviceId}/telemetry".
 * `{name}` inserts a variable; `{name:0N}` zero-pads a number to N digits.
 */
export type TemplateVars = Record<string, string | number>;

interface Part {
  literal?: string;
  name?: string;
  pad?: number;
}

const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9]*)(?::0(\d+))?\}/g;

export class TemplateError extends Error {}

/** Compile once, render per device. Throws TemplateError naming the unknown variable and the allowed ones. */
export function compileTemplate(text: string, allowed: readonly string[]): (vars: TemplateVars) => string {
  const parts: Part[] = [];
  let last = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    const name = m[1] as string;
    if (!allowed.includes(name)) {
      throw new TemplateError(`unknown placeholder {${name}}; use one of ${allowed.map((a) => `{${a}}`).join(', ')}`);
    }
    if (m.index > last) parts.push({ literal: text.slice(last, m.index) });
    parts.push(m[2] === undefined ? { name } : { name, pad: Number(m[2]) });
    last = m.index + m[0].length;
  }
  if (last < text.length) parts.push({ literal: text.slice(last) });
  const stray = parts.find((p) => p.literal !== undefined && /[{}]/.test(p.literal));
  if (stray !== undefined) throw new TemplateError(`unbalanced or malformed placeholder in "${text}"; write {name} or {name:06}`);
  return (vars) => {
    let out = '';
    for (const p of parts) {
      if (p.literal !== undefined) out += p.literal;
      else {
        const v = String(vars[p.name as string]);
        out += p.pad === undefined ? v : v.padStart(p.pad, '0');
      }
    }
    return out;
  };
}

/** Names of the placeholders used in a template. */
export function placeholders(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1] as string);
}
