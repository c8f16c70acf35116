import type { App } from "../../app/app.ts";
import type { Host } from "../../app/host-build.ts";
import { describeError } from "../../errors.ts";
import type { BundleHost } from "./facts.ts";

/** One file of the bundle, before the secret scan. */
export interface BundleFile {
  name: string;
  content: string;
  /** Where it came from: a host path (under the root) or a command line. */
  source: string;
  /** Older content was left out (a bounded tail). */
  truncated?: boolean;
  /** The exit code of the command that produced it. */
  exitCode?: number;
}

/** Something the bundle should hold and does not, and why (absent, unreadable, a command that failed). */
export interface NotCollected {
  name: string;
  source: string;
  reason: string;
}

export interface CollectContext {
  app: App;
  built: Host;
  /** --root and --ecs-agent-url as given (check and status run with them). */
  hostFlags: { root?: string; ecsAgentUrl?: string };
  /** The configured region, else the one the SSM agent registered in; undefined when neither is known. */
  region: string | undefined;
  /** This agent's version (the CLI's). */
  agentVersion: string;
  /** What the collectors share, observed once per bundle (observeBundleHost). */
  observed: BundleHost;
}

/** Where a collector puts what it found. */
export interface Sink {
  file(file: BundleFile): void;
  missing(name: string, source: string, reason: string): void;
}

/** One part of the bundle: the entries it adds (a name, or a pattern such as journal/UNIT.log) and their source. */
export interface Collector {
  name: string;
  source: string;
  collect(ctx: CollectContext, sink: Sink): Promise<void>;
}

export interface Collection {
  files: BundleFile[];
  notCollected: NotCollected[];
}

/**
 * Runs every collector, one after the other (they share the host's processes and disks with its workload). A
 * collector that throws is recorded as not collected, with the error, and the others still run: a support bundle
 * is most needed when something is broken.
 */
export async function collectAll(ctx: CollectContext, collectors: readonly Collector[]): Promise<Collection> {
  const files: BundleFile[] = [];
  const notCollected: NotCollected[] = [];
  const sink: Sink = {
    file: (file) => files.push(file),
    missing: (name, source, reason) => notCollected.push({ name, source, reason }),
  };
  for (const collector of collectors) {
    ctx.app.signal.throwIfAborted();
    try {
      await collector.collect(ctx, sink);
    } catch (error) {
      if (ctx.app.signal.aborted) throw error;
      sink.missing(collector.name, collector.source, describeError(error));
    }
  }
  return { files, notCollected };
}

/** A host file's bounded tail as a bundle entry, or a NotCollected line saying it is absent. */
export async function addHostFile(
  ctx: CollectContext,
  sink: Sink,
  name: string,
  hostPath: string,
  maxBytes: number,
  transform: (text: string) => string = (text) => text,
): Promise<string | undefined> {
  const fs = ctx.built.host.fs;
  const source = fs.resolve(hostPath);
  const read = await fs.readTail(hostPath, maxBytes);
  if (read === undefined) {
    sink.missing(name, source, "absent");
    return undefined;
  }
  sink.file({ name, source, content: transform(read.text), ...(read.truncated ? { truncated: true } : {}) });
  return read.text;
}

/** Output longer than `maxBytes` keeps its end (the newest lines), from a line start. */
export function keepTail(text: string, maxBytes: number): { text: string; truncated: boolean } {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= maxBytes) return { text, truncated: false };
  const tail = bytes.subarray(bytes.length - maxBytes).toString("utf8");
  return { text: tail.slice(tail.indexOf("\n") + 1), truncated: true };
}
