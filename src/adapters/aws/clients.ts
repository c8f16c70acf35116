import type { Clock } from "../../util/clock.ts";
import type { ProgressSink } from "../../util/progress.ts";
import type { Redactor } from "../../util/redact.ts";
import {
  cancellable,
  endpointFor,
  endpointLabel,
  logRetries,
  paced,
  type RetryLog,
  type Service,
  withEndpoint,
} from "./client-wrappers.ts";
import { iamSigningRegion } from "./partition.ts";
import type { AwsPorts } from "./ports.ts";
import type { ProxyRoute } from "./proxy-route.ts";

export interface AwsSettings {
  region: string;
  profile?: string;
  /** The environment to read endpoints and static credentials from (process.env in production). */
  env: Record<string, string | undefined>;
  redactor: Redactor;
  /** SDK retry budget per call: throttling and 5xx are retried with jittered exponential backoff. */
  maxAttempts?: number;
  /**
   * How long one attempt may go without an answer before it is abandoned (and retried like a reset connection).
   * Default ATTEMPT_TIMEOUT_MS; without one, the SDK waits up to 15 minutes of silence per attempt.
   */
  attemptTimeoutMs?: number;
  /** Where each SDK retry is logged at debug (the operation, the error code, attempt n of m). */
  log?: RetryLog;
  /**
   * Where a call that has been retrying for PROGRESS_EVERY_MS or longer says so, once per retry: the operation,
   * attempt n of m, the wait before it and the time elapsed. Read on `clock` (the app's clock port).
   */
  progress?: { sink: ProgressSink; clock: Clock };
  /** Aborts every call of these ports (SIGINT/SIGTERM); cleanup after a cancellation uses its own ports. */
  signal?: AbortSignal;
  /**
   * Paces each service's calls to the rate it answers once it throttles one (pacing.ts), waiting on `clock`: for
   * a process that sends many calls to one service at once (a fleet's activations). Every attempt is paced,
   * retries included.
   */
  pacing?: { clock: Clock };
  /**
   * Credentials read again before every call, for credentials a file rotates under a long-lived client (the
   * instance role's, which the SSM agent renews at half-life: field notes §4.3). Beats `env`'s static keys.
   */
  credentials?: () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>;
  /**
   * Endpoints from the config file (`endpoints:`), per service: VPC interface or FIPS endpoints. The
   * environment's AWS_ENDPOINT_URL_<SERVICE> and AWS_ENDPOINT_URL win over them (flags > environment > file).
   */
  endpoints?: Partial<Record<Service, string>>;
  /** Every call through this HTTP proxy (CONNECT tunnels), but for the hosts in its NO_PROXY (field notes §10.7). */
  proxy?: ProxyRoute;
}

/** The AWS CLI's default connect and read timeouts (60 s each). */
export const ATTEMPT_TIMEOUT_MS = 60_000;

/**
 * Builds the AWS ports. The SDK modules are imported here, lazily, so commands that never talk to AWS
 * (--help, --version, config validate) load none of them.
 */
export async function createAwsPorts(settings: AwsSettings): Promise<AwsPorts> {
  const client = await clientMaker(settings);
  const [iamSdk, stsSdk, iamPort, stsPort, plane] = await Promise.all([
    import("@aws-sdk/client-iam"),
    import("@aws-sdk/client-sts"),
    import("./iam.ts"),
    import("./sts.ts"),
    controlPlanePorts(client),
  ]);
  const sts = stsPort.createStsPort(client(stsSdk.STSClient, "STS"));
  // field notes §5.8: IAM is global per partition; its requests are signed for that partition's IAM region
  // (us-east-1, cn-north-1, us-gov-west-1), which also picks its endpoint.
  const iam = iamPort.createIamPort(client(iamSdk.IAMClient, "IAM", iamSigningRegion(settings.region)), () =>
    sts.getCallerIdentity(),
  );
  return { sts, iam, ...plane };
}

