import { Rule } from "../catalogue/types";

export const hygieneRules: Rule[] = [];
