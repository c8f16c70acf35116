/**
 * The ECS agent on the host: ecs-init, its two ecs.config files, the agent's state and its unit. This module
 * is the only one that names them (field notes §1-§3).
 */
export const ECS_AGENT = {
  unit: "ecs",
  /** Read last, so its values win (field notes §3). The agent writes the keys it manages here. */
  config: "/etc/ecs/ecs.config",
  /** Read first; the install script appends the external-mode keys here (field notes §1). */
  configLib: "/var/lib/ecs/ecs.config",
  /** The agent's state folder (agent.db, the second ecs.config). */
  stateDir: "/var/lib/ecs",
  /** The agent's saved state; a saved cluster that differs from ECS_CLUSTER makes it exit 5 (field notes §2). */
  agentDb: "/var/lib/ecs/data/agent.db",
  /** The install script skips ecs-init, and its ECS_CLUSTER append, when this exists (field notes §1). */
  ecsInit: "/usr/libexec/amazon-ecs-init",
  package: "amazon-ecs-init",
  /** What the package and the agent leave behind, removed by `deregister --purge`. */
  folders: ["/etc/ecs", "/var/lib/ecs", "/var/log/ecs"],
  logs: { agent: "/var/log/ecs/ecs-agent.log", init: "/var/log/ecs/ecs-init.log" },
} as const;

/** ecs-init's read order: later files win (field notes §3). */
export const ECS_CONFIG_FILES = [ECS_AGENT.configLib, ECS_AGENT.config] as const;

/** ECS_CLUSTER when neither file sets it (field notes §3). */
export const DEFAULT_CLUSTER = "default";
