/**
 * The ADBench GMM objective of `gmm-objective.ts` over the runtime's `Dual` numbers (operator
 * overloading): one directional derivative per evaluation, one object per arithmetic operation.
 * Same loops and constants as the source-transformed version, for a like-for-like timing.
 */
import { Dual, dualMath } from "../src/runtime/dual.js";
import { logGammaDistrib } from "./gmm-objective.js";

const PI = 3.14159265359;
const { exp, log, max } = dualMath;

function logsumexp(x: readonly Dual[]): Dual {
  let mx = x[0];
  for (let i = 1; i < x.length; i++) mx = max(mx, x[i]);
  let semx = new Dual(0);
  for (let i = 0; i < x.length; i++) semx = semx.add(exp(x[i].sub(mx)));
  return log(semx).add(mx);
}

/** The objective and its derivative in direction (dalphas, dmeans, dicf): [value, derivative]. */
export function gmmObjectiveDual(
  d: number,
  k: number,
  n: number,
  alphas: Float64Array,
  means: Float64Array,
  icf: Float64Array,
  x: Float64Array,
  wishartGamma: number,
  wishartM: number,
  dalphas: Float64Array,
  dmeans: Float64Array,
  dicf: Float64Array,
): [number, number] {
  const lift = (v: Float64Array, dv: Float64Array): Dual[] => Array.from(v, (e, i) => new Dual(e, dv[i]));
  const a = lift(alphas, dalphas);
  const mu = lift(means, dmeans);
  const q = lift(icf, dicf);
  const icfSize = (d * (d + 1)) / 2;
  const CONSTANT = -n * d * 0.5 * Math.log(2 * PI);

  const Qdiags: Dual[] = [];
  const sumQs: Dual[] = [];
  for (let ik = 0; ik < k; ik++) {
    let s = new Dual(0);
    for (let id = 0; id < d; id++) {
      s = s.add(q[ik * icfSize + id]);
      Qdiags.push(exp(q[ik * icfSize + id]));
    }
    sumQs.push(s);
  }
  const xcentered: Dual[] = new Array<Dual>(d);
  const Qxcentered: Dual[] = new Array<Dual>(d);
  const mainTerm: Dual[] = new Array<Dual>(k);
  let slse = new Dual(0);
  for (let ix = 0; ix < n; ix++) {
    for (let ik = 0; ik < k; ik++) {
      for (let id = 0; id < d; id++) xcentered[id] = mu[ik * d + id].neg().add(x[ix * d + id]);
      for (let id = 0; id < d; id++) Qxcentered[id] = Qdiags[ik * d + id].mul(xcentered[id]);
      let l = ik * icfSize + d;
      for (let i = 0; i < d; i++) {
        for (let j = i + 1; j < d; j++) {
          Qxcentered[j] = Qxcentered[j].add(q[l].mul(xcentered[i]));
          l++;
        }
      }
      let sq = new Dual(0);
      for (let id = 0; id < d; id++) sq = sq.add(Qxcentered[id].mul(Qxcentered[id]));
      mainTerm[ik] = a[ik].add(sumQs[ik]).sub(sq.mul(0.5));
    }
    slse = slse.add(logsumexp(mainTerm));
  }
  let err = slse.add(CONSTANT).sub(logsumexp(a).mul(n));

  const N = d + wishartM + 1;
  const C = N * d * (Math.log(wishartGamma) - 0.5 * Math.log(2)) - logGammaDistrib(0.5 * N, d);
  let prior = new Dual(0);
  for (let ik = 0; ik < k; ik++) {
    let frobenius = new Dual(0);
    for (let id = 0; id < d; id++) frobenius = frobenius.add(Qdiags[ik * d + id].mul(Qdiags[ik * d + id]));
    for (let i = d; i < icfSize; i++) frobenius = frobenius.add(q[ik * icfSize + i].mul(q[ik * icfSize + i]));
    prior = prior.add(frobenius.mul(0.5 * wishartGamma * wishartGamma)).sub(sumQs[ik].mul(wishartM));
  }
  err = err.add(prior.sub(k * C));
  return [err.value, err.tangent];
}
