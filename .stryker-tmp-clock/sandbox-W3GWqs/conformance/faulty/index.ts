/**
 * The faulty implementations the suite must catch, each breaking one rule,
 * and the toy implementation without faults.
 */
import type { Adapter } from "../src/adapter.js";
import { toy, type Faults } from "./toy.js";

/** A faulty implementation and the rule it breaks. */
export interface Faulty {
  /** Short name. */
  name: string;
  /** The rule it breaks. */
  breaks: string;
  /** The implementation. */
  adapter: Adapter;
}

const fault = (name: string, breaks: string, faults: Faults): Faulty => ({ name, breaks, adapter: toy(`toy with ${name}`, faults) });

/** Every faulty implementation. */
export const FAULTY: Faulty[] = [
  fault("mark-as-interval", "WE-MODEL-1: a mark is an absolute time", { markAsInterval: true }),
  fault("mark-order", "WE-FIRE-2: a pass runs in list order", { markOrder: true }),
  fault("fire-early", "WE-FIRE-1: due when now >= mark", { fireEarly: true }),
  fault("no-refire", "WE-CB-2: a rescheduled event runs again", { noRefire: true }),
  fault("fire-removed", "WE-CB-5: a removed event never runs", { fireRemoved: true }),
  fault("fire-while-buffered", "WE-MODEL-3: no event runs while input is buffered", { fireWhileBuffered: true }),
  fault("ignore-timeout", "WE-TIMEOUT-1: a read fails at its timeout", { ignoreTimeout: true }),
  fault("timeout-from-read-start", "WE-TIMEOUT-2: the timeout counts from the last input", { timeoutFromReadStart: true }),
  fault("added-same-pass", "WE-CB-6: events added during a pass wait for the next", { addedSamePass: true }),
  fault("null-keeps", "WE-CB-3: returning null removes the event", { nullKeeps: true }),
  fault("timeout-before-pass", "WE-TIMEOUT-3: events at the timeout instant run first", { timeoutBeforePass: true }),
  fault("pass-before-input", "WE-FIRE-6: input at the mark is returned first", { passBeforeInput: true }),
  fault("nonblocking-no-pass", "WE-NB-1: a non-blocking read runs one pass", { nonBlockingNoPass: true }),
  fault("select-ignores-deadlines", "WE-SELECT-2: deadlines wake select", { selectIgnoresDeadlines: true }),
  fault("shared-events", "WE-MODEL-4: each stream runs only its own events", { sharedEvents: true }),
  fault("swallow-throws", "WE-CB-9: a failed callback fails the stream", { swallowThrows: true }),
  fault("flush-before-pass-only", "WE-FLUSH-1: what callbacks wrote is flushed before sleeping", { flushBeforePassOnly: true }),
];

/** The toy implementation without faults: it must pass every case. */
export const TOY: Adapter = toy("toy without faults");
