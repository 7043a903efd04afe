// `node --import ./bench/tfjs-resolve.mjs`: lets tfjs-core's ESM sources (extensionless relative
// imports) load, which is where its gradients are registered.
import { register } from "node:module";
register("./tfjs-hook.mjs", import.meta.url);
