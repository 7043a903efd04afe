/** Every ```ts snippet in docs/gmm.md runs (imports of "adc-ts/gmm" resolve to the source). */
import { expect } from "vitest";
import { describeDocSnippets } from "./helpers/doc-snippets.js";

describeDocSnippets("docs/gmm.md", {
  minimum: 5,
  check: (code, { logs }) => {
    if (code.includes("ILL_DEFINED_COVARIANCE_MESSAGE")) expect(logs).toEqual([[true]]);
  },
});
