// Where a finding points: its path must name a place in the checked object, so a report or an automatic fix
// lands on the right field. Grammar: `a.b`, list items as `[3]` or `[name=app]` (`[name=#3]` for an item
// without a known name), map keys that hold dots as `["app.kubernetes.io/name"]`. A path may end in fields
// that are not set yet (the finding asks to set them), but a list item it names must exist. A JSON string on
// the way (an IAM policy document) is read as JSON.

type Segment = { key: string } | { index: number } | { name: string };

/** The segments of a finding path, or an error for malformed syntax. */
export function parseFindingPath(path: string): Segment[] | string {
    const segments: Segment[] = [];
    let i = 0;
    while (i < path.length) {
        if (path[i] === "[") {
            const close = path.indexOf("]", i);
            if (close === -1) return `unclosed [ at ${i}`;
            const inner = path.slice(i + 1, close);
            if (/^[0-9]+$/.test(inner)) segments.push({ index: Number(inner) });
            else if (inner.startsWith("name=") && inner.length > 5) segments.push({ name: inner.slice(5) });
            else if (inner.length > 2 && inner.startsWith('"') && inner.endsWith('"')) segments.push({ key: JSON.parse(inner) as string });
            else return `bad selector [${inner}]`;
            i = close + 1;
            if (i < path.length && path[i] === ".") i++;
            else if (i < path.length && path[i] !== "[") return `junk after ] at ${i}`;
        } else {
            let end = i;
            while (end < path.length && path[end] !== "." && path[end] !== "[") end++;
            if (end === i) return `empty field at ${i}`;
            segments.push({ key: path.slice(i, end) });
            i = end < path.length && path[end] === "." ? end + 1 : end;
            if (end < path.length && path[end] === "." && i === path.length) return "trailing .";
        }
    }
    return segments.length > 0 ? segments : "empty path";
}

/** Why `path` does not name a place in `root`, or undefined when it does. */
export function findingPathProblem(root: unknown, path: string): string | undefined {
    const segments = parseFindingPath(path);
    if (typeof segments === "string") return segments;
    let current: unknown = root;
    let missing = false;
    for (const segment of segments) {
        if (typeof current === "string" && (current.startsWith("{") || current.startsWith("["))) current = JSON.parse(current) as unknown;
        if ("key" in segment) {
            if (missing) continue;
            const isMap = current !== null && typeof current === "object" && !Array.isArray(current);
            if (isMap && Object.prototype.hasOwnProperty.call(current, segment.key))
                current = (current as Record<string, unknown>)[segment.key];
            else missing = true;
            continue;
        }
        if (missing) return `a list item under a field that is not set`;
        if (!Array.isArray(current)) return `a list item of something that is not a list`;
        // A container whose name is not a known string is named by its index: `[name=#2]`.
        const byIndex = "name" in segment && /^#[0-9]+$/.test(segment.name) ? Number(segment.name.slice(1)) : undefined;
        const item =
            "index" in segment
                ? current[segment.index]
                : byIndex !== undefined
                  ? current[byIndex]
                  : current.find((e) => e !== null && typeof e === "object" && (e as { name?: unknown }).name === segment.name);
        if (item === undefined) return `no list item ${JSON.stringify(segment)}`;
        current = item;
    }
    return undefined;
}
