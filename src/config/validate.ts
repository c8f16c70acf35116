// The config file's validator, which schema.ts builds the schema from: a few typed combinators that check a value
// and produce the output, reporting one issue per thing wrong (validate-issues.ts). Only what the schema needs is
// here. Building a schema only keeps its parameters (in small objects and closures), so it costs next to nothing
// at start-up; nothing is compiled from strings. This module is the validator as one namespace (`v`): the core
// and the parse entry (validate-schema.ts), the leaf schemas (validate-primitives.ts) and the schemas over other
// schemas (validate-composites.ts).
export * from "./validate-composites.ts";
export * from "./validate-primitives.ts";
export * from "./validate-schema.ts";
