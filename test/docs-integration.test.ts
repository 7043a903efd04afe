/** Every ```ts snippet of docs/call-site-api.md and docs/plugin.md runs and prints what the page says. */
import { expect } from "vitest";
import { describeDocSnippets } from "./helpers/doc-snippets.js";

describeDocSnippets("docs/call-site-api.md", {
  minimum: 3,
  check: (code, { logs }) => {
    if (code.includes("valueAndGrad(f)(2, 3)")) expect(logs).toEqual([[true, true, 2], [true], [20], [2]]);
    if (code.includes("NotDifferentiatedError")) expect(logs).toEqual([[true, true]]);
    if (code.includes("powRec")) expect(logs).toEqual([[8, 12]]);
  },
});

describeDocSnippets("docs/plugin.md", {
  minimum: 1,
  check: (code, { logs }) => {
    if (code.includes("adcTransformer")) expect(logs).toEqual([[0, true]]);
  },
});
