import { describe, expect, it } from "vitest";
import { EmulatorError } from "./errors.ts";
import { DenyList, FaultBook, RateLimiter } from "./faults.ts";
import { decodeToken, encodeToken, paginate } from "./paging.ts";
import { policySize, trustsService, validatePolicy } from "./policy.ts";
import { parseQueryParams, queryError, querySuccess } from "./query.ts";
import { canonicalPath, canonicalQuery, parseAuthorization, sign, verify } from "./sigv4.ts";
import { element } from "./xml.ts";

describe("xml", () => {
  it("writes lists as <member>, maps as <entry>, booleans, ISO timestamps, escaped text, and skips absent members", () => {
    const xml = element("R", {
      List: ["a", "b"],
      Empty: [],
      Map: new Map([["k", "v"]]),
      Flag: false,
      When: new Date("2025-03-01T12:00:00.123Z"),
      Text: `<&>"'`,
      Missing: undefined,
      Nested: [{ Key: "x", Value: "" }],
    });
    expect(xml).toBe(
      "<R><List><member>a</member><member>b</member></List><Empty/>" +
        "<Map><entry><key>k</key><value>v</value></entry></Map><Flag>false</Flag>" +
        "<When>2025-03-01T12:00:00Z</When><Text>&lt;&amp;&gt;&quot;&apos;</Text>" +
        "<Nested><member><Key>x</Key><Value/></member></Nested></R>",
    );
  });

  it("wraps results and errors the query-protocol way", () => {
    expect(querySuccess("sts", "GetCallerIdentity", { Account: "1" }, "rid")).toBe(
      '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>' +
        "<Account>1</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>rid</RequestId>" +
        "</ResponseMetadata></GetCallerIdentityResponse>",
    );
    expect(querySuccess("iam", "DeleteRole", undefined, "rid")).not.toContain("DeleteRoleResult");
    expect(queryError("iam", "ServiceFailure", "m", 500, "rid")).toContain("<Type>Receiver</Type>");
  });
});

describe("query params", () => {
  it("nests members and entries, orders by index, and reads empty lists", () => {
    const params = new URLSearchParams(
      "Action=CreateRole&Version=2010-05-08&RoleName=R&Tags.member.2.Key=b&Tags.member.2.Value=2" +
        "&Tags.member.1.Key=a&Tags.member.1.Value=1&TagKeys=&Attrs.entry.1.key=x&Attrs.entry.1.value=y",
    );
    expect(parseQueryParams(params)).toEqual({
      action: "CreateRole",
      version: "2010-05-08",
      data: {
        RoleName: "R",
        Tags: [
          { Key: "a", Value: "1" },
          { Key: "b", Value: "2" },
        ],
        TagKeys: "",
        Attrs: { x: "y" },
      },
    });
  });
});

describe("sigv4", () => {
  it("builds canonical paths and queries the way the SDK does", () => {
    expect(canonicalPath("/")).toBe("/");
    expect(canonicalPath("/a/./b/../c/")).toBe("/a/c/");
    expect(canonicalPath("/a%20b")).toBe("/a%2520b");
    expect(canonicalQuery("b=2&a=1&a=0&X-Amz-Signature=zz&c")).toBe("a=0&a=1&b=2&c=");
    expect(canonicalQuery("k=a%20b*")).toBe("k=a%20b%2A");
  });

  it("signs and verifies (AWS's documented example key), and detects any change", () => {
    const now = new Date("2015-08-30T12:36:00Z");
    const headers = sign({
      method: "GET",
      url: "/?Action=ListUsers&Version=2010-05-08",
      headers: {
        host: "iam.amazonaws.com",
        "content-type": "application/x-www-form-urlencoded; charset=utf-8",
      },
      body: "",
      accessKeyId: "AKIDEXAMPLE",
      secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
      region: "us-east-1",
      service: "iam",
      now,
    });
    // The example from the AWS SigV4 documentation.
    expect(headers.authorization).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, " +
        "SignedHeaders=content-type;host;x-amz-date, " +
        "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
    );
    const auth = parseAuthorization(headers.authorization);
    expect(auth).toMatchObject({
      accessKeyId: "AKIDEXAMPLE",
      date: "20150830",
      region: "us-east-1",
      service: "iam",
    });
    const req = {
      method: "GET",
      url: "/?Action=ListUsers&Version=2010-05-08",
      headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
      body: new Uint8Array(),
    };
    const secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    if (auth === undefined) throw new Error("unparsed");
    expect(verify(req, auth, secret, now.getTime())).toEqual({ ok: true });
    expect(
      verify({ ...req, url: "/?Action=ListRoles&Version=2010-05-08" }, auth, secret, now.getTime()).ok,
    ).toBe(false);
    expect(verify({ ...req, body: new Uint8Array([1]) }, auth, secret, now.getTime()).ok).toBe(false);
    expect(verify(req, auth, "other", now.getTime()).ok).toBe(false);
    expect(verify(req, auth, secret, now.getTime() + 16 * 60 * 1000)).toMatchObject({
      ok: false,
      kind: "expired",
    });
    expect(verify(req, { ...auth, signedHeaders: ["x-amz-date"] }, secret, now.getTime())).toMatchObject({
      ok: false,
      kind: "incomplete",
    });
    expect(parseAuthorization("AWS4-HMAC-SHA256 Credential=A/2015/x")).toBeUndefined();
  });
});

