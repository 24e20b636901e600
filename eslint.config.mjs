// ESLint (flat config) for the console's browser ES modules; `make test` runs it (docs/ARCHITECTURE.md §1).
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["media_pipeline/console/static/vendor/**"] },
  js.configs.recommended,
  {
    files: ["media_pipeline/console/static/**/*.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: globals.browser },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      eqeqeq: ["error", "always"],
      "no-var": "error",
      "prefer-const": "error",
      "no-shadow": "error",
      "no-unused-vars": ["error", { args: "after-used", caughtErrors: "none" }],
      "no-implicit-globals": "error",
      "no-eval": "error",
      "no-implied-eval": "error",
      "no-new-func": "error",
      "no-throw-literal": "error",
      "no-return-assign": ["error", "except-parens"],
      "no-self-compare": "error",
      "no-use-before-define": ["error", { functions: false, classes: true, variables: false }],
      "object-shorthand": ["error", "properties"],
    },
  },
];
