/** AWS JSON 1.1 protocol (SSM, ECS): `X-Amz-Target: Prefix.Action`, JSON bodies, timestamps as epoch seconds. */

export const JSON_TARGET_PREFIXES = {
  ssm: "AmazonSSM",
  ecs: "AmazonEC2ContainerServiceV20141113",
} as const;

export type JsonService = keyof typeof JSON_TARGET_PREFIXES;

export const JSON_CONTENT_TYPE = "application/x-amz-json-1.1";

export function serviceForTarget(target: string): { service?: JsonService; action: string } {
  const dot = target.lastIndexOf(".");
  const prefix = dot < 0 ? "" : target.slice(0, dot);
  const action = dot < 0 ? target : target.slice(dot + 1);
  for (const [service, p] of Object.entries(JSON_TARGET_PREFIXES)) {
    if (p === prefix) return { service: service as JsonService, action };
  }
  return { action };
}

/** Epoch seconds with millisecond precision, as AWS JSON services answer. */
export function epochSeconds(d: Date): number {
  return d.getTime() / 1000;
}

/** Undefined members are dropped by JSON.stringify, so answers stay minimal. Handlers pass dates through epochSeconds. */
export function jsonBody(value: unknown): string {
  return JSON.stringify(value ?? {});
}

export function jsonError(code: string, message: string): string {
  return JSON.stringify({ __type: code, message });
}
