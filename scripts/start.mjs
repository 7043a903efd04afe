// `npm start`: transform the bundled examples with adc, compile them, and run them.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: "inherit" });

run(process.execPath, ["dist/cli/adc.js", "transform", "examples/src", "--out", "examples/gen"]);
run(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "examples/tsconfig.json"]);
run(process.execPath, ["examples/dist/index.js"]);
