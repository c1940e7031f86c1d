// The procMount field check, shared by pss-baseline-proc-mount and pss-restricted-proc-mount.
import { CEL_V_IS_SET, FieldCheck, isSet, show } from "./pod-field-checks";

export const PROC_MOUNT: FieldCheck = {
    field: ["securityContext", "procMount"],
    violates: (v) => isSet(v) && v !== "Default",
    celViolates: `${CEL_V_IS_SET} && v != 'Default'`,
    problem: (v) => `sets securityContext.procMount: ${show(v)}`,
    celProblem: "sets securityContext.procMount to a value other than Default",
    fix: "remove securityContext.procMount or set it to Default (masked /proc)",
};
