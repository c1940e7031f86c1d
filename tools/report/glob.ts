// Glob matching for --include/--exclude on forward-slash paths: `**` any characters including `/`, `*` any
// characters except `/`, `?` one character except `/`; a trailing `/` or a pattern without `/` also matches
// below a folder of that name. Dynamic programming over (pattern, path) positions: linear in their product,
// no backtracking on user-given patterns.

type Token = { kind: "any" } | { kind: "dirs" } | { kind: "segment" } | { kind: "one" } | { kind: "literal"; char: string };

function tokenize(pattern: string): Token[] {
    const tokens: Token[] = [];
    for (let i = 0; i < pattern.length; i++) {
        const c = pattern[i];
        if (c === "*" && pattern[i + 1] === "*") {
            // `**/` is zero or more whole folders; a bare `**` anything.
            if (pattern[i + 2] === "/") {
                tokens.push({ kind: "dirs" });
                i += 2;
            } else {
                tokens.push({ kind: "any" });
                i++;
            }
        } else if (c === "*") tokens.push({ kind: "segment" });
        else if (c === "?") tokens.push({ kind: "one" });
        else tokens.push({ kind: "literal", char: c });
    }
    return tokens;
}

function matchTokens(tokens: readonly Token[], text: string): boolean {
    // reachable[j]: the tokens consumed so far can match text[0..j).
    let reachable = new Array<boolean>(text.length + 1).fill(false);
    reachable[0] = true;
    for (const token of tokens) {
        const next = new Array<boolean>(text.length + 1).fill(false);
        for (let j = 0; j <= text.length; j++) {
            if (!reachable[j]) continue;
            switch (token.kind) {
                case "any":
                    for (let k = j; k <= text.length; k++) next[k] = true;
                    break;
                case "segment":
                    for (let k = j; k <= text.length; k++) {
                        next[k] = true;
                        if (text[k] === "/") break;
                    }
                    break;
                case "one":
                    if (j < text.length && text[j] !== "/") next[j + 1] = true;
                    break;
                case "dirs":
                    next[j] = true;
                    for (let k = j + 1; k <= text.length; k++) if (text[k - 1] === "/") next[k] = true;
                    break;
                case "literal":
                    if (text[j] === token.char) next[j + 1] = true;
                    break;
            }
        }
        reachable = next;
    }
    return reachable[text.length];
}

export function globMatches(pattern: string, filePath: string): boolean {
    const text = filePath.replace(/\\/g, "/").replace(/^\.\//, "");
    let glob = pattern.replace(/\\/g, "/").replace(/^\.\//, "");
    if (glob.endsWith("/")) glob = `${glob}**`;
    const tokens = tokenize(glob);
    if (matchTokens(tokens, text)) return true;
    // `charts` or `*.yaml` (no slash) match at any depth, like .gitignore.
    if (!glob.includes("/")) return text.split("/").some((segment) => matchTokens(tokens, segment));
    return false;
}
