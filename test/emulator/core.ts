import type { CallContext, ServiceModule } from "./context.ts";
import { isMutating } from "./context.ts";
import { clusterArn, ecs, registerContainerInstanceHook } from "./ecs.ts";
import { EmulatorError } from "./errors.ts";
import { DenyList, FaultBook, RateLimiter } from "./faults.ts";
import { iam, managedPolicyArns } from "./iam.ts";
import { checkIdentityPolicy, type IdentityPolicy, policyAllows } from "./identity-policy.ts";
import { newRequestId, newUserId } from "./ids.ts";
import { Input } from "./input.ts";
import { JSON_CONTENT_TYPE, jsonBody, jsonError, serviceForTarget } from "./json.ts";
import { iamPartitionOf, partitionOf } from "./partition.ts";
import { parseQueryParams, type QueryService, queryError, querySuccess } from "./query.ts";
import { parseAuthorization, verify } from "./sigv4.ts";
import { registerManagedInstance, ssm } from "./ssm.ts";
import { State } from "./state.ts";
import { sts } from "./sts.ts";
import {
  type CallRecord,
  type DelaySettings,
  type EmulatorOptions,
  type EmulatorState,
  type RegisterContainerInstanceInput,
  type RegisterManagedInstanceInput,
  SERVICE_NAMES,
  type ServiceName,
} from "./types.ts";
import type { XmlValue } from "./xml.ts";

/** The protocol-independent heart of the emulator: auth, faults, limits, deny list, dispatch, call log. */

export const DEFAULT_CREDENTIALS: Readonly<Record<string, string>> = {
  AKIAEMULATOR0000TEST: "emulator-secret-key-0000000000000000000000",
};

const MODULES: Readonly<Record<ServiceName, ServiceModule>> = { iam, sts, ssm, ecs };
const QUERY_VERSIONS: Record<string, ServiceName> = { "2010-05-08": "iam", "2011-06-15": "sts" };
const SERVER_ERRORS: Record<ServiceName, string> = {
  iam: "ServiceFailure",
  sts: "InternalFailure",
  ssm: "InternalServerError",
  ecs: "ServerException",
};

export interface AwsRequest {
  method: string;
  /** Raw path and query. */
  url: string;
  /** Lower-case name -> all values. */
  headers: Record<string, string[] | undefined>;
  body: Buffer;
}

export type AwsReply =
  | { kind: "answer"; status: number; contentType: string; body: string; requestId: string; delayMs: number }
  | { kind: "reset"; delayMs: number };

type Protocol = "query" | "json";

interface Call {
  protocol: Protocol;
  service?: ServiceName;
  action: string;
  requestId: string;
  region: string;
}

export class EmulatorCore {
  readonly state = new State();
  readonly faults = new FaultBook();
  readonly limits = new RateLimiter();
  readonly denied = new DenyList();
  /** When set, the caller's only identity policy: what it does not allow is denied (see identity-policy.ts). */
  identityPolicy: IdentityPolicy | undefined;
  readonly accountId: string;
  readonly pageSize: number;
  readonly now: () => Date;
  readonly userId = newUserId();
  private readonly credentials: Record<string, string>;
  private readonly extraPolicyArns: readonly string[];
  private log: CallRecord[] = [];

  constructor(opts: EmulatorOptions = {}) {
    this.accountId = opts.accountId ?? "123456789012";
    if (!/^\d{12}$/.test(this.accountId)) throw new Error("accountId must be 12 digits");
    this.pageSize = opts.pageSize ?? 2;
    if (!Number.isInteger(this.pageSize) || this.pageSize < 1)
      throw new Error("pageSize must be a positive integer");
    this.now = opts.now ?? (() => new Date());
    this.credentials = { ...(opts.credentials ?? DEFAULT_CREDENTIALS) };
    this.extraPolicyArns = [...(opts.extraPolicyArns ?? [])];
    this.identityPolicy = opts.identityPolicy && checkIdentityPolicy(opts.identityPolicy);
    for (const { name, region } of opts.clusters ?? []) {
      const arn = clusterArn(region, this.accountId, name);
      this.state.clusters.set(arn, {
        clusterArn: arn,
        clusterName: name,
        region,
        status: "ACTIVE",
        tags: new Map(),
      });
    }
    this.setDelays({
      propagationDelayMs: opts.propagationDelayMs ?? 0,
      agentConnectDelayMs: opts.agentConnectDelayMs ?? 0,
    });
  }