describe("paging", () => {
  it("pages with min(max, pageSize) and opaque tokens", () => {
    const items = [1, 2, 3, 4, 5];
    const invalid = (): never => {
      throw new Error("invalid");
    };
    expect(paginate(items, undefined, undefined, 2, invalid)).toEqual({
      items: [1, 2],
      next: encodeToken(2),
    });
    expect(paginate(items, encodeToken(4), 10, 2, invalid)).toEqual({ items: [5], next: undefined });
    expect(paginate(items, undefined, 1, 2, invalid).items).toEqual([1]);
    expect(decodeToken("garbage")).toBeUndefined();
    expect(() => paginate(items, encodeToken(9), undefined, 2, invalid)).toThrow("invalid");
  });
});

describe("policy", () => {
  const trust = JSON.stringify({
    Version: "2012-10-17",
    Statement: {
      Effect: "Allow",
      Principal: { Service: ["ecs-tasks.amazonaws.com", "ssm.amazonaws.com"] },
      Action: "sts:AssumeRole",
    },
  });

  it("validates trust and identity documents", () => {
    expect(() => validatePolicy(trust, "trust")).not.toThrow();
    expect(() => validatePolicy(trust, "identity")).toThrow(
      "Policy document should not specify a principal.",
    );
    const withResource = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: "*", Action: "sts:AssumeRole", Resource: "*" }],
    });
    expect(() => validatePolicy(withResource, "trust")).toThrow("Has prohibited field Resource");
    const badAction = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "GetObject", Resource: "*" }],
    });
    expect(() => validatePolicy(badAction, "identity")).toThrow(/prefaced by a vendor/);
    try {
      validatePolicy("[]", "identity");
    } catch (e) {
      expect(e).toMatchObject({ code: "MalformedPolicyDocument", status: 400 });
    }
  });

  it("knows which services a trust policy lets in, and measures size without white space", () => {
    expect(trustsService(trust, "ssm.amazonaws.com")).toBe(true);
    expect(trustsService(trust, "ec2.amazonaws.com")).toBe(false);
    expect(policySize('{ "a" : [ 1, 2 ] }')).toBe('{"a":[1,2]}'.length);
  });
});

describe("fault book, rate limiter, deny list", () => {
  it("consumes faults in order, by service and action", () => {
    const book = new FaultBook();
    book.inject({ action: "iam:CreateRole", kind: "throttle", times: 1 });
    book.inject({ service: "ssm", action: "*", kind: "reset", times: 2 });
    expect(book.take("iam", "GetRole")).toBeUndefined();
    expect(book.take("iam", "CreateRole")?.kind).toBe("throttle");
    expect(book.take("iam", "CreateRole")).toBeUndefined();
    expect(book.take("ssm", "X")?.kind).toBe("reset");
    expect(book.take("ssm", "Y")?.kind).toBe("reset");
    expect(book.take("ssm", "Z")).toBeUndefined();
    expect(() => book.inject({ service: "s3", action: "*", kind: "reset", times: 1 })).toThrow(
      /fault.service/,
    );
  });

  it("refills tokens with its clock", () => {
    let t = 0;
    const limiter = new RateLimiter(() => t);
    limiter.set("iam", 2, 2);
    expect([limiter.tryTake("iam"), limiter.tryTake("iam"), limiter.tryTake("iam")]).toEqual([
      true,
      true,
      false,
    ]);
    t = 500;
    expect([limiter.tryTake("iam"), limiter.tryTake("iam")]).toEqual([true, false]);
    expect(limiter.tryTake("sts")).toBe(true);
    expect(() => limiter.set("iam", -1, 1)).toThrow(EmulatorError);
  });

  it("matches denied actions case-insensitively and by service wildcard", () => {
    const deny = new DenyList();
    deny.deny("iam:CreateRole");
    deny.deny("ecs:*");
    expect(deny.isDenied("IAM:createrole")).toBe(true);
    expect(deny.isDenied("iam:GetRole")).toBe(false);
    expect(deny.isDenied("ecs:CreateCluster")).toBe(true);
    deny.allow("iam:createRole");
    expect(deny.isDenied("iam:CreateRole")).toBe(false);
  });
});
