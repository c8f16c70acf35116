// The host's own probes: Docker answering on its socket, the clock, free disk, credentials that shadow the
// instance role's.
import { pingDocker } from "../../adapters/host/docker.ts";
import { credentialsCheck } from "../../checks/credentials.ts";
import { judgeClockSkew, measureClockSkew } from "../../checks/network.ts";
import { DOCKER } from "../../components/docker/files.ts";
import { ECS_AGENT } from "../../components/ecs-agent/files.ts";
import { failed, ok, type Probe, verdictOf } from "./probe.ts";

const GIB = 1024 ** 3;
const TEN_MINUTES = 10 * 60_000;

export const dockerProbe: Probe = {
  name: "docker",
  critical: true,
  async run(ctx) {
    const ping = await pingDocker(ctx.checks.dockerSocket, ctx.checks.timeoutMs);
    if (ping.ok) return ok(ping.message);
    return failed(ping.message, "see `systemctl status docker` and `journalctl -u docker`");
  },
};

/** field notes §6.5: the preflight check, at most every 10 minutes (it asks an AWS endpoint). */
export const clockSkewProbe: Probe = {
  name: "clock-skew",
  critical: false,
  minIntervalMs: TEN_MINUTES,
  enabled: (ctx) => ctx.region !== undefined,
  async run(ctx) {
    const measured = await measureClockSkew({ ...ctx.checks, region: ctx.region ?? "" });
    if (measured.ok) ctx.facts.clockSkewSeconds = Math.round(measured.skewMs / 1000);
    return verdictOf(judgeClockSkew(measured));
  },
};

export const diskProbe: Probe = {
  name: "disk",
  critical: false,
  async run(ctx) {
    const min = ctx.config.health.minFreeDiskMiB * 1024 * 1024;
    const paths = [DOCKER.dataRoot, ECS_AGENT.stateDir];
    const free = await Promise.all(paths.map((path) => ctx.host.system.freeBytes(path)));
    const lines = paths.map((path, i) => `${((free[i] ?? 0) / GIB).toFixed(1)} GiB free under ${path}`);
    const low = paths.filter((_, i) => (free[i] ?? 0) < min);
    if (low.length === 0) return ok(lines.join(", "));
    return failed(lines.join(", "), `free space under ${low.join(" and ")} (images: \`docker image prune\`)`);
  },
};

/** field notes §6.3: the preflight check, every pass. */
export const shadowingProbe: Probe = {
  name: "credential-shadowing",
  critical: false,
  async run(ctx, signal) {
    return verdictOf(await credentialsCheck.plan(ctx.checks, signal));
  },
};
