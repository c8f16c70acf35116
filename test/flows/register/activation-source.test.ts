import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HostFs } from "../../../src/adapters/host/fs.ts";
import { readSuppliedActivation } from "../../../src/flows/register/activation-source.ts";
import { Redactor } from "../../../src/util/redact.ts";

const ID = "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b";
const CODE = "Abcdefghijklmnopqrstuvwxyz0123456789";

let dir: string;
let warnings: string[];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "activation-source-"));
  warnings = [];
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function fileWith(name: string, content: string, mode: number): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, content);
  await chmod(file, mode);
  return file;
}

const read = (flags: Parameters<typeof readSuppliedActivation>[0]) =>
  readSuppliedActivation(flags, {}, new HostFs("/"), new Redactor(), (message) => warnings.push(message));

describe("a supplied activation in a file every user can read", () => {
  it("is accepted with a warning naming the code file and the fix", async () => {
    const file = await fileWith("code", `${CODE}\n`, 0o644);
    const activation = await read({ activationId: ID, activationCodeFile: file });
    expect(activation).toMatchObject({ id: ID, code: CODE });
    expect(warnings).toEqual([
      `--activation-code-file: ${file} holds an activation code and every user can read it (mode 0644); fix: chmod 600 ${file}`,
    ]);
  });

  it("is accepted with a warning naming the activation file and the fix", async () => {
    const file = await fileWith(
      "activation.json",
      JSON.stringify({ activationId: ID, activationCode: CODE }),
      0o604,
    );
    expect(await read({ activationFile: file })).toMatchObject({ id: ID, code: CODE });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`--activation-file: ${file}`);
    expect(warnings[0]).toContain(`fix: chmod 600 ${file}`);
    expect(warnings[0]).not.toContain(CODE);
  });

  it("gives no warning for a private file (0600, or 0640 readable by its group only)", async () => {
    for (const mode of [0o600, 0o640]) {
      const file = await fileWith(`code-${mode}`, CODE, mode);
      await read({ activationId: ID, activationCodeFile: file });
    }
    expect(warnings).toEqual([]);
  });
});
