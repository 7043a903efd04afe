/**
 * Plots of a Gaussian mixture in two dimensions: the data coloured by most probable component and
 * each component's 1- and 2-sigma ellipses, described in Vega-Lite and rendered to SVG by Vega in
 * Node (no browser). Vega is loaded on first use, so importing `adc-ts/gmm` stays cheap.
 */
import type { TopLevelSpec } from "vega-lite";
import type { CovarianceType, MixtureParameters } from "./gaussian-mixture.js";
import { responsibilitiesUnder } from "./gaussian-mixture.js";
import { type DataRows, symmetricEigen2 } from "./matrix.js";

export interface MixturePlotOptions {
  /** Title above the plot. */
  title?: string;
  /** Axis titles (default "x1", "x2", or the column indices). */
  xLabel?: string;
  yLabel?: string;
  /** The two columns of X to draw (default [0, 1]); the ellipses are the marginal covariances. */
  columns?: [number, number];
  /** Ellipse radii in standard deviations (default [1, 2]). */
  sigmas?: number[];
  /** Component of each point (default: most probable under the parameters). */
  labels?: ArrayLike<number>;
  /** Plot size in pixels (default 420 x 320). */
  width?: number;
  height?: number;
  /** Segments per ellipse outline (default 96). */
  ellipseSegments?: number;
}

/** One panel of a multi-panel figure. */
export interface MixturePanel {
  X: DataRows;
  params: MixtureParameters;
  options?: MixturePlotOptions;
}

type Row = Record<string, number | string>;

/** 2x2 marginal covariance [[a, b], [b, c]] of component k on columns (p, q). */
export function marginalCovariance(
  type: CovarianceType,
  covariances: unknown,
  k: number,
  p: number,
  q: number,
): [number, number, number] {
  switch (type) {
    case "full": {
      const c = (covariances as number[][][])[k];
      return [c[p][p], c[p][q], c[q][q]];
    }
    case "tied": {
      const c = covariances as number[][];
      return [c[p][p], c[p][q], c[q][q]];
    }
    case "diag": {
      const c = (covariances as number[][])[k];
      return [c[p], 0, c[q]];
    }
    default: {
      const v = (covariances as number[])[k];
      return [v, 0, v];
    }
  }
}

/**
 * Outline of the ellipse {x : (x - m)^T S^-1 (x - m) = sigma^2}: the unit circle scaled by
 * sigma * sqrt(eigenvalue) along each eigenvector of S. Returns segments + 1 points (closed).
 */
export function ellipseOutline(
  center: [number, number],
  covariance: [number, number, number],
  sigma: number,
  segments = 96,
): Array<[number, number]> {
  const { values, vectors } = symmetricEigen2(covariance[0], covariance[1], covariance[2]);
  const r1 = sigma * Math.sqrt(Math.max(values[0], 0));
  const r2 = sigma * Math.sqrt(Math.max(values[1], 0));
  const points: Array<[number, number]> = [];
  for (let i = 0; i <= segments; i++) {
    const t = (2 * Math.PI * i) / segments;
    const u = r1 * Math.cos(t);
    const v = r2 * Math.sin(t);
    points.push([center[0] + u * vectors[0][0] + v * vectors[1][0], center[1] + u * vectors[0][1] + v * vectors[1][1]]);
  }
  return points;
}

