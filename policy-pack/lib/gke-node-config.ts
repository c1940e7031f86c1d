// Where a GKE resource declares node configuration (node pools, a cluster's default pool, inline pools).
import { isUnknown } from "../catalogue/types";
import { isRecord, own } from "../catalogue/view";
import { Props } from "./cloud-inputs";
import { NODE_POOL } from "./resource-types";

/** A node configuration to check, with the path prefix findings use. */
export interface NodeConfigSite {
    path: string;
    nodeConfig: unknown;
    management: unknown;
    /** The cluster's own `nodeConfig` (default pool) rather than a real pool. */
    defaultPool: boolean;
}

/**
 * The node configurations a resource defines: a NodePool's `nodeConfig`; a Cluster's default-pool
 * `nodeConfig` (skipped when `removeDefaultNodePool` is true and no nodeConfig is given: the pool is deleted
 * right after creation) and each inline `nodePools[i]`.
 */
export function nodeConfigSites(props: Props, resourceType: string): NodeConfigSite[] {
    const nodeConfig = own(props, "nodeConfig");
    if (resourceType === NODE_POOL)
        return [{ path: "nodeConfig", nodeConfig: nodeConfig ?? {}, management: own(props, "management"), defaultPool: false }];
    const sites: NodeConfigSite[] = [];
    const removeDefault = own(props, "removeDefaultNodePool");
    // An unknown removeDefaultNodePool may be true: without a nodeConfig there is nothing known to judge.
    if (nodeConfig !== undefined || (removeDefault !== true && !isUnknown(removeDefault))) {
        sites.push({ path: "nodeConfig", nodeConfig: nodeConfig ?? {}, management: undefined, defaultPool: true });
    }
    const pools = own(props, "nodePools");
    if (Array.isArray(pools)) {
        pools.forEach((pool, i) => {
            // A pool not known yet, or malformed, has nothing to judge.
            if (!isRecord(pool)) return;
            sites.push({
                path: `nodePools[${i}].nodeConfig`,
                nodeConfig: own(pool, "nodeConfig") ?? {},
                management: own(pool, "management"),
                defaultPool: false,
            });
        });
    }
    return sites;
}
