import { credentialsCheck } from "./credentials.ts";
import { distributionCheck } from "./distribution.ts";
import { dockerCheck } from "./docker.ts";
import { gpgCheck } from "./gpg.ts";
import { architectureCheck, diskCheck, rootCheck, systemdCheck } from "./host.ts";
import { clockSkewCheck, endpointsCheck } from "./network.ts";
import { proxyCheck } from "./proxy.ts";
import { existingRegistrationCheck } from "./registration.ts";
import { signingKeyCheck } from "./signing-key.ts";
import { toolsCheck } from "./tools.ts";
import type { Check } from "./types.ts";

export { allPassed, type RunChecksOptions, runChecks } from "./run.ts";
export * from "./types.ts";

/** Every preflight check, in the order the install script would trip over them (field notes §1). */
export const PREFLIGHT_CHECKS: readonly Check[] = [
  rootCheck,
  systemdCheck,
  architectureCheck,
  distributionCheck,
  toolsCheck,
  diskCheck,
  clockSkewCheck,
  endpointsCheck,
  proxyCheck,
  credentialsCheck,
  existingRegistrationCheck,
  gpgCheck,
  signingKeyCheck,
  dockerCheck,
];

export const CHECK_NAMES: readonly string[] = PREFLIGHT_CHECKS.map((check) => check.id);
