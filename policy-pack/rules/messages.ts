// The object a finding is about, named the same way in every rule's TypeScript message and CEL message.
import { K8sObject } from "../catalogue/types";

/** `Deployment apps/web`, for messages. */
export function subject(object: K8sObject): string {
    const ns = object.metadata?.namespace;
    return `${object.kind ?? "object"} ${typeof ns === "string" ? `${ns}/` : ""}${object.metadata?.name ?? "(unnamed)"}`;
}

/** The same subject in CEL (Gatekeeper always binds metadata; the name may be absent with generateName). */
export const CEL_SUBJECT =
    "object.kind + ' ' + ((has(object.metadata.namespace) && type(object.metadata.namespace) == string) ? object.metadata.namespace + '/' : '') + " +
    "((has(object.metadata.name) && type(object.metadata.name) == string) ? object.metadata.name : '(unnamed)')";
