// readOnlyRootFilesystem: not a Pod Security Standards control, but the platform requires it. TypeScript `check`
// for CrossGuard, CEL for Gatekeeper; test/cel-agreement.test.ts holds both to the corpus beside this file.
import { CommonK8sParams, isUnknown, K8sObject } from "../catalogue/types";
import { podRule } from "../lib/define-rule";
import { cisK8s, nist, pci, soc2 } from "../lib/frameworks";
import {
    CEL_UNKNOWN,
    CEL_WINDOWS_OR_UNKNOWN_OS,
    celContainerCheck,
    checkContainers,
    FieldCheck,
    isWindowsOrUnknownOs,
    PodContext,
    podContext,
} from "../lib/pod-field-checks";

/** The pod context for a Linux-only control: none for Windows pods (or an unknown OS). */
function linuxPodContext(object: K8sObject, params: CommonK8sParams): PodContext | undefined {
    const ctx = podContext(object, params);
    return ctx && !isWindowsOrUnknownOs(ctx.pod.spec) ? ctx : undefined;
}

/** A CEL validation made Linux-only. */
function linuxOnly<V extends { expression: string }>(validation: V): V {
    return { ...validation, expression: `${CEL_WINDOWS_OR_UNKNOWN_OS} || ${validation.expression}` };
}

const READ_ONLY_ROOT: FieldCheck = {
    field: ["securityContext", "readOnlyRootFilesystem"],
    violates: (v) => v !== true && !isUnknown(v),
    celViolates: `v != true && v != ${CEL_UNKNOWN}`,
    problem: () => "does not set securityContext.readOnlyRootFilesystem: true",
    celProblem: "does not set securityContext.readOnlyRootFilesystem: true",
    fix: "set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the process must write (e.g. /tmp)",
};

const readOnlyRootCel = celContainerCheck("writableRootContainers", READ_ONLY_ROOT);

export const rule = podRule({
    id: "containers-read-only-root-filesystem",
    title: "Read-only root filesystem",
    description:
        "Every container, init container and ephemeral container must set securityContext.readOnlyRootFilesystem: true, so an intruder " +
        "cannot drop tools or modify binaries in the image, and writes go to explicit, size-limited volumes. Not part of the Pod Security " +
        "Standards; mandatory here because an emptyDir mount covers every legitimate write. Windows pods are skipped (the API forbids the field there).",
    severity: "medium",
    remediation: "Set securityContext.readOnlyRootFilesystem: true and mount emptyDir volumes on the paths the process writes to.",
    frameworks: [cisK8s("5.7.3"), nist("CM-7"), nist("SI-7"), soc2("CC6.8"), pci("2.2.6")],
    check(object, params) {
        const ctx = linuxPodContext(object, params);
        return ctx ? checkContainers(object, ctx, READ_ONLY_ROOT) : [];
    },
    cel: { variables: [readOnlyRootCel.variable], validations: [linuxOnly(readOnlyRootCel.validation)] },
});
