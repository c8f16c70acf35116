import { ECS_AGENT } from "../../components/ecs-agent/files.ts";
import { failed, ok, type Probe } from "./probe.ts";

/** Opt-in: what ECS and SSM say about this host, with its own instance-role credentials, at most once a minute. */
export const controlPlaneProbe: Probe = {
  name: "control-plane",
  critical: true,
  late: true,
  minIntervalMs: 60_000,
  enabled: (ctx) => ctx.config.health.controlPlane && ctx.controlPlane !== undefined,
  async run(ctx) {
    const { containerInstanceArn: arn, managedInstanceId: id } = ctx.facts;
    if (arn === undefined || id === undefined || ctx.controlPlane === undefined) {
      return { status: "skipped", message: "not registered yet: nothing to ask the control plane about" };
    }
    const plane = await ctx.controlPlane();
    const [instance, ping] = await Promise.all([
      plane.agentConnected(ctx.config.cluster, arn),
      plane.pingStatus(id),
    ]);
    ctx.facts.agentConnected = instance?.agentConnected === true;
    const problems = [
      ...(instance === undefined ? [`ECS does not know ${arn}`] : []),
      ...(instance && instance.status !== "ACTIVE" ? [`the container instance is ${instance.status}`] : []),
      ...(instance && !instance.agentConnected ? ["ECS says the agent is not connected"] : []),
      ...(ping !== "Online" ? [`SSM says the managed instance is ${ping ?? "unknown"}`] : []),
    ];
    if (problems.length === 0) return ok("ACTIVE, agent connected; SSM ping Online");
    return failed(
      problems.join("; "),
      `see the ECS agent's log (${ECS_AGENT.logs.agent}) and the SSM agent's; check outbound HTTPS to ECS and SSM`,
    );
  },
};
