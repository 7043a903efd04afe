/**
 * An n-body step over records: three bodies `{ x, y, z, vx, vy, vz, m }` (a fixed set of record
 * parameters: adc-ts does not differentiate arrays of records yet), copied into local records, moved
 * `steps` symplectic Euler steps under gravity, and the system's energy at the end. `npm run bench`
 * times f, its gradient (every field of every body and dt) and one forward direction.
 */
export interface Body {
  x: number;
  y: number;
  z: number;
  vx: number;
  vy: number;
  vz: number;
  m: number;
}

/** Pairwise pulls (equal and opposite) each step, then the moves; the energy at the end. */
/** @differentiable wrt=a0,b0,c0,dt */
export function nbodyEnergy(a0: Body, b0: Body, c0: Body, dt: number, steps: number): number {
  const a = { x: a0.x, y: a0.y, z: a0.z, vx: a0.vx, vy: a0.vy, vz: a0.vz, m: a0.m };
  const b = { x: b0.x, y: b0.y, z: b0.z, vx: b0.vx, vy: b0.vy, vz: b0.vz, m: b0.m };
  const c = { x: c0.x, y: c0.y, z: c0.z, vx: c0.vx, vy: c0.vy, vz: c0.vz, m: c0.m };
  for (let s = 0; s < steps; s++) {
    // a and b
    let dx = a.x - b.x;
    let dy = a.y - b.y;
    let dz = a.z - b.z;
    let d2 = dx * dx + dy * dy + dz * dz;
    let mag = dt / (d2 * Math.sqrt(d2));
    a.vx -= dx * b.m * mag;
    a.vy -= dy * b.m * mag;
    a.vz -= dz * b.m * mag;
    b.vx += dx * a.m * mag;
    b.vy += dy * a.m * mag;
    b.vz += dz * a.m * mag;
    // a and c
    dx = a.x - c.x;
    dy = a.y - c.y;
    dz = a.z - c.z;
    d2 = dx * dx + dy * dy + dz * dz;
    mag = dt / (d2 * Math.sqrt(d2));
    a.vx -= dx * c.m * mag;
    a.vy -= dy * c.m * mag;
    a.vz -= dz * c.m * mag;
    c.vx += dx * a.m * mag;
    c.vy += dy * a.m * mag;
    c.vz += dz * a.m * mag;
    // b and c
    dx = b.x - c.x;
    dy = b.y - c.y;
    dz = b.z - c.z;
    d2 = dx * dx + dy * dy + dz * dz;
    mag = dt / (d2 * Math.sqrt(d2));
    b.vx -= dx * c.m * mag;
    b.vy -= dy * c.m * mag;
    b.vz -= dz * c.m * mag;
    c.vx += dx * b.m * mag;
    c.vy += dy * b.m * mag;
    c.vz += dz * b.m * mag;
    a.x += dt * a.vx;
    a.y += dt * a.vy;
    a.z += dt * a.vz;
    b.x += dt * b.vx;
    b.y += dt * b.vy;
    b.z += dt * b.vz;
    c.x += dt * c.vx;
    c.y += dt * c.vy;
    c.z += dt * c.vz;
  }
  const kinetic = 0.5 * (a.m * (a.vx * a.vx + a.vy * a.vy + a.vz * a.vz) + b.m * (b.vx * b.vx + b.vy * b.vy + b.vz * b.vz) + c.m * (c.vx * c.vx + c.vy * c.vy + c.vz * c.vz));
  const ab = Math.sqrt((a.x - b.x) ** 2 + (a.y - b.y) ** 2 + (a.z - b.z) ** 2);
  const ac = Math.sqrt((a.x - c.x) ** 2 + (a.y - c.y) ** 2 + (a.z - c.z) ** 2);
  const bc = Math.sqrt((b.x - c.x) ** 2 + (b.y - c.y) ** 2 + (b.z - c.z) ** 2);
  return kinetic - (a.m * b.m) / ab - (a.m * c.m) / ac - (b.m * c.m) / bc;
}
