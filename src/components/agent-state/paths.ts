/** Host paths the agent reads or writes, always joined under the --root prefix by HostFs. */
export const PATHS = {
  // facts §3: /etc/ecs/ecs.config wins over /var/lib/ecs/ecs.config.
  ecsConfig: "/etc/ecs/ecs.config",
  ecsConfigLib: "/var/lib/ecs/ecs.config",
  // facts §2: the agent's state; a saved cluster that differs from ECS_CLUSTER makes it exit 5.
  agentDb: "/var/lib/ecs/data/agent.db",
  // facts §1: the install script skips ecs-init (and the ECS_CLUSTER append) when this exists.
  ecsInit: "/usr/libexec/amazon-ecs-init",
  // facts §4: registration files of the SSM agent.
  ssmRegistrationKey: "/var/lib/amazon/ssm/Vault/Store/RegistrationKey",
  ssmRegistration: "/var/lib/amazon/ssm/registration",
  agentDir: "/var/lib/ecs-anywhere-agent",
  state: "/var/lib/ecs-anywhere-agent/state.json",
  lock: "/var/lib/ecs-anywhere-agent/lock",
  script: "/var/lib/ecs-anywhere-agent/ecs-anywhere-install.sh",
  logDir: "/var/log/ecs-anywhere-agent",
} as const;

export const ECS_UNIT = "ecs";
