// Work shared by every policy of one Analyze request, done once instead of once per policy.
//
// The SDK calls each policy with its own props proxy, but (with deserialize-once.ts) every proxy of one
// request wraps the same deserialized object, which the policies read as it is (unknowns.ts plainProps).
// So the Kubernetes object built from it is made once per request, keyed by that object's identity, its pod
// spec and containers are found once (catalogue/workloads.ts rememberPodOf), and the type token is parsed
// once per type. Only the validation path uses this: nothing there writes to the props or to the object
// (rules read them). The Remediate path writes fixes into the props between policies, so it keeps
// building its own copy every time.
import { K8sObject } from "../catalogue/types";
import { rememberPodOf } from "../catalogue/workloads";
import { KubernetesType, parseKubernetesType, toK8sObject } from "./kubernetes";
import { Json, plainProps, proxyTarget } from "./unknowns";

const typeTokens = new Map<string, KubernetesType | null>();
/** Type tokens remembered; a program has a few dozen, so this never fills in practice. */
const MAX_TYPE_TOKENS = 1024;

/** parseKubernetesType, remembered per token. */
export function kubernetesTypeOf(token: string): KubernetesType | undefined {
    let type = typeTokens.get(token);
    if (type === undefined) {
        type = parseKubernetesType(token) ?? null;
        if (typeTokens.size >= MAX_TYPE_TOKENS) typeTokens.clear();
        typeTokens.set(token, type);
    }
    return type ?? undefined;
}

interface Entry {
    props: object;
    provider: object | undefined;
    type: KubernetesType;
    object: K8sObject;
}

/** The last request's object: the engine sends one request at a time, and a miss only costs a copy. */
let last: Entry | undefined;

/**
 * The Kubernetes object for these props, shared with every policy of the same request. Props that are not
 * behind the SDK's proxy (no identity to key on) are copied every time.
 */
export function sharedKubernetesObject(type: KubernetesType, props: Json, providerProps: Json | undefined): K8sObject {
    const target = proxyTarget(props);
    const providerTarget = providerProps ? proxyTarget(providerProps) : undefined;
    if (target && last?.props === target && last.provider === providerTarget && last.type === type) return last.object;
    const object = toK8sObject(type, plainProps(props), providerProps ? plainProps(providerProps).namespace : undefined);
    if (target && (providerProps === undefined || providerTarget)) last = { props: target, provider: providerTarget, type, object };
    // Read-only from here (every policy of the request reads it): its pod and containers are found once.
    rememberPodOf(object);
    return object;
}
