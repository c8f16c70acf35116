import { probeDate, probeReachable } from "../adapters/host/http-probe.ts";
import type { Plan } from "../engine/step.ts";
import { formatDuration } from "../util/duration.ts";
import { parseOsRelease, readOsRelease } from "./distribution.ts";
import { dockerPresent, findDocker } from "./docker.ts";
import {
  DOCKER_REPOSITORY_DISTROS,
  displayUrl,
  type Endpoint,
  endpointFor,
  hostEndpoints,
  scriptDownloadEndpoint,
} from "./endpoints.ts";
import { proxyVariables } from "./proxy.ts";
import { type CheckContext, defineCheck, fail, pass, warn } from "./types.ts";

// field notes §6.5: SigV4 rejects requests more than 5 minutes off ("Signature expired").
const SKEW_FAIL_MS = 5 * 60_000;
const SKEW_WARN_MS = 30_000;
const SYNC_CLOCK =
  "synchronise the clock with NTP (`timedatectl set-ntp true`, check `chronyc tracking`), then restart the SSM agent";

export const clockSkewCheck = defineCheck(
  "clock-skew",
  "the host clock agrees with AWS (the Date header of the SSM endpoint)",
  async (ctx) => judgeClockSkew(await measureClockSkew(ctx)),
);

export type SkewMeasurement = { ok: true; skewMs: number } | { ok: false; url: string; error: string };

/** How far the host clock is from the Date header of the region's SSM endpoint (positive: ahead). */
export async function measureClockSkew(
  ctx: Pick<CheckContext, "env" | "region" | "clock" | "timeoutMs" | "endpoints" | "proxy">,
): Promise<SkewMeasurement> {
  const url = endpointFor(ctx.env, "ssm", ctx.region, ctx.endpoints);
  const before = ctx.clock.now().getTime();
  const answer = await probeDate(url, ctx.timeoutMs, ctx.proxy);
  const after = ctx.clock.now().getTime();
  if (!answer.ok) return { ok: false, url, error: answer.error };
  // The server stamped its Date somewhere in the round trip; compare with our clock's midpoint.
  return { ok: true, skewMs: (before + after) / 2 - answer.date.getTime() };
}

export function judgeClockSkew(measured: SkewMeasurement): Plan {
  if (!measured.ok) {
    return warn(
      `could not read the time from ${displayUrl(measured.url)}: ${measured.error}`,
      `make sure the host reaches ${displayUrl(measured.url)} (see the endpoints check) and that its clock is synchronised with NTP`,
    );
  }
  const { skewMs } = measured;
  const message =
    Math.abs(skewMs) < 1_000
      ? "clock agrees with AWS"
      : `${formatSeconds(skewMs)} ${skewMs > 0 ? "ahead of" : "behind"} AWS`;
  if (Math.abs(skewMs) > SKEW_FAIL_MS) return fail(`${message}: AWS rejects signed requests`, SYNC_CLOCK);
  if (Math.abs(skewMs) > SKEW_WARN_MS) return warn(message, SYNC_CLOCK);
  return pass(message);
}

