// ESLint for the browser scripts under api/static (ESLint 9, flat config).
// The console and the admin are ES modules; the worker's widget is one classic script
// (it runs on pages we do not own, so it stays a single file without imports).
import js from "@eslint/js";
import globals from "globals";

/** Rules on top of eslint's recommended set: the mistakes a reviewer would otherwise catch. */
const rules = {
  "no-unused-vars": ["error", { args: "after-used", caughtErrors: "none" }],
  "no-undef": "error",
  eqeqeq: ["error", "always"],
  "prefer-const": "error",
  "no-var": "error",
  "no-implicit-globals": "error",
  "no-shadow": "error",
  "no-use-before-define": ["error", { functions: false, classes: true, variables: true }],
  "no-eval": "error",
  "no-implied-eval": "error",
  "no-new-func": "error",
  "no-script-url": "error",
  "no-throw-literal": "error",
  "no-return-assign": "error",
  "no-self-compare": "error",
  "no-unmodified-loop-condition": "error",
  "no-unneeded-ternary": "error",
  "no-useless-concat": "error",
  "no-useless-return": "error",
  "object-shorthand": ["error", "always"],
  "prefer-arrow-callback": "error",
  "prefer-template": "off",
  curly: ["error", "all"],
  "default-case-last": "error",
  "dot-notation": "error",
  radix: "error",
  // Data from the server reaches the page through textContent only (strict CSP, no HTML).
  "no-restricted-properties": [
    "error",
    { property: "innerHTML", message: "Use textContent or DOM nodes: server text is never HTML." },
    { property: "outerHTML", message: "Use textContent or DOM nodes: server text is never HTML." },
    { property: "insertAdjacentHTML", message: "Use DOM nodes: server text is never HTML." },
  ],
  "no-restricted-syntax": [
    "error",
    {
      selector: "CallExpression[callee.property.name='write'][callee.object.name='document']",
      message: "No document.write.",
    },
  ],
};

export default [
  { ignores: ["node_modules/**", ".venv/**", ".venv-rasa/**", ".cache/**"] },
  js.configs.recommended,
  {
    files: ["api/static/console/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: { ...globals.browser },
    },
    rules,
  },
  {
    files: ["api/static/widget.js"],
    languageOptions: {
      ecmaVersion: 2017,
      sourceType: "script",
      globals: { ...globals.browser },
    },
    rules: {
      ...rules,
      // The widget keeps its ES5-era style (var, function callbacks): it is linted for
      // mistakes, not restyled, so its behaviour on old phone browsers stays as it is.
      "no-var": "off",
      "prefer-const": "off",
      "prefer-arrow-callback": "off",
      "object-shorthand": "off",
    },
  },
  {
    files: ["eslint.config.js"],
    languageOptions: { sourceType: "module", globals: { ...globals.node } },
  },
];
