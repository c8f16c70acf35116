import { type ConfigInput, configSchema } from "../../src/config/schema.ts";
import type { PolicyContext } from "../../src/policies/index.ts";

export const ctx: PolicyContext = {
  partition: "aws",
  account: "111122223333",
  region: "eu-central-1",
  cluster: "edge",
};

/** A full configuration with the schema's defaults, so tests exercise the same shapes the agent builds from. */
export const config = (input: ConfigInput = {}) => configSchema.parse(input);
