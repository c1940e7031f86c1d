// ESLint flat config: typescript-eslint's strict and stylistic type-checked rules over both TypeScript projects.
import path from "node:path";
import { fileURLToPath } from "node:url";
import js from "@eslint/js";
import comments from "@eslint-community/eslint-plugin-eslint-comments/configs";
import tseslint from "typescript-eslint";

const root = path.dirname(fileURLToPath(import.meta.url));

export default tseslint.config(
    {
        ignores: [
            "**/node_modules/**",
            "**/bin/**",
            "out/**",
            "plan-output/**",
            "report-output/**",
            "check-output/**",
            "reports/**",
            ".stryker-tmp/**",
            "bench/results/**",
            "test/fixtures/**",
        ],
    },
    { linterOptions: { reportUnusedDisableDirectives: "error" } },
    js.configs.recommended,
    ...tseslint.configs.strictTypeChecked,
    ...tseslint.configs.stylisticTypeChecked,
    comments.recommended,
    {
        languageOptions: {
            parserOptions: {
                project: ["./tsconfig.json", "./policy-pack/tsconfig.json"],
                tsconfigRootDir: root,
            },
        },
        rules: {
            // Every disable says why; an enable only closes the block its disable explained.
            "@eslint-community/eslint-comments/require-description": ["error", { ignore: ["eslint-enable"] }],
            // Numbers and booleans read fine in messages; objects, unknowns and nullish values still need a conversion.
            "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true, allowBoolean: true }],
            // It asks for the `x!` that no-non-null-assertion forbids; `as T` after a checked lookup stays allowed.
            "@typescript-eslint/non-nullable-type-assertion-style": "off",
            // Without noUncheckedIndexedAccess every index lookup is typed as present, so the guards on lookups and on
            // parsed input (JSON, YAML, gRPC payloads) that this rule calls unnecessary are the defensive reads we want.
            "@typescript-eslint/no-unnecessary-condition": "off",
            // `const { dropped, ...rest } = x` is how we copy an object without a key.
            "@typescript-eslint/no-unused-vars": ["error", { ignoreRestSiblings: true }],
            // `a || b` on optional booleans means "either is true" and on strings also replaces "" (an empty environment
            // variable, an empty list joined); `??` would stop at a false or empty `a`.
            "@typescript-eslint/prefer-nullish-coalescing": ["error", { ignorePrimitives: { boolean: true, string: true } }],
            // `async` without `await` is how an implementation of a Promise-returning interface (Pulumi provider and mocks,
            // gRPC handlers) turns a synchronous throw into a rejection.
            "@typescript-eslint/require-await": "off",
            // Parameters and user data are typed as they should be, not as they may arrive: `x === true` is the
            // defensive read (a string "false" must not count as true), not a redundant comparison.
            "@typescript-eslint/no-unnecessary-boolean-literal-compare": "off",
            // `() => resolve()`-style callbacks are the idiom for promise and stream plumbing.
            "@typescript-eslint/no-confusing-void-expression": ["error", { ignoreArrowShorthand: true }],
        },
    },
    {
        files: ["test/**/*.ts", "policy-pack/test/**/*.ts"],
        rules: {
            // Tests walk free-form Helm values and parsed YAML as `any`; a wrong path fails the assertion that reads it.
            "@typescript-eslint/no-unsafe-member-access": "off",
            "@typescript-eslint/no-unsafe-assignment": "off",
            "@typescript-eslint/no-unsafe-call": "off",
            "@typescript-eslint/no-unsafe-return": "off",
            "@typescript-eslint/no-unsafe-argument": "off",
            // A `!` on a lookup in a test fails loudly (TypeError) exactly where an assertion would.
            "@typescript-eslint/no-non-null-assertion": "off",
        },
    },
    {
        files: ["**/*.js", "**/*.mjs"],
        ...tseslint.configs.disableTypeChecked,
    },
    {
        // Mocha reporters and node --require hooks: plain CommonJS run by Node.
        files: ["**/*.js"],
        languageOptions: {
            sourceType: "commonjs",
            globals: { require: "readonly", module: "writable", process: "readonly", console: "readonly", __dirname: "readonly" },
        },
        rules: { "@typescript-eslint/no-require-imports": "off" },
    },
);
