// `npm run fixtures:update`: regenerate fixtures/<case>/output.ts from input.ts with the built compiler.
import { readdirSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { compileFixture } from "../dist/test-support/fixtures.js";

const root = fileURLToPath(new URL("../fixtures", import.meta.url));
for (const name of readdirSync(root).sort()) {
  const input = join(root, name, "input.ts");
  if (!existsSync(input)) continue;
  const { text, diagnostics } = compileFixture(input);
  if (diagnostics.length > 0) {
    console.error(`${name}:\n${diagnostics.join("\n")}`);
    process.exitCode = 1;
    continue;
  }
  writeFileSync(join(root, name, "output.ts"), text);
  console.log(`fixtures/${name}/output.ts`);
}
