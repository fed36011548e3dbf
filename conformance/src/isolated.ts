/**
 * Runs cases in a worker thread that is replaced whenever a case hangs or
 * kills it: the CLI's way to survive any implementation.
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { ImplementationInfo } from "./adapter.js";
import type { LoadedCase } from "./case.js";
import type { Run } from "./interpreter.js";
import type { CaseExecutor } from "./runner.js";

/** The URL of tsx's ESM API, from the project that runs the CLI or from ours. */
function tsxApi(): string {
  for (const base of [`${process.cwd()}/`, import.meta.url]) {
    try {
      return pathToFileURL(createRequire(base).resolve("tsx/esm/api")).href;
    } catch {
      // Try the next place.
    }
  }
  throw new Error("an adapter written in TypeScript needs tsx installed (npm install --save-dev tsx), or compile it to JavaScript");
}

interface Pending {
  seq: number;
  resolve: (run: Run) => void;
}

/** A {@link CaseExecutor} backed by a worker thread that loads `modulePath`. */
export class IsolatedExecutor implements CaseExecutor {
  info: ImplementationInfo = { name: "?", version: "?", language: "?", profile: "core" };
  readonly #modulePath: string;
  #worker: Worker | null = null;
  #pending: Pending | null = null;
  #seq = 0;

  private constructor(modulePath: string) {
    this.#modulePath = modulePath;
  }

  /**
   * Starts a worker for the adapter module at `modulePath` and learns its info.
   * @throws Error when the module cannot be loaded or is no adapter.
   */
  static async start(modulePath: string): Promise<IsolatedExecutor> {
    const exec = new IsolatedExecutor(modulePath);
    exec.info = await exec.#spawn();
    return exec;
  }

  #spawn(): Promise<ImplementationInfo> {
    const fromSource = import.meta.url.endsWith(".ts");
    const url = new URL(fromSource ? "./worker.ts" : "./worker.js", import.meta.url).href;
    // TypeScript (our sources, or an adapter written in TS) needs tsx's loader, registered inside the worker.
    const needsTsx = fromSource || /\.[mc]?ts$/.test(this.#modulePath);
    const code = needsTsx
      ? `import(${JSON.stringify(tsxApi())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url)}); });`
      : `import(${JSON.stringify(url)});`;
    const worker = new Worker(code, { eval: true, workerData: { modulePath: this.#modulePath }, stderr: false, stdout: false });
    this.#worker = worker;
    return new Promise<ImplementationInfo>((resolve, reject) => {
      let started = false;
      worker.on("message", (msg: { info?: ImplementationInfo; seq?: number; run?: Run }) => {
        if (msg.info !== undefined) {
          started = true;
          resolve(msg.info);
          return;
        }
        const p = this.#pending;
        if (p !== null && msg.seq === p.seq && msg.run !== undefined) {
          this.#pending = null;
          p.resolve(msg.run);
        }
      });
      const died = (why: string): void => {
        if (this.#worker !== worker) return;
        this.#worker = null;
        if (!started) reject(new Error(why));
        const p = this.#pending;
        this.#pending = null;
        p?.resolve({ trace: [], crash: `crashed: ${why}` });
      };
      worker.on("error", (err) => died(`the implementation's thread failed: ${err.message}`));
      worker.on("exit", (code) => died(`the implementation's thread exited with code ${code}`));
    });
  }

  /** {@inheritDoc CaseExecutor.run} */
  async run(c: LoadedCase): Promise<Run> {
    if (this.#worker === null) await this.#spawn();
    const worker = this.#worker as Worker;
    const seq = ++this.#seq;
    return new Promise<Run>((resolve) => {
      this.#pending = { seq, resolve };
      const { source: _source, ...plain } = c;
      worker.postMessage({ seq, case: plain });
    });
  }

  /** Abandons a hung case: the worker is terminated and a fresh one starts on the next run. */
  async reset(): Promise<void> {
    const w = this.#worker;
    this.#worker = null;
    this.#pending = null;
    if (w !== null) await w.terminate();
  }

  /** Stops the worker. */
  async close(): Promise<void> {
    await this.reset();
  }
}
