/** The agent's own folders and files on the host: the only module that names them. */
export const AGENT_STATE = {
  dir: "/var/lib/ecs-anywhere-agent",
  state: "/var/lib/ecs-anywhere-agent/state.json",
  lock: "/var/lib/ecs-anywhere-agent/lock",
  script: "/var/lib/ecs-anywhere-agent/ecs-anywhere-install.sh",
  logDir: "/var/log/ecs-anywhere-agent",
} as const;
