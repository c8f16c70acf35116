// The SSM Agent signing key ships inside the agent (field notes §10.13): one primary key, the pinned one, able to sign.
import { describe, expect, it } from "vitest";
import { run } from "../../../src/adapters/host/exec.ts";
import {
  SSM_AGENT_KEY_FINGERPRINT,
  SSM_AGENT_PUBLIC_KEY,
} from "../../../src/components/agent-packages/ssm-key.ts";
import { inspectPublicKey } from "../../../src/components/install-script/key-info.ts";

describe("the embedded SSM Agent key", () => {
  it("is the pinned key 1C5B…9D46, valid until 2027-11-25", async () => {
    const info = await inspectPublicKey(SSM_AGENT_PUBLIC_KEY, { exec: run });
    expect(info?.primary.fingerprint).toBe(SSM_AGENT_KEY_FINGERPRINT);
    expect(info?.primary.capabilities).toContain("s");
    expect(info?.primary.expiresAt?.toISOString().slice(0, 10)).toBe("2027-11-25");
  });
});