export const endpointsCheck = defineCheck(
  "endpoints",
  "the AWS endpoints and the install script host answer",
  async (ctx) => {
    const endpoints: Endpoint[] = hostEndpoints(ctx.env, ctx.region, ctx.endpoints);
    if (ctx.installScript.file === undefined)
      endpoints.push({ name: "install-script", url: ctx.installScript.url });
    endpoints.push(...(await scriptDownloads(ctx)));
    const probes = await Promise.all(
      endpoints.map(async (endpoint) => ({
        endpoint,
        answer: await probeReachable(endpoint.url, ctx.timeoutMs, ctx.proxy),
      })),
    );
    const failed = probes.flatMap(({ endpoint, answer }) =>
      answer.ok ? [] : [{ endpoint, error: answer.error }],
    );
    if (failed.length === 0) {
      const names = endpoints.map((e) => (e.configured ? `${e.name} (endpoints.${e.configured})` : e.name));
      return pass(`reachable: ${names.join(", ")}`);
    }
    const message = `unreachable: ${failed.map(({ endpoint, error }) => describeFailure(endpoint, error)).join(", ")}`;
    const hostsOf = (list: typeof failed) =>
      [...new Set(list.map(({ endpoint }) => displayUrl(endpoint.url)))].join(", ");
    const privateOnes = failed.filter(({ endpoint }) => endpoint.configured !== undefined);
    const publicOnes = failed.filter(({ endpoint }) => endpoint.configured === undefined);
    const fixes: string[] = [];
    if (privateOnes.length > 0) fixes.push(privateEndpointFix(privateOnes.map(({ endpoint }) => endpoint)));
    if (publicOnes.length > 0) {
      fixes.push(
        proxyVariables(ctx.env).length > 0
          ? `make sure the proxy lets this host reach ${hostsOf(publicOnes)}`
          : `allow outbound HTTPS from this host to ${hostsOf(publicOnes)} (firewall, DNS), or configure a proxy`,
      );
    }
    // A configured endpoint is reached directly (it is in the private network); a public one may be reached
    // through the proxy the probe does not use.
    if (privateOnes.length === 0 && proxyVariables(ctx.env).length > 0) {
      return warn(
        `${message}; checked directly, while a proxy is configured in the environment`,
        fixes.join("; "),
      );
    }
    return fail(message, fixes.join("; "));
  },
);

/**
 * `ecs (https://ecs.eu-west-1.amazonaws.com: ECONNREFUSED)`, and for a configured endpoint its key and what the
 * error means: `ssm at endpoints.ssm (https://vpce-1.ssm.eu-west-1.vpce.amazonaws.com: ENOTFOUND, the name does
 * not resolve)`.
 */
function describeFailure(endpoint: Endpoint, error: string): string {
  if (endpoint.configured === undefined) return `${endpoint.name} (${displayUrl(endpoint.url)}: ${error})`;
  const gloss = ERROR_GLOSS[error];
  return `${endpoint.name} at endpoints.${endpoint.configured} (${displayUrl(endpoint.url)}: ${error}${gloss ? `, ${gloss}` : ""})`;
}

const ERROR_GLOSS: Record<string, string> = {
  ENOTFOUND: "the name does not resolve",
  EAI_AGAIN: "DNS did not answer",
  ECONNREFUSED: "nothing listens there",
  ECONNRESET: "the connection was reset",
  EHOSTUNREACH: "no route to the host",
  ENETUNREACH: "no route to the network",
  timeout: "no answer in time",
};

/**
 * field notes §10.8: an interface endpoint is reached from on premises only when its name resolves there (DNS
 * forwarded to a Route 53 Resolver inbound endpoint, private DNS on the endpoint), the VPN or Direct Connect routes
 * to its subnets, and its security group allows 443 from the host.
 */
function privateEndpointFix(endpoints: Endpoint[]): string {
  const keys = [...new Set(endpoints.map((e) => `endpoints.${e.configured}`))].join(", ");
  const hosts = [...new Set(endpoints.map((e) => displayUrl(e.url)))].join(", ");
  return (
    `for ${keys}: check that this host resolves and reaches ${hosts} (on-premises DNS forwarding to a Route 53 ` +
    "Resolver inbound endpoint, the VPN or Direct Connect route to the endpoint's subnets, its security group " +
    "allowing TCP 443 from this host), or correct the URL in the config"
  );
}

/** What the install script itself will download from on this host: signing keys, and maybe Docker. */
async function scriptDownloads(ctx: CheckContext): Promise<Endpoint[]> {
  const endpoints = [scriptDownloadEndpoint(ctx.env, "signingKeys")];
  if (ctx.dockerInstallSource !== "all" && ctx.dockerInstallSource !== "docker") return endpoints;
  const id = parseOsRelease((await readOsRelease(ctx.fs)) ?? "").get("ID") ?? "";
  if (!(DOCKER_REPOSITORY_DISTROS as readonly string[]).includes(id)) return endpoints;
  if (dockerPresent(await findDocker(ctx))) return endpoints;
  return [...endpoints, scriptDownloadEndpoint(ctx.env, "docker")];
}

/** A clock difference in the shared duration style (`45s`, `6m5s`), whichever way it goes. */
function formatSeconds(ms: number): string {
  return formatDuration(Math.round(Math.abs(ms) / 1_000));
}
