/**
 * Names in generated code, made in one place: tangents after their variables (`w3` → `dw3`), and
 * temporaries, none of which may collide with a name the user's function or module already uses.
 */
/**
 * Names no variable may have in an ES module (strict mode): reserved words (`do` is the tangent of `o`),
 * strict-mode ones, `await`, `arguments` and `eval`; and the globals generated code reads
 * (`undefined` for an argument left out).
 */
const unusable = new Set(
  [
    "break case catch class const continue debugger default delete do else enum export extends false finally for function if import in",
    "instanceof new null return super switch this throw true try typeof var void while with",
    "implements interface let package private protected public static yield await arguments eval undefined NaN Infinity",
  ].flatMap((line) => line.split(" ")),
);

export class NameScope {
  private readonly taken: Set<string>;
  private readonly derived = new Map<string, string>();

  /** `outer`: names of an enclosing scope (the module's), read but not copied. */
  constructor(
    reserved: Iterable<string>,
    private readonly outer: ReadonlySet<string> = new Set(),
  ) {
    this.taken = new Set(reserved);
  }

  /** Take a name made elsewhere, so that no later name collides with it. */
  reserve(name: string): void {
    this.taken.add(name);
  }

  /** Every name taken so far. */
  names(): ReadonlySet<string> {
    return this.taken;
  }

  /** A fresh name starting with `base`: `base`, then `base2`, `base3`, ... */
  fresh(base: string): string {
    return this.first((i) => (i === 1 ? base : `${base}${i}`));
  }

  /** Another variable called after `name`, which is taken: `name_2`, then `name_3`, ... */
  numbered(name: string): string {
    return this.first((i) => `${name}_${i + 1}`);
  }

  private first(make: (i: number) => string): string {
    let name = make(1);
    for (let i = 2; this.taken.has(name) || this.outer.has(name) || unusable.has(name); i++) name = make(i);
    this.taken.add(name);
    return name;
  }

  /** The one name derived from `name` with `prefix` (the tangent `dx` of `x`, the adjoint `x_b`, ...). */
  derivedName(prefix: string, name: string, suffix = ""): string {
    const key = `${prefix}\u0000${name}\u0000${suffix}`;
    let d = this.derived.get(key);
    if (d === undefined) {
      d = this.fresh(`${prefix}${name}${suffix}`);
      this.derived.set(key, d);
    }
    return d;
  }
}
