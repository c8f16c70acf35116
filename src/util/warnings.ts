/**
 * The AWS SDK warns on every run under Node 20 (past end of life). stdout stays clean either way (warnings go
 * to stderr); the README tells operators to run Node 22/24, so the repeated multi-line notice is dropped.
 */
export function dropSdkNodeVersionWarning(): void {
  const emitWarning = process.emitWarning.bind(process);
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === "string" ? warning : `${warning.name} ${warning.message}`;
    const type = typeof rest[0] === "string" ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    if (type === "NodeVersionSupportWarning" || text.includes("NodeVersionSupportWarning")) return;
    (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
  }) as typeof process.emitWarning;
}
