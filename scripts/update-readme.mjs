// `npm run readme:update`: regenerate the README's rule and diagnostic tables from the code.
import { readFileSync, writeFileSync } from "node:fs";
import { rulesTable, codesTable, replaceBlock } from "../dist/test-support/readme-tables.js";

const path = new URL("../README.md", import.meta.url);
let readme = readFileSync(path, "utf8");
readme = replaceBlock(readme, "rules", rulesTable());
readme = replaceBlock(readme, "codes", codesTable());
writeFileSync(path, readme);
console.log("README.md tables updated");
