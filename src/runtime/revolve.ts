/**
 * Binomial checkpointing (Griewank and Walther's revolve, ACM TOMS Algorithm 799) for loops a user
 * marks `// @checkpoint`: the reverse of `steps` iterations with at most `snapshots` stored states,
 * recomputing the others from the nearest snapshot. For the repetition number r with
 * β(c, r − 1) < steps <= β(c, r), β(c, r) = C(c + r, c), the schedule runs r·steps − β(c + 1, r − 1)
 * iterations forward in all (the fewest any schedule with c snapshots can) besides the `steps` it tapes.
 *
 * `Revolve` is the schedule alone; `Checkpoints` (what generated code holds, from `tape.checkpoints`)
 * adds the snapshots and speaks in loop indices.
 */

/** What the schedule asks for next (Algorithm 799's actions). */
export type RevolveAction = "advance" | "takeshot" | "restore" | "firstturn" | "youturn" | "terminate";

export class Revolve {
  /** The state (iteration number) the caller holds now; after "advance", run from `oldcapo` to `capo`. */
  capo = 0;
  oldcapo = 0;
  /** The slot of the latest snapshot: "takeshot" stores state `capo` there, "restore" reads it; -1 none. */
  check = -1;
  /** The end of the range still to reverse. */
  private fine: number;
  /** The state held in each slot. */
  private readonly stored: Int32Array;
  private turned = false;

  constructor(
    readonly steps: number,
    readonly snapshots: number,
  ) {
    if (!Number.isInteger(steps) || steps < 0 || steps > 0x7fffffff) throw new RangeError(`revolve: ${steps} steps (a trip count must be a non-negative integer)`);
    if (!Number.isInteger(snapshots) || snapshots < 1) throw new RangeError(`revolve: ${snapshots} snapshots (at least 1)`);
    this.fine = steps;
    this.stored = new Int32Array(snapshots);
  }

  next(): RevolveAction {
    this.oldcapo = this.capo;
    const left = this.fine - this.capo;
    if (left === 0) {
      // The iteration before `fine` has been reversed: go back to the latest snapshot, unless done.
      if (this.check === -1 || this.capo === this.stored[this.check]) {
        this.check -= 1;
        return "terminate";
      }
      this.capo = this.stored[this.check];
      return "restore";
    }
    if (left === 1) {
      // Tape iteration `capo` and reverse it; the snapshot of its state is needed no more.
      this.fine -= 1;
      if (this.check >= 0 && this.stored[this.check] === this.capo) this.check -= 1;
      if (!this.turned) {
        this.turned = true;
        return "firstturn";
      }
      return "youturn";
    }
    if (this.check === -1 || this.stored[this.check] !== this.capo) {
      this.check += 1;
      this.stored[this.check] = this.capo;
      return "takeshot";
    }
    // Advance as far as the binomial bounds allow with the snapshots left.
    const free = this.snapshots - this.check;
    let reps = 0;
    let range = 1;
    while (range < left) {
      reps += 1;
      range = (range * (reps + free)) / reps;
    }
    const bino1 = (range * reps) / (free + reps);
    const bino2 = free > 1 ? (bino1 * free) / (free + reps - 1) : 1;
    const bino3 = free === 1 ? 0 : free > 2 ? (bino2 * (free - 1)) / (free + reps - 2) : 1;
    const bino4 = (bino2 * (reps - 1)) / free;
    const bino5 = free < 3 ? 0 : free > 3 ? (bino3 * (free - 2)) / reps : 1;
    if (left <= bino1 + bino3) this.capo += bino4;
    else if (left >= range - bino5) this.capo += bino1;
    else this.capo = this.fine - bino2 - bino3;
    if (this.capo === this.oldcapo) this.capo = this.oldcapo + 1;
    return "advance";
  }
}

/** The forward sweep's actions: store the state, or run iterations `from` to `to` (loop indices). */
export type ForwardAction = "takeshot" | "advance" | "done";
/** The reverse sweep's: also reload a snapshot, and tape and reverse the iteration at index `from`. */
export type ReverseAction = "takeshot" | "restore" | "advance" | "turn" | "done";

/**
 * A checkpointed loop `for (i = first; ...; i += step)` of `steps` iterations, as generated code
 * drives it, in segments of `segment` iterations (revolve's steps; the last may be shorter). The
 * forward sweep runs every iteration untaped, saving the state (`save`, `saveAll`) at the schedule's
 * snapshots, and before the last segment into one slot more; the reverse sweep then reloads states
 * (`load`, `loadAll`, in the order saved), runs iterations forward again, and tapes and reverses one
 * segment at a time, last first. The state is the same numbers at every snapshot.
 */
