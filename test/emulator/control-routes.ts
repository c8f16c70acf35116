import { EmulatorError } from "./errors.ts";
import { checkIdentityPolicy } from "./identity-policy.ts";
import { type Emulator, type Fault, SERVICE_NAMES, type ServiceName } from "./types.ts";

/** `/__emulator/*`: JSON control endpoints mirroring the in-process API, for out-of-process users. */

export type Controls = Omit<Emulator, "url" | "stop">;

export interface ControlAnswer {
  status: number;
  body: unknown;
}

type Route = (controls: Controls, body: Record<string, unknown>) => unknown;

function str(body: Record<string, unknown>, key: string): string {
  const v = body[key];
  if (typeof v !== "string") throw new EmulatorError("InvalidInput", `${key} must be a string`);
  return v;
}

function num(body: Record<string, unknown>, key: string): number {
  const v = body[key];
  if (typeof v !== "number") throw new EmulatorError("InvalidInput", `${key} must be a number`);
  return v;
}

function service(body: Record<string, unknown>): ServiceName {
  const s = str(body, "service");
  if (!SERVICE_NAMES.includes(s as ServiceName)) {
    throw new EmulatorError("InvalidInput", `service must be one of ${SERVICE_NAMES.join(", ")}`);
  }
  return s as ServiceName;
}

const GET: Record<string, Route> = {
  "/__emulator/calls": (c) => c.calls(),
  "/__emulator/state": (c) => c.state,
  "/__emulator/health": () => ({ ok: true }),
};

const POST: Record<string, Route> = {
  "/__emulator/calls/clear": (c) => c.clearCalls(),
  "/__emulator/faults": (c, b) => c.inject(b as unknown as Fault),
  "/__emulator/faults/clear": (c) => c.clearFaults(),
  "/__emulator/deny": (c, b) => c.deny(str(b, "action")),
  "/__emulator/allow": (c, b) => c.allow(str(b, "action")),
  "/__emulator/identity-policy": (c, b) =>
    c.setIdentityPolicy(b.policy === null ? undefined : checkIdentityPolicy(b.policy)),
  "/__emulator/ratelimit": (c, b) => c.rateLimit(service(b), num(b, "perSecond"), num(b, "burst")),
  "/__emulator/ratelimit/clear": (c) => c.clearRateLimits(),
  "/__emulator/ssm/register": (c, b) =>
    c.registerManagedInstance({
      activationId: str(b, "activationId"),
      activationCode: str(b, "activationCode"),
      region: str(b, "region"),
    }),
  "/__emulator/ecs/register-container-instance": (c, b) =>
    c.registerContainerInstance({
      cluster: str(b, "cluster"),
      managedInstanceId: str(b, "managedInstanceId"),
      ...(isStringMap(b.tags) ? { tags: b.tags } : {}),
    }),
  "/__emulator/activation-code": (c, b) => c.setNextActivationCode(str(b, "code")),
  "/__emulator/delays": (c, b) =>
    c.setDelays({
      ...(b.propagationDelayMs === undefined ? {} : { propagationDelayMs: num(b, "propagationDelayMs") }),
      ...(b.agentConnectDelayMs === undefined ? {} : { agentConnectDelayMs: num(b, "agentConnectDelayMs") }),
    }),
  "/__emulator/ecs/running-tasks": (c, b) =>
    c.setRunningTasks(str(b, "containerInstanceArn"), num(b, "count")),
};

export function handleControl(
  controls: Controls,
  method: string,
  path: string,
  rawBody: string,
): ControlAnswer {
  const routes = method === "GET" ? GET : method === "POST" ? POST : undefined;
  const route = routes !== undefined && Object.hasOwn(routes, path) ? routes[path] : undefined;
  if (route === undefined) {
    const exists = Object.hasOwn(GET, path) || Object.hasOwn(POST, path);
    return {
      status: exists ? 405 : 404,
      body: {
        code: exists ? "MethodNotAllowed" : "NotFound",
        message: `${method} ${path} is not a control endpoint`,
      },
    };
  }
  let body: unknown = {};
  if (rawBody.trim() !== "") {
    try {
      body = JSON.parse(rawBody);
    } catch {
      return { status: 400, body: { code: "InvalidJson", message: "the body is not JSON" } };
    }
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { status: 400, body: { code: "InvalidJson", message: "the body must be a JSON object" } };
  }
  try {
    return { status: 200, body: route(controls, body as Record<string, unknown>) ?? {} };
  } catch (e) {
    if (e instanceof EmulatorError) return { status: 400, body: { code: e.code, message: e.message } };
    return {
      status: 500,
      body: { code: "InternalError", message: e instanceof Error ? e.message : String(e) },
    };
  }
}

function isStringMap(value: unknown): value is Record<string, string> {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((item) => typeof item === "string")
  );
}
