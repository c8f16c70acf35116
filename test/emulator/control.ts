import { EmulatorError } from "./errors.ts";
import type { IdentityPolicy } from "./identity-policy.ts";
import type {
  CallRecord,
  DelaySettings,
  EmulatorState,
  Fault,
  RegisterContainerInstanceInput,
  RegisterManagedInstanceInput,
  ServiceName,
} from "./types.ts";

/** Typed client of the `/__emulator/*` control endpoints, for an emulator in another process (demo, bench). */
export class EmulatorControl {
  readonly url: string;

  /** `url` as printed by main.ts, e.g. http://127.0.0.1:4566 */
  constructor(url: string) {
    this.url = url.replace(/\/+$/, "");
  }

  private async request<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}/__emulator/${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as unknown;
    if (!res.ok) {
      const e = json as { code?: string; message?: string };
      throw new EmulatorError(e.code ?? "ControlError", e.message ?? `HTTP ${res.status}`, res.status);
    }
    return json as T;
  }

  health(): Promise<{ ok: boolean }> {
    return this.request("GET", "health");
  }
  calls(): Promise<CallRecord[]> {
    return this.request("GET", "calls");
  }
  async mutatingCalls(): Promise<CallRecord[]> {
    return (await this.calls()).filter((c) => c.mutating);
  }
  async clearCalls(): Promise<void> {
    await this.request("POST", "calls/clear");
  }
  async inject(fault: Fault): Promise<void> {
    await this.request("POST", "faults", fault);
  }
  async clearFaults(): Promise<void> {
    await this.request("POST", "faults/clear");
  }
  async deny(action: string): Promise<void> {
    await this.request("POST", "deny", { action });
  }
  /** Sets the caller's identity policy; null removes it. */
  async setIdentityPolicy(policy: IdentityPolicy | null): Promise<void> {
    await this.request("POST", "identity-policy", { policy });
  }
  async allow(action: string): Promise<void> {
    await this.request("POST", "allow", { action });
  }
  async rateLimit(service: ServiceName, perSecond: number, burst: number): Promise<void> {
    await this.request("POST", "ratelimit", { service, perSecond, burst });
  }
  async clearRateLimits(): Promise<void> {
    await this.request("POST", "ratelimit/clear");
  }
  /** Rejects with EmulatorError (code InvalidActivationId | InvalidActivation, status 400). */
  registerManagedInstance(input: RegisterManagedInstanceInput): Promise<{ managedInstanceId: string }> {
    return this.request("POST", "ssm/register", input);
  }
  registerContainerInstance(
    input: RegisterContainerInstanceInput,
  ): Promise<{ containerInstanceArn: string }> {
    return this.request("POST", "ecs/register-container-instance", input);
  }
  state(): Promise<EmulatorState> {
    return this.request("GET", "state");
  }
  async setNextActivationCode(code: string): Promise<void> {
    await this.request("POST", "activation-code", { code });
  }
  async setDelays(delays: DelaySettings): Promise<void> {
    await this.request("POST", "delays", delays);
  }
  async setRunningTasks(containerInstanceArn: string, count: number): Promise<void> {
    await this.request("POST", "ecs/running-tasks", { containerInstanceArn, count });
  }
}
