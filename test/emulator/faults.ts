import { EmulatorError } from "./errors.ts";
import { type Fault, SERVICE_NAMES, type ServiceName } from "./types.ts";

/** Injected faults, consumed in injection order; each call takes at most one. */
export class FaultBook {
  private faults: Fault[] = [];

  inject(fault: Fault): void {
    validateFault(fault);
    this.faults.push({ ...fault });
  }

  clear(): void {
    this.faults = [];
  }

  /** The first fault matching the call, with one use consumed. */
  take(service: ServiceName, action: string): Fault | undefined {
    const fault = this.faults.find((f) => f.times > 0 && matches(f, service, action));
    if (fault === undefined) return undefined;
    fault.times -= 1;
    this.faults = this.faults.filter((f) => f.times > 0);
    return { ...fault };
  }
}

function matches(fault: Fault, service: ServiceName, action: string): boolean {
  let wanted = fault.action;
  let wantedService = fault.service;
  const colon = wanted.indexOf(":");
  if (colon >= 0) {
    wantedService = wanted.slice(0, colon);
    wanted = wanted.slice(colon + 1);
  }
  if (wantedService !== undefined && wantedService !== service) return false;
  return wanted === "*" || wanted === action;
}

export function validateFault(fault: Fault): void {
  const kinds = ["throttle", "server-error", "reset", "latency"];
  if (typeof fault !== "object" || fault === null)
    throw new EmulatorError("InvalidFault", "fault must be an object");
  if (typeof fault.action !== "string" || fault.action === "") {
    throw new EmulatorError("InvalidFault", "fault.action must be an action name or *");
  }
  if (!kinds.includes(fault.kind)) {
    throw new EmulatorError("InvalidFault", `fault.kind must be one of ${kinds.join(", ")}`);
  }
  if (fault.service !== undefined && !SERVICE_NAMES.includes(fault.service as ServiceName)) {
    throw new EmulatorError("InvalidFault", `fault.service must be one of ${SERVICE_NAMES.join(", ")}`);
  }
  if (!Number.isInteger(fault.times) || fault.times < 1) {
    throw new EmulatorError("InvalidFault", "fault.times must be a positive integer");
  }
  if (fault.kind === "latency" && !(typeof fault.latencyMs === "number" && fault.latencyMs >= 0)) {
    throw new EmulatorError("InvalidFault", "a latency fault needs latencyMs >= 0");
  }
}

interface Bucket {
  perSecond: number;
  burst: number;
  tokens: number;
  at: number;
}

/** One token bucket per service; refilled with real (monotonic) time so a fake `now` cannot freeze it. */
export class RateLimiter {
  private readonly buckets = new Map<ServiceName, Bucket>();
  private readonly clock: () => number;

  constructor(clock: () => number = () => performance.now()) {
    this.clock = clock;
  }

  set(service: ServiceName, perSecond: number, burst: number): void {
    if (!(perSecond >= 0) || !(burst >= 1) || !Number.isFinite(perSecond) || !Number.isFinite(burst)) {
      throw new EmulatorError("InvalidRateLimit", "perSecond must be >= 0 and burst >= 1 (finite numbers)");
    }
    this.buckets.set(service, { perSecond, burst, tokens: burst, at: this.clock() });
  }

  clear(): void {
    this.buckets.clear();
  }

  /** false when the service's bucket is empty. */
  tryTake(service: ServiceName): boolean {
    const b = this.buckets.get(service);
    if (b === undefined) return true;
    const t = this.clock();
    b.tokens = Math.min(b.burst, b.tokens + ((t - b.at) / 1000) * b.perSecond);
    b.at = t;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}

/** Explicitly denied IAM actions ("iam:CreateRole", "iam:*" or "*"), matched case-insensitively. */
export class DenyList {
  private readonly denied = new Set<string>();

  deny(action: string): void {
    this.denied.add(normalizeAction(action));
  }

  allow(action: string): void {
    this.denied.delete(normalizeAction(action));
  }

  isDenied(action: string): boolean {
    const a = normalizeAction(action);
    const service = a.slice(0, a.indexOf(":"));
    return this.denied.has(a) || this.denied.has(`${service}:*`) || this.denied.has("*");
  }
}

function normalizeAction(action: string): string {
  if (typeof action !== "string" || (action !== "*" && !/^[a-z0-9-]+:[A-Za-z*]+$/i.test(action))) {
    throw new EmulatorError(
      "InvalidAction",
      `expected "service:Action" (e.g. iam:CreateRole), got ${String(action)}`,
    );
  }
  // IAM action names are case-insensitive.
  return action.toLowerCase();
}
