import type { App } from "../../app/app.ts";
import type { Io } from "../../cli/io.ts";
import { configFileUsed } from "../../config/file.ts";
import { describeConfig } from "../../config/load.ts";
import { UsageError } from "../../errors.ts";
import type { CollectContext, Sink } from "./collect.ts";

type Command = (ctx: App, raw: Record<string, unknown>) => Promise<number>;

/**
 * Runs a command of this CLI in-process (`check`, `status`) with JSON output captured instead of printed, and
 * adds its document as `name`. Its warnings (stderr) are kept beside it. When the config names no region, the
 * one the SSM agent registered in stands in, so a host set up without a config file still gets its checks.
 */
export async function addCommandReport(
  ctx: CollectContext,
  sink: Sink,
  name: string,
  load: () => Promise<{ default: Command }>,
): Promise<void> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (text) => out.push(text), err: (text) => err.push(text) };
  const { app, region } = ctx;
  const captured: App = {
    ...app,
    output: "json",
    io,
    progress: () => {},
    region: (more) => {
      try {
        return app.region(more);
      } catch (error) {
        if (error instanceof UsageError && region !== undefined) return region;
        throw error;
      }
    },
  };
  const source = `ecs-anywhere-agent ${name.replace(/^agent\/|\.json$/g, "")} --output json`;
  const exitCode = await (await load()).default(captured, { ...ctx.hostFlags });
  sink.file({ name, source, content: out.join(""), exitCode });
  if (err.length > 0)
    sink.file({ name: name.replace(/\.json$/, ".stderr.txt"), source, content: err.join("") });
}

/** The config as `config validate` resolves and describes it (secrets masked), with the file it came from. */
export async function addResolvedConfig(ctx: CollectContext, sink: Sink, name: string): Promise<void> {
  const { app } = ctx;
  const file = configFileUsed({
    ...(app.options.config === undefined ? {} : { file: app.options.config }),
    env: app.deps.env,
  });
  const document = { file, config: describeConfig(app.config()) };
  sink.file({
    name,
    source: "ecs-anywhere-agent config validate",
    content: `${JSON.stringify(document, null, 2)}\n`,
  });
}
