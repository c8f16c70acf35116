import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ADAPTERS = fileURLToPath(new URL("../../src/adapters/aws", import.meta.url));

/** The adapter files that send AWS calls, by the service their calls belong to. */
export const ADAPTER_SERVICES: Readonly<Record<string, string>> = {
  "ecs.ts": "ecs",
  "iam.ts": "iam",
  "ssm.ts": "ssm",
  "sts.ts": "sts",
};

/**
 * Every `service:Action` the AWS adapters can send, sorted: each `new XCommand(` and `paginateX(` in them.
 * `unmapped` lists the files that send calls but are not in ADAPTER_SERVICES (a new adapter to map).
 */
export function adapterOperations(): { all: string[]; reads: string[]; unmapped: string[] } {
  const found = new Set<string>();
  const unmapped: string[] = [];
  for (const file of readdirSync(ADAPTERS)) {
    const service = ADAPTER_SERVICES[file];
    const source = readFileSync(join(ADAPTERS, file), "utf8");
    const calls = [...source.matchAll(/\bnew ([A-Z]\w*)Command\(|\bpaginate([A-Z]\w*)\(/g)];
    if (service === undefined) {
      if (calls.length > 0) unmapped.push(file);
      continue;
    }
    for (const match of calls) found.add(`${service}:${match[1] ?? match[2]}`);
  }
  const all = [...found].sort();
  return { all, reads: all.filter((action) => /:(Get|List|Describe)/.test(action)), unmapped };
}
