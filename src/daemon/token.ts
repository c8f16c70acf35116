import { HostFs } from "../adapters/host/fs.ts";
import type { App } from "../app/app.ts";
import type { Config } from "../config/schema.ts";
import { describeError, UsageError } from "../errors.ts";

/** The bearer token for /status and /metrics: one line of a regular file, bounded (bad input: exit 2). */
export async function readToken(app: App, config: Config): Promise<string | undefined> {
  const file = config.health.tokenFile;
  if (file === undefined) return undefined;
  const read = await new HostFs("/", app.clock).readInputFile(file, 4096).catch((error: unknown) => {
    throw new UsageError(`health.tokenFile: cannot read ${file} (${describeError(error)})`);
  });
  const text = read?.bytes.toString("utf8").trim();
  if (!text) throw new UsageError(`health.tokenFile: ${file} is missing or empty`);
  if (/\s/.test(text))
    throw new UsageError(`health.tokenFile: ${file} must hold one token without white space`);
  app.redactor.add(text);
  return text;
}
