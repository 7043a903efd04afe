/**
 * `adc transform --watch`: transform once, then again whenever a `.ts` file under the inputs changes.
 * A run with diagnostics prints them and writes nothing (as without --watch); the watcher keeps going,
 * so fixing the file regenerates the output.
 */
import { watch, statSync, type FSWatcher } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { runTransform, type Io, type TransformOptions } from "./transform.js";

export interface WatchOptions extends Omit<TransformOptions, "check"> {
  /** Quiet time after the last change before regenerating: editors write a file in several steps. */
  readonly debounceMs?: number;
}

export interface TransformWatcher {
  /** Resolves after each completed run with its exit code (0 written, 1 diagnostics, 2 usage). */
  readonly runs: AsyncIterable<number>;
  close(): void;
}

const isSource = (name: string): boolean => name.endsWith(".ts") && !name.endsWith(".d.ts");

/** Start watching; the first run happens at once. Returns a handle whose close() stops everything. */
export function watchTransform(inputs: readonly string[], options: WatchOptions, io: Io): TransformWatcher {
  const cwd = options.cwd ?? process.cwd();
  const debounceMs = options.debounceMs ?? 100;
  const watchers: FSWatcher[] = [];
  const results: number[] = [];
  let waiting: ((code: number | undefined) => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const publish = (code: number | undefined): void => {
    if (waiting !== undefined) {
      const w = waiting;
      waiting = undefined;
      w(code);
    } else if (code !== undefined) results.push(code);
  };

  const transform = (): void => {
    if (closed) return;
    let code: number;
    try {
      code = runTransform(inputs, { out: options.out, cwd }, io);
    } catch (e) {
      io.stderr(`adc transform --watch: ${(e as Error).stack ?? String(e)}`);
      code = 1;
    }
    io.stdout(`adc transform --watch: watching ${inputs.join(" ")} for changes`);
    publish(code);
  };

  const schedule = (): void => {
    if (closed) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      transform();
    }, debounceMs);
  };

  for (const input of inputs) {
    const path = resolve(cwd, input);
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      continue; // runTransform reports the missing input
    }
    // A file is watched through its folder: editors replace files by renaming, which ends a file watch.
    const [dir, only] = isDir ? [path, undefined] : [dirname(path), basename(path)];
    const watcher = watch(dir, { recursive: isDir }, (_event, name) => {
      const file = name === null ? undefined : String(name);
      if (file === undefined || (only !== undefined ? basename(file) === only : isSource(file))) schedule();
    });
    watcher.on("error", (e) => io.stderr(`adc transform --watch: cannot watch ${input}: ${e.message}`));
    watchers.push(watcher);
  }
  transform();

  return {
    runs: {
      [Symbol.asyncIterator]: () => ({
        next: (): Promise<IteratorResult<number>> => {
          if (results.length > 0) return Promise.resolve({ value: results.shift()!, done: false });
          if (closed) return Promise.resolve({ value: undefined, done: true });
          return new Promise((r) => {
            waiting = (code) => r(code === undefined ? { value: undefined, done: true } : { value: code, done: false });
          });
        },
      }),
    },
    close: () => {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      for (const w of watchers) w.close();
      publish(undefined);
    },
  };
}
