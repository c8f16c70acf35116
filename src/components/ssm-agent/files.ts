/** The SSM agent on the host: the only module that names its files, units and binaries (field notes §4). */
export const SSM_AGENT = {
  /** The deb/rpm unit, and the snap one (field notes §1, §4). */
  unit: "amazon-ssm-agent",
  snapUnit: "snap.amazon-ssm-agent.amazon-ssm-agent",
  binary: "amazon-ssm-agent",
  snapBinary: "/snap/amazon-ssm-agent/current/amazon-ssm-agent",
  package: "amazon-ssm-agent",
  /** Holds instanceID, region and the private key (a secret) while registered. */
  registrationKey: "/var/lib/amazon/ssm/Vault/Store/RegistrationKey",
  /** `{"ManagedInstanceID","Region"}`; survives `-register -clear`. */
  registration: "/var/lib/amazon/ssm/registration",
  /** The running agent's identity, with CredentialsRetrievedAt and CredentialsExpiresAt (field notes §4.2). */
  identityConfig: "/var/lib/amazon/ssm/runtimeconfig/identity_config.json",
  /** The instance role's credentials, in the [default] profile, rotated about every 30 minutes. */
  credentials: "/root/.aws/credentials",
  folders: ["/var/lib/amazon/ssm", "/etc/amazon/ssm", "/var/log/amazon/ssm"],
  /** Endpoint overrides and other settings; the snap reads it there too (field notes §10.10). */
  config: "/etc/amazon/ssm/amazon-ssm-agent.json",
  /** Rolling logs, the snap's at the same paths (field notes §10.16). */
  logs: { agent: "/var/log/amazon/ssm/amazon-ssm-agent.log", errors: "/var/log/amazon/ssm/errors.log" },
} as const;

/** Managed instance ids of hybrid nodes (field notes §4). */
export const MANAGED_INSTANCE_ID = /^mi-[0-9a-f]{17}$/;
