/**
 * `adc-ts/transformer`: the ts-patch plugin. In tsconfig.json:
 *
 *     "compilerOptions": { "plugins": [{ "transform": "adc-ts/transformer" }] }
 *
 * then build with `tspc` (ts-patch) instead of `tsc`.
 */
import { adcTransformer } from "./plugin.js";

export { adcTransformer, tsCodeOf, type TransformerExtras } from "./plugin.js";
export default adcTransformer;
