// The one way a rule names the framework controls it maps to: one call per control, in the order the
// rule lists them (the plan's per-framework scores and the README table read them in that order).
import { Framework, FrameworkControl } from "../catalogue/types";

const control =
    (framework: Framework) =>
    (id: string): FrameworkControl => ({ framework, control: id });

/** CIS Kubernetes Benchmark, e.g. `cisK8s("5.2.2")`. */
export const cisK8s = control("CIS-Kubernetes");
/** CIS Google Kubernetes Engine (GKE) Benchmark, e.g. `cisGke("5.6.7")`. */
export const cisGke = control("CIS-GKE");
/** NIST SP 800-53, e.g. `nist("AC-6")`. */
export const nist = control("NIST-800-53");
/** SOC 2 trust services criteria, e.g. `soc2("CC6.1")`. */
export const soc2 = control("SOC2");
/** PCI DSS, e.g. `pci("2.2.6")`. */
export const pci = control("PCI-DSS");
