// Shared by the GCP rules: the shape of Pulumi inputs, one finding, and the CIDRs that mean "the internet".
import { Finding } from "../catalogue/types";

export type Props = Record<string, unknown>;

export type NoParams = Record<string, never>;

/** One finding. */
export function finding(path: string, message: string): Finding {
    return { path, message };
}

export const OPEN_CIDRS = ["0.0.0.0/0", "::/0", "0.0.0.0"];
