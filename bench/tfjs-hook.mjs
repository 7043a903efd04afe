// Resolve tfjs-core's extensionless relative imports (its ESM dist) by trying ".js".
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (e) {
    if (e?.code === "ERR_MODULE_NOT_FOUND" || e?.code === "ERR_UNSUPPORTED_DIR_IMPORT") return next(specifier + ".js", context);
    throw e;
  }
}
