// ESLint (flat config) for the console's browser ES modules; `make test` runs it (docs/ARCHITECTURE.md §1).
import js from "@eslint/js";
import globals from "globals";

const V2_MESSAGE = "The console speaks v1 only (/api/v1/, /ws/v1/): add what a page needs to the v1 API.";

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
      // One wire format per page (docs/ARCHITECTURE.md §1): the console speaks the v1 API and its socket;
      // seed 002's v2 routes (/api/v2/) and socket (/ws/videos/) are a contract for external clients.
      "no-restricted-syntax": ["error",
        { selector: String.raw`Literal[value=/\x2Fapi\x2Fv2\x2F|\x2Fws\x2Fvideos\x2F/]`, message: V2_MESSAGE },
        { selector: String.raw`TemplateElement[value.raw=/\x2Fapi\x2Fv2\x2F|\x2Fws\x2Fvideos\x2F/]`, message: V2_MESSAGE },
      ],
    },
  },
];
