import { Rule } from "../catalogue/types";

export const resourceRules: Rule[] = [];
