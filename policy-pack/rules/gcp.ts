import { Rule } from "../catalogue/types";

export const gcpRules: Rule[] = [];
