import type { Clock } from "../../util/clock.ts";

/**
 * Client-side pacing of one service's calls, for a process that sends many calls to one service (a fleet's
 * activations). AWS meters APIs with token buckets per account and region (field notes §8.10): a burst, then a
 * steady rate, and a throttling error when the bucket is empty. Retrying a throttled call with jittered backoff (the SDK's
 * standard mode) spreads one caller's retries, but a caller with many calls in flight keeps the bucket empty and
 * most of its calls are refused. The pacer finds the rate instead and sends at it:
 *
 * - Unpaced until the service throttles a call: a process that is never throttled never waits.
 * - On a throttle, the rate becomes DECREASE x the answers of the last WINDOW_MS (what the bucket just gave),
 *   once per round: throttles of calls sent before the last decrease answered an older rate and change nothing.
 * - Each answered call then adds step / rate, so the rate creeps up by `step` calls/s per second of pacing (step:
 *   STEP_SHARE x the rate the decrease set, at least MIN_STEP) until the next throttle. The bucket saves what the
 *   client leaves unused while it climbs back, so the creep costs few throttles and little throughput.
 *
 * Calls are sent one at a time in order, at least 1/rate apart (no burst of its own). Every wait goes through the
 * clock port: AWS's buckets refill in real time, as the production clock runs.
 */
export const DECREASE = 0.8;
export const WINDOW_MS = 1000;
/** Never slower than one call every two seconds. */
export const MIN_RATE = 0.5;
/** The creep per second after a decrease, as a share of the rate it set; at least MIN_STEP calls/s per second. */
export const STEP_SHARE = 0.05;
export const MIN_STEP = 0.5;

export class Pacer {
  private rate: number | undefined;
  private step = MIN_STEP;
  private nextAt = 0;
  /** Turns are numbered in the order calls are sent; the last one sent before the last decrease. */
  private turns = 0;
  private lastTurnBeforeDecrease = 0;
  /** When the calls of the last WINDOW_MS were answered (bounded by what the service answers in a window). */
  private answered: number[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private readonly clock: Clock;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  /** Calls per second the pacer sends at; undefined while it is not pacing (nothing was throttled). */
  get callsPerSecond(): number | undefined {
    return this.rate;
  }

  /** Waits for the next call's turn; resolves with the turn's number, to hand back to `throttled`. */
  acquire(signal?: AbortSignal): Promise<number> {
    const turn = this.queue.then(async () => {
      if (this.rate !== undefined) {
        const wait = this.nextAt - this.now();
        if (wait > 0) await this.clock.sleep(wait, signal);
        this.nextAt = Math.max(this.now(), this.nextAt) + 1000 / this.rate;
      }
      this.turns += 1;
      return this.turns;
    });
    // A cancelled wait gives its turn to the next call.
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /** The service answered a call sent with `acquire` (with anything but throttling). */
  answeredCall(): void {
    const now = this.now();
    this.remember(now);
    if (this.rate !== undefined) this.rate += this.step / this.rate;
  }

  /** The service throttled the call sent in `turn` (acquire's answer). */
  throttled(turn: number): void {
    const now = this.now();
    if (turn <= this.lastTurnBeforeDecrease) return;
    this.remember(undefined);
    const achieved = this.answered.length * (1000 / WINDOW_MS);
    const base = this.rate === undefined ? achieved : Math.min(this.rate, achieved);
    this.rate = Math.max(MIN_RATE, DECREASE * base);
    this.step = Math.max(MIN_STEP, STEP_SHARE * this.rate);
    this.lastTurnBeforeDecrease = this.turns;
    // The bucket is empty now: the next call waits a full interval.
    this.nextAt = Math.max(this.nextAt, now + 1000 / this.rate);
  }

  /** Forgets answers older than the window; records one at `at` when given. */
  private remember(at: number | undefined): void {
    const now = this.now();
    const from = this.answered.findIndex((time) => now - time < WINDOW_MS);
    this.answered = from < 0 ? [] : from === 0 ? this.answered : this.answered.slice(from);
    if (at !== undefined) this.answered.push(at);
  }

  private now(): number {
    return this.clock.now().getTime();
  }
}
