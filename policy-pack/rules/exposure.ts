import { Rule } from "../catalogue/types";

export const exposureRules: Rule[] = [];
