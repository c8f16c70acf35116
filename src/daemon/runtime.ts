// How the daemon's own process tunes V8 when it starts (bin.ts passes tuneDaemonRuntime to the daemon command;
// tests and one-shot commands leave their process as it is). The daemon's unit sets what NODE_OPTIONS may carry
// (systemd/ecs-anywhere-agent.service); node refuses most V8 flags there, so the rest is set here.

/**
 * V8 flags for a process that runs a pass every 15 s for months. Sparkplug, V8's baseline compiler, turns a warm
 * function's bytecode into machine code for a quicker start; the daemon's hot paths (a pass, /metrics) go on to the
 * optimizing tiers anyway, and the baseline code of everything else is memory that nothing needs: on Node 22 the
 * daemon's resident memory was lower without it, and /metrics as fast (field notes §9.12).
 */
export const DAEMON_V8_FLAGS: readonly string[] = ["--no-sparkplug"];

/**
 * Applies DAEMON_V8_FLAGS to this process: functions compiled from now on follow them. The daemon command calls it
 * before anything else it runs (a registration on start included). A flag some later V8 no longer knows is not an
 * error: V8 prints "unrecognized flag" on stderr (the journal) and goes on with its defaults.
 */
export function tuneDaemonRuntime(): void {
  const v8 = process.getBuiltinModule("node:v8");
  for (const flag of DAEMON_V8_FLAGS) v8.setFlagsFromString(flag);
}
