/** The agent's own folders and files on the host: the only module that names them. */
export const AGENT_STATE = {
  dir: "/var/lib/ecs-anywhere-agent",
  state: "/var/lib/ecs-anywhere-agent/state.json",
  lock: "/var/lib/ecs-anywhere-agent/lock",
  script: "/var/lib/ecs-anywhere-agent/ecs-anywhere-install.sh",
  logDir: "/var/log/ecs-anywhere-agent",
  /** The install script's output of each register run: `install-<UTC time>.log`, newest last by name. */
  installLog: /^install-\d{8}T\d{6}\d*Z\.log$/,
  /** This agent's own systemd units (systemd/). */
  units: ["ecs-anywhere-agent", "ecs-anywhere-register"],
} as const;
