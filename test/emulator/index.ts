import { EmulatorCore } from "./core.ts";
import { checkIdentityPolicy } from "./identity-policy.ts";
import { type HttpFront, startHttp } from "./server.ts";
import type { State } from "./state.ts";
import type { Emulator, EmulatorOptions } from "./types.ts";

export { EmulatorControl } from "./control.ts";
export { DEFAULT_CREDENTIALS } from "./core.ts";
export { EmulatorError } from "./errors.ts";
export { AWS_MANAGED_POLICY_ARNS, managedPolicyArns } from "./iam.ts";
export type { IdentityPolicy } from "./identity-policy.ts";
export { IAM_SIGNING_REGION, partitionOf } from "./partition.ts";
export { sign } from "./sigv4.ts";
export type * from "./types.ts";

/** Starts an emulator on 127.0.0.1 (opts.port, default any free port); every instance owns its own state. */
export function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  return launch(opts);
}

/** An emulator whose state starts as a deep copy of `seed` when given (see Emulator.fork). */
async function launch(opts: EmulatorOptions, seed?: State): Promise<Emulator> {
  const core = new EmulatorCore(opts);
  if (seed !== undefined) core.state.copyFrom(seed);
  let http: HttpFront | undefined;
  let stopped: Promise<void> | undefined;
  const emulator: Emulator = {
    url: "",
    stop: () => (stopped ??= http?.close() ?? Promise.resolve()),
    calls: () => core.calls(),
    clearCalls: () => core.clearCalls(),
    mutatingCalls: () => core.calls().filter((c) => c.mutating),
    inject: (fault) => core.faults.inject(fault),
    clearFaults: () => core.faults.clear(),
    deny: (action) => core.denied.deny(action),
    allow: (action) => core.denied.allow(action),
    setIdentityPolicy: (policy) => {
      core.identityPolicy = policy && checkIdentityPolicy(policy);
    },
    rateLimit: (service, perSecond, burst) => core.limits.set(service, perSecond, burst),
    clearRateLimits: () => core.limits.clear(),
    registerManagedInstance: (input) => core.registerManagedInstance(input),
    registerContainerInstance: (input) => core.registerContainerInstance(input),
    get state() {
      return core.snapshot();
    },
    setNextActivationCode: (code) => core.setNextActivationCode(code),
    setDelays: (delays) => core.setDelays(delays),
    setRunningTasks: (arn, count) => core.setRunningTasks(arn, count),
    // Same options (its own port), no call log, faults, limits or deny list: only the resources are copied.
    fork: () => launch({ ...opts, port: 0 }, core.state),
  };
  http = await startHttp(
    emulator,
    (req) => core.handle(req),
    opts.port ?? 0,
    opts.keepAliveTimeoutMs,
    opts.peers,
  );
  emulator.url = http.url;
  return emulator;
}
