import { AGENT_STATE } from "../../components/agent-state/paths.ts";
import { DOCKER } from "../../components/docker/files.ts";
import { ECS_AGENT } from "../../components/ecs-agent/files.ts";
import { SSM_AGENT } from "../../components/ssm-agent/files.ts";
import { addCommandReport, addResolvedConfig } from "./agent-reports.ts";
import { addHostFile, type CollectContext, type Collector, type Sink } from "./collect.ts";
import { hostFacts, versions } from "./facts.ts";
import { journalArgs, runForBundle } from "./host-commands.ts";
import { redactEcsConfig } from "./redact-files.ts";

/** Lines of each unit's journal (the newest). */
export const JOURNAL_LINES = 2_000;
/** Bytes of each log file's end (the ECS agent's rotates hourly, field notes §10.15). */
export const LOG_TAIL_BYTES = 1024 * 1024;
/** Bytes of a config or state file (they are small; a huge one is cut, not read whole). */
const FILE_BYTES = 256 * 1024;

const file = (name: string, hostPath: string, maxBytes: number, transform?: (text: string) => string) => ({
  name,
  source: hostPath,
  collect: async (ctx: CollectContext, sink: Sink) => {
    await addHostFile(ctx, sink, name, hostPath, maxBytes, transform);
  },
});

/** The units whose journals and drop-ins go in: the ECS agent, the SSM agent (deb or snap), Docker, this agent. */
function bundleUnits(ctx: CollectContext): string[] {
  return [ECS_AGENT.unit, ctx.observed.ssmUnit, DOCKER.unit, ...AGENT_STATE.units];
}

/**
 * What a support bundle holds, in order: this list is what `--dry-run` prints and what the README describes.
 * Never collected: the SSM registration key, the instance role's credentials file, agent.db (field notes §10.16).
 */
export const BUNDLE_CONTENTS: readonly Collector[] = [
  {
    name: "agent/check.json",
    source: "ecs-anywhere-agent check --output json (in-process)",
    collect: (ctx, sink) =>
      addCommandReport(ctx, sink, "agent/check.json", () => import("../../cli/commands/check.ts")),
  },
  {
    name: "agent/status.json",
    source: "ecs-anywhere-agent status --output json (the daemon's /status, else one probe pass)",
    collect: (ctx, sink) =>
      addCommandReport(ctx, sink, "agent/status.json", () => import("../../cli/commands/status.ts")),
  },
  {
    name: "agent/config.json",
    source: "ecs-anywhere-agent config validate (resolved, secrets masked)",
    collect: (ctx, sink) => addResolvedConfig(ctx, sink, "agent/config.json"),
  },
  file("agent/state.json", AGENT_STATE.state, FILE_BYTES),
  {
    name: "agent/install.log",
    source: `${AGENT_STATE.logDir}/install-*.log (the newest)`,
    collect: async (ctx, sink) => {
      const logs = (await ctx.built.host.fs.list(AGENT_STATE.logDir)).filter((n) =>
        AGENT_STATE.installLog.test(n),
      );
      const newest = logs.at(-1);
      if (newest === undefined)
        sink.missing("agent/install.log", `${AGENT_STATE.logDir}/install-*.log`, "absent");
      else
        await addHostFile(ctx, sink, "agent/install.log", `${AGENT_STATE.logDir}/${newest}`, LOG_TAIL_BYTES);
    },
  },
  {
    name: "host/facts.json",
    source:
      "what preflight reads: uid, architecture, os-release, systemd, disk, Docker, SSM registration, proxy",
    collect: hostFacts,
  },
  {
    name: "host/versions.json, ecs/introspection.json, commands/*.txt",
    source: "this agent, node, the ECS agent (introspection), package versions, docker version, uname -srvmo",
    collect: versions,
  },
  file("ecs/etc-ecs-ecs.config", ECS_AGENT.config, FILE_BYTES, redactEcsConfig),
  file("ecs/var-lib-ecs-ecs.config", ECS_AGENT.configLib, FILE_BYTES, redactEcsConfig),
  file("ecs/ecs-agent.log", ECS_AGENT.logs.agent, LOG_TAIL_BYTES),
  file("ecs/ecs-init.log", ECS_AGENT.logs.init, LOG_TAIL_BYTES),
  file("ssm/amazon-ssm-agent.json", SSM_AGENT.config, FILE_BYTES),
  file("ssm/amazon-ssm-agent.log", SSM_AGENT.logs.agent, LOG_TAIL_BYTES),
  file("ssm/errors.log", SSM_AGENT.logs.errors, LOG_TAIL_BYTES),
  file("docker/daemon.json", DOCKER.daemonJson, FILE_BYTES),
  {
    name: "systemd/UNIT.service.d/*.conf",
    source: "/etc/systemd/system/UNIT.service.d/*.conf of each unit below (proxy drop-ins among them)",
    collect: async (ctx, sink) => {
      for (const unit of bundleUnits(ctx)) {
        const dir = `/etc/systemd/system/${unit}.service.d`;
        for (const name of (await ctx.built.host.fs.list(dir)).filter((n) => n.endsWith(".conf"))) {
          // A host's file name goes into the archive: only a plain one (ustar keeps names short).
          if (!/^[A-Za-z0-9._@:+-]{1,50}$/.test(name)) {
            sink.missing(
              `systemd/${unit}.service.d/(unusual name)`,
              dir,
              "a drop-in with an unusual name, not read",
            );
            continue;
          }
          await addHostFile(ctx, sink, `systemd/${unit}.service.d/${name}`, `${dir}/${name}`, FILE_BYTES);
        }
      }
    },
  },
  {
    name: "journal/UNIT.log",
    source: `journalctl -u UNIT -n ${JOURNAL_LINES} --no-pager -o short-iso, for ${ECS_AGENT.unit}, the SSM agent (${SSM_AGENT.unit} or ${SSM_AGENT.snapUnit}), ${DOCKER.unit}, ${AGENT_STATE.units.join(", ")}`,
    collect: async (ctx, sink) => {
      for (const unit of bundleUnits(ctx)) {
        await runForBundle(ctx, sink, `journal/${unit}.log`, "journalctl", journalArgs(unit, JOURNAL_LINES));
      }
    },
  },
];
