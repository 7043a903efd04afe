// `npm run figures`: transform and compile the examples, then redraw docs/*.svg from their results.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: "inherit" });

run(process.execPath, ["dist/cli/adc.js", "transform", "examples/src", "--out", "examples/gen"]);
run(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "examples/tsconfig.json"]);
run(process.execPath, ["examples/dist/figures.js"]);
