// The object a finding is about, named the same way in every rule's TypeScript message and CEL message.
import { K8sObject } from "../catalogue/types";
import { at, own, show } from "../catalogue/view";

/** `Deployment apps/web`, for messages. Wrong-typed name or namespace fields are shown by type, never coerced. */
export function subject(object: K8sObject): string {
    const kind = own(object, "kind");
    const ns = at(object, "metadata.namespace");
    const name = at(object, "metadata.name");
    // An unknown metadata reads as an unknown namespace and name: shown as "(unknown)".
    const namespacePart = typeof ns === "string" ? `${show(ns)}/` : "";
    return `${typeof kind === "string" ? show(kind) : "object"} ${namespacePart}${name === undefined ? "(unnamed)" : show(name)}`;
}

/** The same subject in CEL (Gatekeeper always binds metadata; the name may be absent with generateName). */
export const CEL_SUBJECT =
    "object.kind + ' ' + ((has(object.metadata.namespace) && type(object.metadata.namespace) == string) ? object.metadata.namespace + '/' : '') + " +
    "((has(object.metadata.name) && type(object.metadata.name) == string) ? object.metadata.name : '(unnamed)')";
