/**
 * A small seeded pseudo-random generator (xoshiro128**, seeded through splitmix32), so that every
 * fit, initialisation and sample with a `randomState` is reproducible across runs and platforms.
 * It does not reproduce NumPy's streams: equal seeds give equal results here, not equal to Python.
 */
export class SeededRandom {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | undefined;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`Random seed must be a finite number, got ${seed}`);
    // splitmix32 spreads any seed (including 0 and small integers) over the whole state.
    let x = (Math.trunc(seed) ^ Math.trunc(seed / 4294967296)) >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  integer(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal deviate (Marsaglia's polar method). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const spare = this.spareNormal;
      this.spareNormal = undefined;
      return spare;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const factor = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * factor;
    return u * factor;
  }

  /** `count` distinct integers from [0, n), in random order (partial Fisher–Yates). */
  choiceWithoutReplacement(n: number, count: number): Int32Array {
    if (count > n) throw new RangeError(`Cannot choose ${count} distinct values out of ${n}`);
    const pool = new Int32Array(n);
    for (let i = 0; i < n; i++) pool[i] = i;
    for (let i = 0; i < count; i++) {
      const j = i + this.integer(n - i);
      const tmp = pool[i];
      pool[i] = pool[j];
      pool[j] = tmp;
    }
    return pool.slice(0, count);
  }

  /** Counts of `n` draws over categories with probabilities `p` (sequential binomials by inversion). */
  multinomial(n: number, p: ArrayLike<number>): Int32Array {
    const counts = new Int32Array(p.length);
    for (let draw = 0; draw < n; draw++) {
      let u = this.uniform();
      let category = p.length - 1;
      for (let c = 0; c < p.length; c++) {
        u -= p[c];
        if (u < 0) {
          category = c;
          break;
        }
      }
      counts[category]++;
    }
    return counts;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** What a `randomState` option accepts: a seed, a generator to share, or nothing (fresh entropy). */
export type RandomState = number | SeededRandom | undefined;

/** scikit-learn's `check_random_state`: a seed makes a new generator, a generator is used as is. */
export function toRandom(state: RandomState): SeededRandom {
  if (state instanceof SeededRandom) return state;
  if (state === undefined) return new SeededRandom(Math.floor(Math.random() * 4294967296));
  if (!Number.isInteger(state) || state < 0) {
    throw new RangeError(`randomState must be a non-negative integer seed or a SeededRandom, got ${state}`);
  }
  return new SeededRandom(state);
}
