import { Checkpoints } from "./revolve.js";

/**
 * The tape of reverse mode: the values the reverse sweep needs and the forward sweep overwrites, the
 * control path (branch taken, trip counts) and references to arrays a loop reallocates. Three stacks,
 * preallocated and grown by doubling, so that pushing and popping never allocates in the steady state.
 * Generated code pushes in the forward sweep and pops in the same order reversed, so a call of a
 * derivative leaves the tape as it found it and calls nest (callees, recursion) without bookkeeping.
 */
export class Tape {
  private values: Float64Array;
  private valueTop = 0;
  private controls: Int32Array;
  private controlTop = 0;
  private readonly arrays: unknown[] = [];
  private arrayTop = 0;
  /** High-water marks of the three stacks since the last `resetPeak`. */
  private valuePeak = 0;
  private controlPeak = 0;
  private arrayPeak = 0;

  constructor(initialValues = 1 << 16, initialControls = 1 << 12) {
    this.values = new Float64Array(initialValues);
    this.controls = new Int32Array(initialControls);
  }

  /** Save a number the forward sweep is about to overwrite. */
  push(value: number): void {
    if (this.valueTop === this.values.length) this.values = grow(this.values, new Float64Array(this.values.length * 2));
    this.values[this.valueTop++] = value;
    if (this.valueTop > this.valuePeak) this.valuePeak = this.valueTop;
  }

  pop(): number {
    return this.values[--this.valueTop];
  }

  /** Save every element of an array a callee is about to overwrite. */
  pushAll(array: ArrayLike<number>): void {
    const n = array.length;
    if (this.valueTop + n > this.values.length) this.reserve(n);
    // A plain loop: the arrays saved this way are short (a callee's work vector), where set() costs more.
    const values = this.values;
    const top = this.valueTop;
    for (let i = 0; i < n; i++) values[top + i] = array[i];
    this.valueTop = top + n;
    if (this.valueTop > this.valuePeak) this.valuePeak = this.valueTop;
  }

  private reserve(n: number): void {
    let size = this.values.length * 2;
    while (this.valueTop + n > size) size *= 2;
    this.values = grow(this.values, new Float64Array(size));
  }

  /** Restore an array saved by `pushAll`, in place. */
  popAll(array: { length: number; [i: number]: number }): void {
    const n = array.length;
    this.valueTop -= n;
    // A loop, not `set(subarray(...))`: no view object per call.
    const values = this.values;
    const top = this.valueTop;
    for (let i = 0; i < n; i++) array[i] = values[top + i];
  }

  /** Save a branch taken (0 or 1) or a trip count. */
  pushControl(value: number): void {
    if (this.controlTop === this.controls.length) this.controls = grow(this.controls, new Int32Array(this.controls.length * 2));
    this.controls[this.controlTop++] = value;
    if (this.controlTop > this.controlPeak) this.controlPeak = this.controlTop;
  }

  popControl(): number {
    return this.controls[--this.controlTop];
  }

  /** Save the array a variable refers to before the variable is made to refer to another one. */
  pushArray(array: unknown): void {
    this.arrays[this.arrayTop++] = array;
    if (this.arrayTop > this.arrayPeak) this.arrayPeak = this.arrayTop;
  }

  popArray<T>(): T {
    const array = this.arrays[--this.arrayTop] as T;
    this.arrays[this.arrayTop] = undefined;
    return array;
  }

  /** A value of another type (a boolean, a string, an object) a variable held: kept by reference, as arrays are. */
  pushValue(value: unknown): void {
    this.pushArray(value);
  }

  popValue<T>(): T {
    return this.popArray<T>();
  }

  /** Forward over reverse (Hessians): a value and its tangent travel together. */
  pushDual(value: number, tangent: number): void {
    this.push(value);
    this.push(tangent);
  }

  /** Restores a value and its tangent (the arguments name what is restored, for readers; unused). */
  popDual(..._restored: unknown[]): [number, number] {
    const tangent = this.pop();
    return [this.pop(), tangent];
  }

  pushArrayDual(array: unknown, tangent: unknown): void {
    this.pushArray(array);
    this.pushArray(tangent);
  }

  popArrayDual<T>(_array: T, ..._restored: unknown[]): [T, T] {
    const tangent = this.popArray<T>();
    return [this.popArray<T>(), tangent];
  }

  pushAllDual(array: ArrayLike<number>, tangent: ArrayLike<number>): void {
    this.pushAll(array);
    this.pushAll(tangent);
  }

  popAllDual(array: { length: number; [i: number]: number }, tangent: { length: number; [i: number]: number }): void {
    this.popAll(tangent);
    this.popAll(array);
  }

  /**
   * Whether every entry is 0: a callee's reverse half whose incoming adjoints all are has nothing to
   * accumulate and returns at once (the tape is where generated code finds the runtime).
   */
  allZero(values: ArrayLike<number>): boolean {
    for (let i = 0; i < values.length; i++) if (values[i] !== 0) return false;
    return true;
  }

  /**
   * The schedule and snapshots of a loop marked `// @checkpoint` (revolve.ts): iterations from index
   * `first` by `step`, `steps` of them, taped `segment` at a time, at most `snapshots` states stored
   * besides the last segment's.
   */
  checkpoints(first: number, step: number, steps: number, snapshots: number, segment = 1): Checkpoints {
    return new Checkpoints(first, step, steps, snapshots, segment);
  }

  /** A checkpointed loop's schedule kept from the forward sweep (`pushValue`) for its reverse. */
  popCheckpoints(): Checkpoints {
    return this.popValue<Checkpoints>();
  }

  /** Bytes in use now: 8 per value, 4 per control, 8 per array reference. */
  bytesInUse(): number {
    return this.valueTop * 8 + this.controlTop * 4 + this.arrayTop * 8;
  }

  /** The most bytes in use since the last `resetPeak` (each stack's high-water mark). */
  peakBytes(): number {
    return this.valuePeak * 8 + this.controlPeak * 4 + this.arrayPeak * 8;
  }

  resetPeak(): void {
    this.valuePeak = this.valueTop;
    this.controlPeak = this.controlTop;
    this.arrayPeak = this.arrayTop;
  }

  /** Whether every push has been popped (for tests). */
  isEmpty(): boolean {
    return this.valueTop === 0 && this.controlTop === 0 && this.arrayTop === 0;
  }

  /** Capacity allocated, in bytes. */
  capacityBytes(): number {
    return this.values.byteLength + this.controls.byteLength + this.arrays.length * 8;
  }
}

function grow<T extends Float64Array | Int32Array>(old: T, bigger: T): T {
  bigger.set(old);
  return bigger;
}

/** The tape generated derivative code uses. */
export const tape = new Tape();
