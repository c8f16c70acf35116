import { clusterName } from "../adapters/host/introspection.ts";
import { readEcsConfigFiles } from "./host-files.ts";
import { defineCheck, fail, pass } from "./types.ts";

// facts §2: the agent's saved state; when its cluster differs from ECS_CLUSTER the agent exits 5 in a loop.
const AGENT_DB = "/var/lib/ecs/data/agent.db";
const DEFAULT_CLUSTER = "default"; // facts §3: ECS_CLUSTER's default

export const existingRegistrationCheck = defineCheck(
  "existing-registration",
  "an existing ECS registration belongs to the desired cluster",
  async (ctx) => {
    const metadata = await ctx.introspection.metadata();
    const hasState = await ctx.fs.exists(AGENT_DB);
    const running = metadata.state === "ok" && metadata.containerInstanceArn !== null;
    if (!hasState && !running) return pass("not registered with ECS yet");

    let saved: string;
    let source: string;
    if (metadata.state === "ok") {
      saved = clusterName(metadata.cluster);
      source = "the running ECS agent";
    } else {
      const configured = (await readEcsConfigFiles(ctx.fs)).get("ECS_CLUSTER");
      saved = clusterName(configured?.value || DEFAULT_CLUSTER);
      source = `${configured?.file ?? "the ECS default"}; the agent is not answering to confirm it`;
    }
    const desired = clusterName(ctx.cluster);
    if (saved === desired) return pass(`already registered to ${desired} (per ${source})`);
    return fail(
      `this host is registered to cluster ${saved} (per ${source}), not ${desired}`,
      `run register --move to move this host to ${desired}`,
    );
  },
);
