import { afterEach, describe, expect, it } from "vitest";
import { type InstallScriptServer, startInstallScriptServer } from "../fixtures/install-server.ts";

let server: InstallScriptServer | undefined;
afterEach(() => server?.stop());

describe("install-script server", () => {
  it("serves the script, its .asc and the public key; records requests; can play a broken mirror", async () => {
    const script = Buffer.from("#!/bin/bash\necho hi\n");
    server = await startInstallScriptServer({
      script,
      signature: Buffer.from("-----BEGIN PGP SIGNATURE-----\n"),
      publicKey: "-----BEGIN PGP PUBLIC KEY BLOCK-----\n",
    });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ecs-anywhere-install-latest\.sh$/);
    expect(Buffer.from(await (await fetch(server.url)).arrayBuffer())).toEqual(script);
    expect(await (await fetch(`${server.url}.asc`)).text()).toContain("PGP SIGNATURE");
    expect(await (await fetch(server.publicKeyUrl)).text()).toContain("PUBLIC KEY");
    expect((await fetch(`${server.url}.sha256`)).status).toBe(404);

    server.setResponse("/ecs-anywhere-install-latest.sh.asc", { status: 503, body: "busy" });
    expect((await fetch(server.signatureUrl)).status).toBe(503);
    server.setResponse("/ecs-anywhere-install-latest.sh.asc", undefined);
    expect((await fetch(server.signatureUrl)).status).toBe(200);

    expect(server.requests()).toEqual([
      "GET /ecs-anywhere-install-latest.sh",
      "GET /ecs-anywhere-install-latest.sh.asc",
      "GET /amazon-ecs-agent.gpg",
      "GET /ecs-anywhere-install-latest.sh.sha256",
      "GET /ecs-anywhere-install-latest.sh.asc",
      "GET /ecs-anywhere-install-latest.sh.asc",
    ]);
  });

  it("without a signature, the .asc is 404", async () => {
    server = await startInstallScriptServer({ script: Buffer.from("x") });
    expect((await fetch(server.signatureUrl)).status).toBe(404);
  });
});