  setDelays(delays: DelaySettings): void {
    for (const key of ["propagationDelayMs", "agentConnectDelayMs"] as const) {
      const value = delays[key];
      if (value === undefined) continue;
      if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
        throw new EmulatorError("InvalidInput", `${key} must be a number >= 0`);
      }
      this.state.delays[key] = value;
    }
  }

  setRunningTasks(containerInstanceArn: string, count: number): void {
    const ci = this.state.containerInstances.get(containerInstanceArn);
    if (ci === undefined)
      throw new EmulatorError("InvalidInput", `no container instance ${containerInstanceArn}`);
    if (!Number.isInteger(count) || count < 0)
      throw new EmulatorError("InvalidInput", "count must be an integer >= 0");
    ci.runningTasks = count;
  }

  calls(): CallRecord[] {
    return this.log.map((c) => ({ ...c }));
  }

  clearCalls(): void {
    this.log = [];
  }

  snapshot(): EmulatorState {
    return this.state.snapshot(this.accountId, this.now());
  }

  registerManagedInstance(input: RegisterManagedInstanceInput): { managedInstanceId: string } {
    requireStrings(input, ["activationId", "activationCode", "region"]);
    return registerManagedInstance(this.state, input, this.now());
  }

  registerContainerInstance(input: RegisterContainerInstanceInput): { containerInstanceArn: string } {
    requireStrings(input, ["cluster", "managedInstanceId"]);
    return registerContainerInstanceHook(this.state, this.accountId, input, this.now());
  }

  setNextActivationCode(code: string): void {
    if (typeof code !== "string" || code.length < 20 || code.length > 250) {
      throw new EmulatorError("InvalidCode", "an activation code has 20 to 250 characters");
    }
    this.state.nextActivationCode = code;
  }

  /** Handles one signed AWS API request. Never throws. */
  handle(req: AwsRequest): AwsReply {
    const target = req.headers["x-amz-target"]?.[0];
    const protocol: Protocol = target === undefined ? "query" : "json";
    const params = new URLSearchParams(req.url.includes("?") ? req.url.slice(req.url.indexOf("?") + 1) : "");
    if (protocol === "query")
      for (const [k, v] of new URLSearchParams(req.body.toString("utf8"))) params.append(k, v);
    const query = protocol === "query" ? parseQueryParams(params) : undefined;
    const fromTarget = target === undefined ? undefined : serviceForTarget(target);
    const auth = parseAuthorization(req.headers.authorization?.[0]);
    const scoped = SERVICE_NAMES.find((s) => s === auth?.service);
    const call: Call = {
      protocol,
      service: scoped ?? fromTarget?.service ?? own(QUERY_VERSIONS, query?.version ?? ""),
      action: fromTarget?.action ?? query?.action ?? "",
      requestId: newRequestId(),
      region: auth?.region ?? "us-east-1",
    };

    const denied = this.authenticate(req, call, auth);
    if (denied !== undefined) return denied;
    const service = call.service as ServiceName;
    const module = MODULES[service];
    const op = own(module.operations, call.action);
    if (op === undefined || (protocol === "json") !== (service === "ssm" || service === "ecs")) {
      return protocol === "query"
        ? this.error(
            call,
            "InvalidAction",
            `Could not find operation ${call.action} for version ${query?.version ?? ""}`,
            400,
          )
        : this.error(call, "UnknownOperationException", `Unknown operation ${target ?? ""}`, 400);
    }

    let delayMs = 0;
    const fault = this.faults.take(service, call.action);
    if (fault?.kind === "reset") {
      this.record(call, 0, "ConnectionReset");
      return { kind: "reset", delayMs: 0 };
    }
    if (fault?.kind === "throttle") return this.throttled(call);
    if (fault?.kind === "server-error") {
      return this.error(
        call,
        SERVER_ERRORS[service],
        "We encountered an internal error. Please try again.",
        500,
      );
    }
    if (fault?.kind === "latency") delayMs = fault.latencyMs ?? 0;
    if (!this.limits.tryTake(service)) return this.throttled(call, delayMs);

    try {
      let data: unknown;
      if (query !== undefined) data = query.data;
      else {
        try {
          data = JSON.parse(req.body.length === 0 ? "{}" : req.body.toString("utf8"));
        } catch {
          throw new EmulatorError(
            "SerializationException",
            "Start of structure or map found where not expected.",
          );
        }
      }
      const input = new Input(data, module.validationCode);
      const ctx = this.context(call);
      if (op.authorized !== false)
        ctx.authorize(`${service}:${call.action}`, op.resource?.(input, ctx) ?? "*");
      const result = op.run(input, ctx);
      this.record(call, 200, undefined, delayMs);
      const body =
        protocol === "query"
          ? querySuccess(service as QueryService, call.action, result as XmlValue, call.requestId)
          : jsonBody(result);
      return {
        kind: "answer",
        status: 200,
        contentType: contentType(protocol),
        body,
        requestId: call.requestId,
        delayMs,
      };
    } catch (e) {
      if (e instanceof EmulatorError) return this.error(call, e.code, e.message, e.status, delayMs);
      const message = e instanceof Error ? e.message : String(e);
      return this.error(call, SERVER_ERRORS[service], `emulator bug: ${message}`, 500, delayMs);
    }
  }

  /** undefined when the request is signed by a known key and names a known service. */
  private authenticate(
    req: AwsRequest,
    call: Call,
    auth: ReturnType<typeof parseAuthorization>,
  ): AwsReply | undefined {
    const json = call.protocol === "json";
    const header = req.headers.authorization?.[0];
    if (header === undefined) {
      return json
        ? this.error(call, "MissingAuthenticationTokenException", "Missing Authentication Token", 400)
        : this.error(call, "MissingAuthenticationToken", "Request is missing Authentication Token", 403);
    }
    if (auth === undefined) {
      const message = `Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters (AWS4-HMAC-SHA256). Authorization=${header.split(" ")[0]}`;
      return this.error(call, json ? "IncompleteSignatureException" : "IncompleteSignature", message, 400);
    }
    if (call.service === undefined || call.service !== auth.service) {
      return this.error(
        call,
        json ? "UnknownOperationException" : "InvalidAction",
        `Unknown service ${auth.service}`,
        400,
      );
    }
    const secret = own(this.credentials, auth.accessKeyId);
    if (secret === undefined) {
      const message = "The security token included in the request is invalid.";
      return json
        ? this.error(call, "UnrecognizedClientException", message, 400)
        : this.error(call, "InvalidClientTokenId", message, 403);
    }
    // Real time, not the `now` option: the SDK signs with the real clock (and syncs to our Date header).
    const v = verify(req, auth, secret, Date.now());
    if (v.ok && call.service === "iam" && iamPartitionOf(auth.region) === undefined) {
      // IAM is global per partition and only takes its partition's signing region (field notes §5.8).
      return this.error(
        call,
        "SignatureDoesNotMatch",
        `Credential should be scoped to a valid region, not '${auth.region}'.`,
        403,
      );
    }
    if (v.ok) return undefined;
    if (v.kind === "incomplete")
      return this.error(call, json ? "IncompleteSignatureException" : "IncompleteSignature", v.message, 400);
    return json
      ? this.error(call, "InvalidSignatureException", v.message, 400)
      : this.error(call, "SignatureDoesNotMatch", v.message, 403);
  }

  private context(call: Call): CallContext {
    const json = call.protocol === "json";
    const partition = partitionOf(call.region);
    const principalArn = `arn:${partition}:iam::${this.accountId}:user/emulator`;
    return {
      state: this.state,
      accountId: this.accountId,
      region: call.region,
      partition,
      now: this.now,
      pageSize: this.pageSize,
      principalArn,
      userId: this.userId,
      knownPolicyArns: new Set([...managedPolicyArns(partition), ...this.extraPolicyArns]),
      authorize: (action, resource) => {
        const allowed =
          this.identityPolicy === undefined || policyAllows(this.identityPolicy, action, resource);
        if (allowed && !this.denied.isDenied(action)) return;
        const message = `User: ${principalArn} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`;
        throw json
          ? new EmulatorError("AccessDeniedException", message, 400)
          : new EmulatorError("AccessDenied", message, 403);
      },
    };
  }

  private throttled(call: Call, delayMs = 0): AwsReply {
    return call.protocol === "json"
      ? this.error(call, "ThrottlingException", "Rate exceeded", 400, delayMs)
      : this.error(call, "Throttling", "Rate exceeded", 400, delayMs);
  }

  private error(call: Call, code: string, message: string, status: number, delayMs = 0): AwsReply {
    this.record(call, status, code, delayMs);
    const body =
      call.protocol === "json"
        ? jsonError(code, message)
        : queryError(call.service === "sts" ? "sts" : "iam", code, message, status, call.requestId);
    return {
      kind: "answer",
      status,
      contentType: contentType(call.protocol),
      body,
      requestId: call.requestId,
      delayMs,
    };
  }

  private record(call: Call, status: number, errorCode?: string, delayedMs = 0): void {
    if (call.service === undefined || call.action === "") return;
    const rec: CallRecord = {
      service: call.service,
      action: call.action,
      mutating: isMutating(call.action),
      status,
    };
    if (errorCode !== undefined) rec.errorCode = errorCode;
    if (delayedMs > 0) rec.delayedMs = delayedMs;
    this.log.push(rec);
  }
}

/** record[key] for own keys only (no "constructor", "toString"...). */
function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function contentType(protocol: Protocol): string {
  return protocol === "json" ? JSON_CONTENT_TYPE : "text/xml";
}

function requireStrings(input: unknown, keys: string[]): void {
  for (const k of keys) {
    if (typeof (input as Record<string, unknown> | null)?.[k] !== "string") {
      throw new EmulatorError("InvalidInput", `${k} must be a string`);
    }
  }
}
