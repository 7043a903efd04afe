/**
 * End to end with the ts-patch plugin: the packed adc-ts installed into fresh projects built with
 * `tspc` and `{ "transform": "adc-ts/transformer" }`, under ts-patch 3.3 + TypeScript 5.9 on Node 20
 * and ts-patch 4 + TypeScript 6.0 on Node 22 (both Nodes from the npm registry's `node` package, so
 * the test does not depend on the machine's Node). In each: the built program prints the right
 * derivatives through `grad(f)`, compiled to direct references; an unsupported construct fails the
 * build with the ADC diagnostic at its file:line:col; the source map of a generated function points
 * into the original function; and for every fixture the plugin's JavaScript is the JavaScript of
 * `adc transform`'s output compiled by the same TypeScript.
 */
import { readdirSync, readFileSync, existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { BAD_SOURCE, DOWNSTREAM_SOURCES, downstreamProject, expectedOutput, run, stripAnsi, tsconfig, writeFiles, repoRoot } from "./helpers/e2e.js";
import { decodeSourceMap } from "./helpers/sourcemap.js";

const SETUPS = [
  { name: "tspc-ts59", tsPatch: "3.3.0", typescript: "~5.9.3", node: "20", nodeVersion: /^v20\./, tsVersion: /^Version 5\.9\./ },
  { name: "tspc-ts60", tsPatch: "4.0.1", typescript: "~6.0.3", node: "22", nodeVersion: /^v22\./, tsVersion: /^Version 6\.0\./ },
] as const;

const PLUGIN = [{ transform: "adc-ts/transformer" }];
const fixturesRoot = join(repoRoot, "fixtures");
const fixtures = readdirSync(fixturesRoot).filter((d) => existsSync(join(fixturesRoot, d, "input.ts"))).sort();

for (const setup of SETUPS) {
  describe(`e2e: tspc with ts-patch ${setup.tsPatch}, TypeScript ${setup.typescript}, Node ${setup.node}`, () => {
    let project: string;
    let node: string;
    const tspc = (config: string) => run(node, [join("node_modules", "ts-patch", "bin", "tspc.js"), "-p", config, "--pretty", "true"], project);

    beforeAll(async () => {
      project = await downstreamProject(setup.name, { "ts-patch": setup.tsPatch, typescript: setup.typescript, node: setup.node });
      node = join(project, "node_modules", ".bin", "node");
      const files: Record<string, string> = {
        ...DOWNSTREAM_SOURCES,
        "bad/bad.ts": BAD_SOURCE,
        "tsconfig.json": tsconfig({ rootDir: "src", outDir: "build", sourceMap: true, skipLibCheck: true, plugins: PLUGIN }, ["src"]),
        "tsconfig.bad.json": tsconfig({ rootDir: "bad", outDir: "build-bad", plugins: PLUGIN }, ["bad"]),
        // The fixtures, once through the plugin and once as adc transform writes them (compiled by plain tsc).
        "tsconfig.fixtures-plugin.json": tsconfig({ rootDir: "fixtures-src", outDir: "fixtures-plugin", removeComments: true, noCheck: true, plugins: PLUGIN }, ["fixtures-src"]),
        "tsconfig.fixtures-cli.json": tsconfig({ rootDir: "fixtures-gen", outDir: "fixtures-cli", removeComments: true, noCheck: true }, ["fixtures-gen"]),
      };
      for (const name of fixtures) files[`fixtures-src/${name}.ts`] = readFileSync(join(fixturesRoot, name, "input.ts"), "utf8");
      writeFiles(project, files);
      for (const out of ["build", "build-bad", "fixtures-plugin", "fixtures-cli"]) rmSync(join(project, out), { recursive: true, force: true });
    }, 600_000);

    it(`runs on Node ${setup.node} with TypeScript ${setup.typescript}`, async () => {
      expect((await run(node, ["--version"], project)).stdout.trim()).toMatch(setup.nodeVersion);
      const version = await run(node, [join("node_modules", "typescript", "bin", "tsc"), "--version"], project);
      expect(version.stdout.trim()).toMatch(setup.tsVersion);
    });

    it("builds, and the program prints the hand-derived derivatives through grad(f) compiled to f_grad", async () => {
      const built = await tspc("tsconfig.json");
      expect(stripAnsi(built.stdout + built.stderr)).toBe("");
      expect(built.status).toBe(0);
      const main = readFileSync(join(project, "build", "main.js"), "utf8");
      expect(main).toContain('import { f_dual, f_grad, f_vjp, sumSquares_grad } from "./model.js";');
      expect(main).toContain("grad: f_grad(x1, x2)");
      expect(main).toContain("valueAndGrad(sumSquares, sumSquares_grad)");
      const model = readFileSync(join(project, "build", "model.js"), "utf8");
      expect(model).toContain("export function f_dual(x1, x2, dx1, dx2) {");
      for (const [x1, x2] of [
        [0.5, 2],
        [-1.25, 3],
      ]) {
        const out = await run(node, [join("build", "main.js"), String(x1), String(x2)], project);
        expect(out.stderr).toBe("");
        const printed = JSON.parse(out.stdout) as ReturnType<typeof expectedOutput>;
        const expected = expectedOutput(x1, x2);
        for (const key of ["jvp", "grad", "vjp"] as const) printed[key].forEach((v, i) => expect(v).toBeCloseTo(expected[key][i], 12));
        expect(printed.valueAndGrad).toEqual(expected.valueAndGrad);
      }
    });

    it("maps the generated functions into the original function in the source map", () => {
      const js = readFileSync(join(project, "build", "model.js"), "utf8").split("\n");
      const start = js.findIndex((l) => l.startsWith("export function f_dual("));
      const end = js.findIndex((l, i) => i > start && l === "}");
      expect(start).toBeGreaterThan(0);
      const mappings = decodeSourceMap(readFileSync(join(project, "build", "model.js.map"), "utf8")).filter((m) => m.generatedLine >= start && m.generatedLine <= end);
      expect(mappings.length).toBeGreaterThan(0);
      // f is lines 3 to 8 of src/model.ts (0-based 2 to 7).
      for (const m of mappings) {
        expect(m.source).toBe("../src/model.ts");
        expect(m.originalLine).toBeGreaterThanOrEqual(2);
        expect(m.originalLine).toBeLessThanOrEqual(7);
      }
      expect(mappings.find((m) => m.generatedLine === start)?.originalLine).toBe(2);
    });

    it("fails the build on an unsupported construct with the ADC diagnostic at its file:line:col", async () => {
      const built = await tspc("tsconfig.bad.json");
      expect(built.status).not.toBe(0);
      const output = stripAnsi(built.stdout + built.stderr);
      expect(output).toMatch(/bad\/bad\.ts:4:3 - error TS92004: ADC2004: try\/catch\/finally is not differentiated/);
      expect(output).toMatch(/Found 1 error/);
    });

    it("emits for every fixture the same JavaScript as adc transform's output compiled by this TypeScript", async () => {
      const transformed = await run(node, [join("node_modules", ".bin", "adc"), "transform", "fixtures-src", "--out", "fixtures-gen"], project);
      expect(transformed.status).toBe(0);
      expect((await tspc("tsconfig.fixtures-plugin.json")).status).toBe(0);
      const plain = await run(node, [join("node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.fixtures-cli.json"], project);
      expect(plain.stdout + plain.stderr).toBe("");
      for (const name of fixtures) {
        const viaPlugin = readFileSync(join(project, "fixtures-plugin", `${name}.js`), "utf8");
        expect(viaPlugin).toContain("registerDerivatives(");
        expect(viaPlugin, name).toBe(readFileSync(join(project, "fixtures-cli", `${name}.js`), "utf8"));
      }
    });
  });
}