export class Checkpoints {
  /** After "advance" and "turn": the loop indices to run, from `from` while not reaching `to` (a turn's segment). */
  from = 0;
  to = 0;
  private readonly schedule: Revolve;
  private values = new Float64Array(64);
  /** Numbers per snapshot, known once the first has been saved (-1 before). */
  private width = -1;
  /** Where the next save or load goes. */
  private cursor = 0;
  /** The slot being saved into before `width` was known (its numbers wait at the start). */
  private firstSlot = -1;
  /** 0: schedule running; 1: the last iteration's state saved, it runs next; 2: forward done; 3: its reverse starts with that state. */
  private phase = 0;

  constructor(
    readonly first: number,
    readonly step: number,
    steps: number,
    snapshots: number,
    readonly segment = 1,
  ) {
    if (!Number.isInteger(segment) || segment < 1) throw new RangeError(`revolve: segments of ${segment} iterations (at least 1)`);
    this.iterations = steps > 0 ? steps : 0;
    this.schedule = new Revolve(Math.ceil(this.iterations / segment), snapshots);
  }

  /** The loop's trip count. */
  readonly iterations: number;

  /** Revolve's steps: the segments. */
  get steps(): number {
    return this.schedule.steps;
  }

  /** Revolve's own counters (advances are the iterations run untaped), for tests and benchmarks. */
  get revolve(): Revolve {
    return this.schedule;
  }

  forward(): ForwardAction {
    this.settle();
    if (this.phase === 1) {
      this.phase = 2;
      return this.advance(this.schedule.capo, this.schedule.capo + 1);
    }
    if (this.phase === 2) return "done";
    const action = this.schedule.next();
    switch (action) {
      case "takeshot":
        return this.startSave(this.schedule.check);
      case "advance":
        return this.advance(this.schedule.oldcapo, this.schedule.capo);
      case "firstturn":
        // The last iteration: its state goes into the slot past the schedule's, and it runs untaped.
        this.phase = 1;
        return this.startSave(this.schedule.snapshots);
      case "terminate":
        this.phase = 2;
        return "done";
      default:
        throw new Error(`revolve: ${action} in the forward sweep`);
    }
  }

  reverse(): ReverseAction {
    this.settle();
    if (this.phase === 2) {
      if (this.schedule.steps === 0) return "done";
      this.phase = 3;
      this.cursor = this.slot(this.schedule.snapshots);
      return "restore";
    }
    if (this.phase === 3) {
      this.phase = 0;
      return this.turn(this.schedule.capo);
    }
    const action = this.schedule.next();
    switch (action) {
      case "takeshot":
        return this.startSave(this.schedule.check);
      case "restore":
        this.cursor = this.slot(this.schedule.check);
        return "restore";
      case "advance":
        return this.advance(this.schedule.oldcapo, this.schedule.capo);
      case "youturn":
        return this.turn(this.schedule.capo);
      case "terminate":
        return "done";
      default:
        throw new Error(`revolve: ${action} in the reverse sweep`);
    }
  }

  save(value: number): void {
    if (this.cursor === this.values.length) this.grow(this.cursor + 1);
    this.values[this.cursor++] = value;
  }

  saveAll(array: ArrayLike<number>): void {
    const n = array.length;
    if (this.cursor + n > this.values.length) this.grow(this.cursor + n);
    const values = this.values;
    const at = this.cursor;
    for (let i = 0; i < n; i++) values[at + i] = array[i];
    this.cursor = at + n;
  }

  load(): number {
    return this.values[this.cursor++];
  }

  loadAll(array: { length: number; [i: number]: number }): void {
    const n = array.length;
    const values = this.values;
    const at = this.cursor;
    for (let i = 0; i < n; i++) array[i] = values[at + i];
    this.cursor = at + n;
  }

  /** Bytes the snapshots take. */
  bytes(): number {
    return this.values.byteLength;
  }

  /** The loop index at the start of segment k. */
  private index(k: number): number {
    return this.first + Math.min(k * this.segment, this.iterations) * this.step;
  }

  private advance(from: number, to: number): "advance" {
    this.from = this.index(from);
    this.to = this.index(to);
    return "advance";
  }

  private turn(k: number): "turn" {
    this.from = this.index(k);
    this.to = this.index(k + 1);
    return "turn";
  }

  private slot(k: number): number {
    return k * this.width;
  }

  private startSave(k: number): "takeshot" {
    if (this.width < 0) {
      this.firstSlot = k;
      this.cursor = 0;
    } else this.cursor = this.slot(k);
    return "takeshot";
  }

  /** After the first snapshot: its size is the width, and it moves to its slot. */
  private settle(): void {
    if (this.width >= 0 || this.firstSlot < 0) return;
    this.width = this.cursor;
    const at = this.slot(this.firstSlot);
    const end = this.slot(this.schedule.snapshots + 1);
    if (end > this.values.length) this.grow(end);
    this.values.copyWithin(at, 0, this.width);
  }

  private grow(size: number): void {
    let n = this.values.length * 2;
    while (n < size) n *= 2;
    const bigger = new Float64Array(n);
    bigger.set(this.values);
    this.values = bigger;
  }
}