/** The Vega-Lite layer spec (without `$schema`) of one mixture plot. */
export function mixturePlotSpec(X: DataRows, params: MixtureParameters, options: MixturePlotOptions = {}): Record<string, unknown> {
  const [p, q] = options.columns ?? [0, 1];
  const d = X.length > 0 ? X[0].length : 0;
  if (d < 2) throw new RangeError(`A mixture plot needs at least 2 columns of data, got ${d}`);
  if (!(p >= 0 && p < d && q >= 0 && q < d && p !== q)) throw new RangeError(`Plot columns [${p}, ${q}] are not two distinct columns of ${d}`);
  const K = params.weights.length;
  const labels = options.labels ?? responsibilitiesUnder(params, X).labels;
  const sigmas = options.sigmas ?? [1, 2];
  const xLabel = options.xLabel ?? `x${p + 1}`;
  const yLabel = options.yLabel ?? `x${q + 1}`;
  const componentName = (k: number): string => `component ${k}`;
  const sigmaName = (s: number): string => `${s}σ`;

  const points: Row[] = [];
  for (let i = 0; i < X.length; i++) points.push({ x: X[i][p], y: X[i][q], component: componentName(labels[i]) });
  const outlines: Row[] = [];
  const centers: Row[] = [];
  for (let k = 0; k < K; k++) {
    const center: [number, number] = [params.means[k][p], params.means[k][q]];
    centers.push({ x: center[0], y: center[1], component: componentName(k), weight: params.weights[k] });
    const cov = marginalCovariance(params.covarianceType, params.covariances, k, p, q);
    for (const sigma of sigmas) {
      ellipseOutline(center, cov, sigma, options.ellipseSegments ?? 96).forEach(([x, y], order) => {
        outlines.push({ x, y, order, component: componentName(k), ellipse: `${k}-${sigma}`, sigma: sigmaName(sigma) });
      });
    }
  }

  const x = { field: "x", type: "quantitative", title: xLabel, scale: { zero: false } };
  const y = { field: "y", type: "quantitative", title: yLabel, scale: { zero: false } };
  const color = {
    field: "component",
    type: "nominal",
    title: "component",
    scale: { domain: Array.from({ length: K }, (_, k) => componentName(k)) },
  };
  const spec: Record<string, unknown> = {
    width: options.width ?? 420,
    height: options.height ?? 320,
    layer: [
      {
        data: { values: points },
        mark: { type: "point", filled: true, size: 28, opacity: 0.65 },
        encoding: { x, y, color },
      },
      {
        data: { values: outlines },
        mark: { type: "line", strokeWidth: 2, clip: true },
        encoding: {
          x,
          y,
          color,
          detail: { field: "ellipse", type: "nominal" },
          order: { field: "order", type: "quantitative" },
          strokeDash: {
            field: "sigma",
            type: "nominal",
            title: "ellipse",
            scale: { domain: sigmas.map(sigmaName), range: sigmas.map((_, i) => (i === 0 ? [1, 0] : [6, 4])) },
          },
        },
      },
      {
        data: { values: centers },
        mark: { type: "point", shape: "cross", size: 160, filled: true, color: "black" },
        encoding: { x, y },
      },
    ],
  };
  if (options.title !== undefined) spec.title = options.title;
  return spec;
}

/** Renders any Vega-Lite spec to an SVG string in Node. */
export async function renderVegaLiteSvg(spec: Record<string, unknown>): Promise<string> {
  const [vl, vega] = await Promise.all([import("vega-lite"), import("vega")]);
  const full = { $schema: "https://vega.github.io/schema/vega-lite/v6.json", ...spec } as TopLevelSpec;
  const view = new vega.View(vega.parse(vl.compile(full).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** SVG of the data coloured by component, with each component's 1- and 2-sigma ellipses and means. */
export async function plotMixture(X: DataRows, params: MixtureParameters, options: MixturePlotOptions = {}): Promise<string> {
  return renderVegaLiteSvg({ background: "white", ...mixturePlotSpec(X, params, options) });
}

/** SVG of several mixture plots in a grid (e.g. EM iterations), `columns` per row (default 3). */
export async function plotMixturePanels(
  panels: readonly MixturePanel[],
  layout: { columns?: number; title?: string } = {},
): Promise<string> {
  if (panels.length === 0) throw new RangeError("plotMixturePanels needs at least one panel");
  const spec: Record<string, unknown> = {
    background: "white",
    columns: layout.columns ?? 3,
    concat: panels.map((panel) => mixturePlotSpec(panel.X, panel.params, { width: 260, height: 200, ...panel.options })),
    resolve: { scale: { color: "shared", strokeDash: "shared" } },
  };
  if (layout.title !== undefined) spec.title = layout.title;
  return renderVegaLiteSvg(spec);
}
