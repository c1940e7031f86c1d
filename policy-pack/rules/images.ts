import { Rule } from "../catalogue/types";

export const imageRules: Rule[] = [];
