// A small evaluator for the part of Falco's condition language our k8s_audit rules use: and/or/not,
// parentheses, macros, lists, and the operators = != startswith endswith contains in intersects exists.
// It checks rule logic against audit events given as field values (what the k8saudit extractor would
// return); it is not Falco. Unknown tokens, fields, macros and lists throw, so a typo fails the test.

export type FieldValue = string | string[];
export type AuditFields = Record<string, FieldValue | undefined>;

export interface RuleEntries {
    macros: Record<string, string>;
    lists: Record<string, unknown[]>;
    /** Fields the evaluator accepts (the extractor's field list). */
    fields: ReadonlySet<string>;
}

type Node = (event: AuditFields) => boolean;

const TOKEN = /\s*(?:("(?:[^"\\]|\\.)*"|'[^']*')|(!=|=|\(|\)|,)|([^\s(),=!"']+))/y;

interface Token {
    text: string;
    quoted: boolean;
}

function tokenize(condition: string): Token[] {
    const tokens: Token[] = [];
    TOKEN.lastIndex = 0;
    while (TOKEN.lastIndex < condition.length) {
        if (/^\s*$/.test(condition.slice(TOKEN.lastIndex))) break;
        const at = TOKEN.lastIndex;
        const m = TOKEN.exec(condition);
        if (!m) throw new Error(`cannot tokenize at ${at}: ${condition.slice(at, at + 30)}`);
        if (m[1] !== undefined) tokens.push({ text: m[1].slice(1, -1), quoted: true });
        else tokens.push({ text: m[2] ?? m[3], quoted: false });
    }
    return tokens;
}

const unquote = (item: unknown): string =>
    String(item)
        .replace(/^"(.*)"$/, "$1")
        .replace(/^'(.*)'$/, "$1");

export class ConditionEvaluator {
    private readonly compiled = new Map<string, Node>();

    constructor(private readonly entries: RuleEntries) {}

    /** Compiles a condition (throws on anything outside the supported grammar). */
    compile(condition: string): Node {
        const cached = this.compiled.get(condition);
        if (cached) return cached;
        const tokens = tokenize(condition);
        let pos = 0;
        const peek = (): Token | undefined => tokens[pos];
        const next = (): Token => {
            const t = tokens[pos++];
            if (!t) throw new Error(`unexpected end of condition: ${condition}`);
            return t;
        };
        const expect = (text: string): void => {
            const t = next();
            if (t.quoted || t.text !== text) throw new Error(`expected "${text}", got "${t.text}" in: ${condition}`);
        };
        const isWord = (t: Token | undefined, word: string): boolean => t !== undefined && !t.quoted && t.text === word;

        const values = (): string[] => {
            expect("(");
            const out: string[] = [];
            for (;;) {
                const t = next();
                if (!t.quoted && t.text in this.entries.lists) out.push(...this.listItems(t.text));
                else out.push(t.text);
                const sep = next();
                if (isWord(sep, ")")) return out;
                if (!isWord(sep, ",")) throw new Error(`expected "," or ")" in: ${condition}`);
            }
        };

        const fieldCheck = (field: string): Node => {
            if (!this.entries.fields.has(field)) throw new Error(`unknown field ${field}`);
            const op = next();
            if (op.quoted) throw new Error(`expected an operator after ${field}`);
            const get = (e: AuditFields): FieldValue | undefined => e[field];
            const scalar =
                (test: (v: string) => boolean): Node =>
                (e) => {
                    const v = get(e);
                    return typeof v === "string" && test(v);
                };
            switch (op.text) {
                case "exists":
                    return (e) => get(e) !== undefined;
                case "=": {
                    const value = next().text;
                    return scalar((v) => v === value);
                }
                case "!=": {
                    const value = next().text;
                    return scalar((v) => v !== value);
                }
                case "startswith": {
                    const value = next().text;
                    return scalar((v) => v.startsWith(value));
                }
                case "endswith": {
                    const value = next().text;
                    return scalar((v) => v.endsWith(value));
                }
                case "contains": {
                    const value = next().text;
                    return scalar((v) => v.includes(value));
                }
                case "in": {
                    const set = new Set(values());
                    return (e) => {
                        const v = get(e);
                        if (v === undefined) return false;
                        return Array.isArray(v) ? v.length > 0 && v.every((x) => set.has(x)) : set.has(v);
                    };
                }
                case "intersects": {
                    const set = new Set(values());
                    return (e) => {
                        const v = get(e);
                        return v !== undefined && (Array.isArray(v) ? v : [v]).some((x) => set.has(x));
                    };
                }
                default:
                    throw new Error(`unsupported operator "${op.text}" after ${field}`);
            }
        };

        const primary = (): Node => {
            const t = next();
            if (t.quoted) throw new Error(`unexpected string "${t.text}" in: ${condition}`);
            if (t.text === "(") {
                const inner = or();
                expect(")");
                return inner;
            }
            if (t.text.includes(".")) return fieldCheck(t.text);
            const macro = this.entries.macros[t.text];
            if (macro === undefined) throw new Error(`unknown macro ${t.text}`);
            const compiledMacro = this.compile(macro);
            return (e) => compiledMacro(e);
        };
        const not = (): Node => {
            if (isWord(peek(), "not")) {
                next();
                const inner = not();
                return (e) => !inner(e);
            }
            return primary();
        };
        const and = (): Node => {
            const parts = [not()];
            while (isWord(peek(), "and")) {
                next();
                parts.push(not());
            }
            return (e) => parts.every((p) => p(e));
        };
        const or = (): Node => {
            const parts = [and()];
            while (isWord(peek(), "or")) {
                next();
                parts.push(and());
            }
            return (e) => parts.some((p) => p(e));
        };

        const root = or();
        if (pos !== tokens.length) throw new Error(`trailing tokens from "${tokens[pos].text}" in: ${condition}`);
        this.compiled.set(condition, root);
        return root;
    }

    evaluate(condition: string, event: AuditFields): boolean {
        return this.compile(condition)(event);
    }

    private listItems(name: string, seen = new Set<string>()): string[] {
        if (seen.has(name)) throw new Error(`list ${name} refers to itself`);
        seen.add(name);
        return (this.entries.lists[name] ?? []).flatMap((item) => {
            const text = unquote(item);
            return text in this.entries.lists ? this.listItems(text, seen) : [text];
        });
    }
}
