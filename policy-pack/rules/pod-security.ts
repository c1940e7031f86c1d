import { Rule } from "../catalogue/types";

export const podSecurityRules: Rule[] = [];
