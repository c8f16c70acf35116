import { clusterName } from "../adapters/host/introspection.ts";
import { membership, observeEcsAgent } from "../components/ecs-agent/observe.ts";
import { defineCheck, fail, pass } from "./types.ts";

export const existingRegistrationCheck = defineCheck(
  "existing-registration",
  "an existing ECS registration belongs to the desired cluster",
  async (ctx) => {
    const member = membership(await observeEcsAgent(ctx.fs, ctx.introspection));
    if (member === undefined) return pass("not registered with ECS yet");
    const desired = clusterName(ctx.cluster);
    if (member.cluster === desired) return pass(`already registered to ${desired} (per ${member.source})`);
    return fail(
      `this host is registered to cluster ${member.cluster} (per ${member.source}), not ${desired}`,
      `run register --move to move this host to ${desired}`,
    );
  },
);