/**
 * The ECS and SSM ports only, for the daemon's control-plane checks: the IAM and STS modules (the larger part of
 * the SDK code the other commands load) stay unloaded in a process that runs for months.
 */
export async function createControlPlanePorts(settings: AwsSettings): Promise<Pick<AwsPorts, "ecs" | "ssm">> {
  return controlPlanePorts(await clientMaker(settings));
}

async function controlPlanePorts(client: ClientMaker): Promise<Pick<AwsPorts, "ecs" | "ssm">> {
  const [ssmSdk, ecsSdk, ssmPort, ecsPort] = await Promise.all([
    import("@aws-sdk/client-ssm"),
    import("@aws-sdk/client-ecs"),
    import("./ssm.ts"),
    import("./ecs.ts"),
  ]);
  return {
    ssm: ssmPort.createSsmPort(client(ssmSdk.SSMClient, "SSM")),
    ecs: ecsPort.createEcsPort(client(ecsSdk.ECSClient, "ECS")),
  };
}

type SendingClient = { send: (...args: never[]) => unknown };
/** Makes one SDK client of a set of ports, in `region` (the settings' own when absent). */
type ClientMaker = <T extends SendingClient>(
  Client: new (config: ClientSettings) => T,
  service: Service,
  region?: string,
) => T;
type ClientSettings = ReturnType<typeof clientSettings>;

/** What every client of one set of ports shares: credentials, timeouts, endpoints, the proxy, the wrappers. */
async function clientMaker(settings: AwsSettings): Promise<ClientMaker> {
  const { env, redactor } = settings;
  redactor.add(env.AWS_SECRET_ACCESS_KEY);
  redactor.add(env.AWS_SESSION_TOKEN);
  const timeoutMs = settings.attemptTimeoutMs ?? ATTEMPT_TIMEOUT_MS;
  // field notes §10.7: the SDK reads no proxy variable; it takes agents that tunnel through the proxy.
  const agents =
    settings.proxy === undefined ? undefined : (await import("./proxy-agent.ts")).proxyAgents(settings.proxy);
  return (Client, service, region = settings.region) =>
    withEndpoint(
      cancellable(
        paced(
          logRetries(
            new Client(clientSettings(settings, service, region, timeoutMs, agents)),
            service,
            settings.maxAttempts ?? 5,
            settings.log,
            settings.progress,
          ),
          settings.pacing,
          settings.signal,
        ),
        settings.signal,
      ),
      endpointLabel(env, service, region, settings.endpoints),
      timeoutMs,
    );
}

/** One SDK client's configuration. */
function clientSettings(
  settings: AwsSettings,
  service: Service,
  region: string,
  timeoutMs: number,
  agents: Record<string, unknown> | undefined,
) {
  const { env, credentials } = settings;
  const staticCredentials =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY && settings.profile === undefined
      ? {
          accessKeyId: env.AWS_ACCESS_KEY_ID,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
          ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
        }
      : undefined;
  // An expiration in the past makes the SDK ask the provider again before each call (it memoizes an identity
  // until five minutes before it expires): one client follows every rotation, none is rebuilt per key.
  const rotating =
    credentials === undefined
      ? undefined
      : async () => ({ ...(await credentials()), expiration: new Date(0) });
  const endpoint = endpointFor(env, service, settings.endpoints);
  return {
    region,
    maxAttempts: settings.maxAttempts ?? 5,
    retryMode: "standard",
    // A connection that never opens, or an answer that never comes, fails the attempt with a TimeoutError,
    // which the SDK retries; the SDK's own default is 15 minutes of socket silence.
    requestHandler: {
      connectionTimeout: timeoutMs,
      requestTimeout: timeoutMs,
      throwOnRequestTimeout: true,
      ...agents,
    },
    ...(endpoint ? { endpoint } : {}),
    ...(settings.profile ? { profile: settings.profile } : {}),
    ...(rotating ? { credentials: rotating } : staticCredentials ? { credentials: staticCredentials } : {}),
  };
}
