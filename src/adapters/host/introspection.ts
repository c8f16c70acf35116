import { getJson } from "./http-probe.ts";

export const DEFAULT_INTROSPECTION_URL = "http://127.0.0.1:51678";

/** field notes §2: the API starts only after registration, so "unreachable" = not running or not registered yet. */
export type AgentMetadata =
  | { state: "unreachable"; error: string }
  | { state: "ok"; cluster: string; containerInstanceArn: string | null; version: string };

export interface AgentContainer {
  dockerId: string;
  dockerName: string;
  name: string;
  image: string;
}

export interface AgentTask {
  arn: string;
  desiredStatus?: string;
  knownStatus: string;
  family: string;
  version: string;
  containers: AgentContainer[];
}

export type AgentTasks = { state: "unreachable"; error: string } | { state: "ok"; tasks: AgentTask[] };

/** Read-only client of the ECS agent's local introspection API (field notes §2). Never throws. */
export class IntrospectionClient {
  readonly baseUrl: string;
  readonly #timeoutMs: number;
  readonly #signal: AbortSignal | undefined;

  /** `signal` cancels every request (SIGINT/SIGTERM): an aborted request reads as unreachable. */
  constructor(baseUrl = DEFAULT_INTROSPECTION_URL, timeoutMs = 5_000, signal?: AbortSignal) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.#timeoutMs = timeoutMs;
    this.#signal = signal;
  }

  async metadata(): Promise<AgentMetadata> {
    const answer = await getJson(`${this.baseUrl}/v1/metadata`, this.#timeoutMs, this.#signal);
    if (!answer.ok) return { state: "unreachable", error: describeFailure(answer.error) };
    const body = record(answer.body);
    if (answer.status !== 200 || typeof body.Cluster !== "string") {
      return { state: "unreachable", error: `HTTP ${answer.status} without agent metadata` };
    }
    const arn = body.ContainerInstanceArn;
    return {
      state: "ok",
      cluster: body.Cluster,
      containerInstanceArn: typeof arn === "string" && arn !== "" ? arn : null,
      version: typeof body.Version === "string" ? body.Version : "unknown",
    };
  }

  async tasks(): Promise<AgentTasks> {
    const answer = await getJson(`${this.baseUrl}/v1/tasks`, this.#timeoutMs, this.#signal);
    if (!answer.ok) return { state: "unreachable", error: describeFailure(answer.error) };
    const list = record(answer.body).Tasks;
    if (answer.status !== 200 || !Array.isArray(list)) {
      return { state: "unreachable", error: `HTTP ${answer.status} without a task list` };
    }
    return { state: "ok", tasks: list.map((item) => toTask(record(item))) };
  }
}

/**
 * Why the agent is NOT healthy for `expectedCluster`, or undefined when it is. Stricter than the agent's
 * own health check, which accepts any HTTP answer (field notes §2): it needs a container instance ARN and the
 * expected cluster (by name, or by ARN ending in `cluster/NAME`).
 */
export function judgeRegistration(metadata: AgentMetadata, expectedCluster: string): string | undefined {
  if (metadata.state === "unreachable") {
    return `the ECS agent's introspection API is unreachable (${metadata.error}): the agent is not running or not registered yet`;
  }
  if (metadata.containerInstanceArn === null) {
    return "the ECS agent is running but has no container instance ARN: it has not registered yet";
  }
  if (clusterName(metadata.cluster) !== clusterName(expectedCluster)) {
    return `the ECS agent is registered to cluster ${clusterName(metadata.cluster)}, not ${clusterName(expectedCluster)}`;
  }
  return undefined;
}

/** `arn:aws:ecs:eu-west-1:123456789012:cluster/edge` -> `edge`; a plain name is returned as is. */
export function clusterName(nameOrArn: string): string {
  const match = /^arn:aws[a-z-]*:ecs:[^:]*:\d*:cluster\/(.+)$/.exec(nameOrArn);
  return match?.[1] ?? nameOrArn;
}

function describeFailure(code: string): string {
  return code === "ECONNREFUSED" ? "connection refused" : code;
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

const text = (value: unknown): string => (typeof value === "string" ? value : "");

function toTask(raw: Record<string, unknown>): AgentTask {
  const containers = Array.isArray(raw.Containers) ? raw.Containers : [];
  return {
    arn: text(raw.Arn),
    ...(typeof raw.DesiredStatus === "string" ? { desiredStatus: raw.DesiredStatus } : {}),
    knownStatus: text(raw.KnownStatus),
    family: text(raw.Family),
    version: text(raw.Version),
    containers: containers.map((item) => {
      const c = record(item);
      return {
        dockerId: text(c.DockerId),
        dockerName: text(c.DockerName),
        name: text(c.Name),
        image: text(c.Image),
      };
    }),
  };
}
