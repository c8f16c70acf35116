import { ECSClient, ListServicesCommand } from "@aws-sdk/client-ecs";
import { CreateRoleCommand, IAMClient, ListRolePoliciesCommand } from "@aws-sdk/client-iam";
import { DescribeActivationsCommand, SSMClient } from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, sign, startEmulator } from "./index.ts";
import { clients, rejection, SSM_TRUST, TEST_CREDENTIALS } from "./sdk-clients.ts";

let emu: Emulator;
beforeEach(async () => {
  emu = await startEmulator();
});
afterEach(() => emu.stop());

const IAM_BODY = "Action=ListRoles&Version=2010-05-08";
const host = () => new URL(emu.url).host;

function signed(body: string, service: string, extra: Record<string, string> = {}, now?: Date) {
  return sign({
    method: "POST",
    url: "/",
    headers: { host: host(), "content-type": "application/x-www-form-urlencoded", ...extra },
    body,
    ...TEST_CREDENTIALS,
    region: "us-east-1",
    service,
    now,
  });
}

describe("STS", () => {
  it("answers GetCallerIdentity through the real client", async () => {
    const out = await clients(emu.url).sts.send(new GetCallerIdentityCommand({}));
    expect(out.Account).toBe("123456789012");
    expect(out.Arn).toBe("arn:aws:iam::123456789012:user/emulator");
    expect(out.UserId).toMatch(/^AIDA[A-Z0-9]{17}$/);
    expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("uses the configured account", async () => {
    const other = await startEmulator({ accountId: "210987654321" });
    try {
      const out = await clients(other.url).sts.send(new GetCallerIdentityCommand({}));
      expect(out.Arn).toBe("arn:aws:iam::210987654321:user/emulator");
    } finally {
      await other.stop();
    }
  });
});

describe("SigV4", () => {
  it("verifies the real SDK's signatures for all four services (also with a custom key pair)", async () => {
    const emu2 = await startEmulator({ credentials: { AKIDCUSTOM: "custom-secret" } });
    try {
      const c = clients(emu2.url, {
        credentials: { accessKeyId: "AKIDCUSTOM", secretAccessKey: "custom-secret" },
      });
      await c.sts.send(new GetCallerIdentityCommand({}));
      await c.iam.send(new CreateRoleCommand({ RoleName: "R", AssumeRolePolicyDocument: SSM_TRUST }));
      await c.ssm.send(new DescribeActivationsCommand({}));
      await expect(c.ecs.send(new ListServicesCommand({}))).rejects.toMatchObject({
        name: "UnknownOperationException",
      });
      expect(emu2.calls().map((x) => x.status)).toEqual([200, 200, 200, 400]);
    } finally {
      await emu2.stop();
    }
  });

  it("rejects a request without Authorization (plain fetch), per protocol", async () => {
    const query = await fetch(emu.url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: IAM_BODY,
    });
    expect(query.status).toBe(403);
    expect(query.headers.get("x-amzn-requestid")).toMatch(/^[0-9a-f-]{36}$/);
    expect(query.headers.get("date")).toBeTruthy();
    const xml = await query.text();
    expect(xml).toContain("<Code>MissingAuthenticationToken</Code>");
    expect(xml).toContain("<Type>Sender</Type>");

    const json = await fetch(emu.url, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": "AmazonSSM.DescribeActivations",
      },
      body: "{}",
    });
    expect(json.status).toBe(400);
    expect(await json.json()).toEqual({
      __type: "MissingAuthenticationTokenException",
      message: "Missing Authentication Token",
    });
    expect(emu.calls()).toEqual([
      {
        service: "iam",
        action: "ListRoles",
        mutating: false,
        status: 403,
        errorCode: "MissingAuthenticationToken",
      },
      {
        service: "ssm",
        action: "DescribeActivations",
        mutating: false,
        status: 400,
        errorCode: "MissingAuthenticationTokenException",
      },
    ]);
  });

  it("accepts a correctly signed plain fetch and rejects a wrong signature or an expired date", async () => {
    const body = "Action=GetCallerIdentity&Version=2011-06-15";
    const good = await fetch(emu.url, { method: "POST", headers: signed(body, "sts"), body });
    expect(good.status).toBe(200);
    expect(await good.text()).toContain("<Account>123456789012</Account>");

    const headers = signed(body, "sts");
    headers.authorization = (headers.authorization ?? "").replace(
      /Signature=[0-9a-f]{64}/,
      `Signature=${"0".repeat(64)}`,
    );
    const bad = await fetch(emu.url, { method: "POST", headers, body });
    expect(bad.status).toBe(403);
    expect(await bad.text()).toContain("<Code>SignatureDoesNotMatch</Code>");

    const old = signed(body, "sts", {}, new Date(Date.now() - 20 * 60 * 1000));
    const expired = await fetch(emu.url, { method: "POST", headers: old, body });
    expect(expired.status).toBe(403);
    const text = await expired.text();
    expect(text).toContain("<Code>SignatureDoesNotMatch</Code>");
    expect(text).toContain(`Signature expired: ${old["x-amz-date"]} is now earlier than`);

    const garbled = await fetch(emu.url, {
      method: "POST",
      headers: { ...signed(body, "sts"), authorization: "AWS4-HMAC-SHA256 nonsense" },
      body,
    });
    expect(garbled.status).toBe(400);
    expect(await garbled.text()).toContain("<Code>IncompleteSignature</Code>");
  });

  it("rejects a body tampered with after the SDK signed it", async () => {
    const iam = new IAMClient({
      region: "us-east-1",
      endpoint: emu.url,
      credentials: TEST_CREDENTIALS,
      maxAttempts: 1,
    });
    iam.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { body?: unknown };
        if (typeof request.body === "string")
          request.body = request.body.replace("RoleName=Alpha", "RoleName=Omega");
        return next(args);
      },
      { step: "deserialize", name: "tamperAfterSigning" },
    );
    const e = await rejection(iam.send(new ListRolePoliciesCommand({ RoleName: "Alpha" })));
    expect(e.name).toBe("SignatureDoesNotMatch");
    expect(e.$metadata).toMatchObject({ httpStatusCode: 403 });
    expect(e.message).toContain("does not match the signature you provided");

    const ssm = new SSMClient({
      region: "us-east-1",
      endpoint: emu.url,
      credentials: TEST_CREDENTIALS,
      maxAttempts: 1,
    });
    ssm.middlewareStack.add(
      (next) => async (args) => {
        // The JSON protocol hands the handler bytes.
        const request = args.request as { body?: unknown };
        if (request.body instanceof Uint8Array) {
          request.body = new TextEncoder().encode(new TextDecoder().decode(request.body).replace("50", "49"));
        }
        return next(args);
      },
      { step: "deserialize", name: "tamperAfterSigning" },
    );
    const j = await rejection(ssm.send(new DescribeActivationsCommand({ MaxResults: 50 })));
    expect(j.name).toBe("InvalidSignatureException");
    expect(emu.calls().map((c) => c.errorCode)).toEqual([
      "SignatureDoesNotMatch",
      "InvalidSignatureException",
    ]);
  });

  it("answers unknown actions, prototype-named keys and unknown services with errors, not crashes", async () => {
    const c = clients(emu.url);
    await expect(c.ecs.send(new ListServicesCommand({}))).rejects.toMatchObject({
      name: "UnknownOperationException",
    });
    for (const [body, service] of [
      ["Action=constructor&Version=2010-05-08", "iam"],
      ["Action=GetRole&Version=constructor", "s3"],
    ] as const) {
      const res = await fetch(emu.url, { method: "POST", headers: signed(body, service), body });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain("<Code>InvalidAction</Code>");
    }
    const body = "Action=GetCallerIdentity&Version=2011-06-15";
    const headers = signed(body, "sts");
    headers.authorization = (headers.authorization ?? "").replace(TEST_CREDENTIALS.accessKeyId, "toString");
    const res = await fetch(emu.url, { method: "POST", headers, body });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("<Code>InvalidClientTokenId</Code>");
  });

  it("rejects a wrong secret and an unknown access key with each protocol's error", async () => {
    const wrongSecret = { accessKeyId: TEST_CREDENTIALS.accessKeyId, secretAccessKey: "wrong" };
    const unknownKey = { accessKeyId: "AKIAUNKNOWN000000000", secretAccessKey: "x" };
    const config = (credentials: typeof wrongSecret) => ({
      region: "us-east-1",
      endpoint: emu.url,
      credentials,
      maxAttempts: 1,
    });

    const sts = await rejection(new STSClient(config(wrongSecret)).send(new GetCallerIdentityCommand({})));
    expect(sts.name).toBe("SignatureDoesNotMatch");
    const ssm = await rejection(new SSMClient(config(wrongSecret)).send(new DescribeActivationsCommand({})));
    expect(ssm.name).toBe("InvalidSignatureException");

    const iam = await rejection(
      new IAMClient(config(unknownKey)).send(new ListRolePoliciesCommand({ RoleName: "R" })),
    );
    expect(iam.name).toBe("InvalidClientTokenId");
    expect(iam.$metadata).toMatchObject({ httpStatusCode: 403 });
    const ecs = await rejection(new ECSClient(config(unknownKey)).send(new ListServicesCommand({})));
    expect(ecs.name).toBe("UnrecognizedClientException");
    expect(ecs.message).toBe("The security token included in the request is invalid.");
  });
});
