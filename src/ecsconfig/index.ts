export {
  type DesiredEcsConfigOptions,
  desiredEcsConfig,
  ECS_LOG_LEVELS,
  type EcsLogLevel,
} from "./desired.ts";
export { isSecretKey, KEY_PATTERN, maskUrlPassword, maskValue, secretOf } from "./keys.ts";
export { type EcsConfigMerge, mergeEcsConfig } from "./merge.ts";
export {
  type EcsConfigDiagnostic,
  type EcsConfigDiagnosticKind,
  type EcsConfigEntry,
  type ParsedEcsConfig,
  parseEcsConfig,
} from "./parse.ts";
export { type RenderableEntry, renderEcsConfig } from "./render.ts";
export { type EcsConfigProblem, validateEcsConfigValues } from "./validate.ts";
