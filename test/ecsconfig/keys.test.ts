import { describe, expect, it } from "vitest";
import {
  describeValue,
  isSecretKey,
  isWrappedInQuotes,
  KEY_PATTERN,
  maskValue,
  secretOf,
} from "../../src/ecsconfig/keys.ts";

describe("isSecretKey knows a secret by its meaning, not by one name", () => {
  it.each([
    "ECS_ENGINE_AUTH_DATA",
    "ecs_engine_auth_data",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "DB_PASSWORD",
    "db_passwd",
    "GPG_PASSPHRASE",
    "CLIENT_SECRET",
    "REGISTRY_CREDENTIALS",
    "SSH_PRIVATE_KEY",
    "TLS_PRIVATEKEY",
    "api_token",
  ])("treats %s as a secret", (key) => {
    expect(isSecretKey(key)).toBe(true);
  });

  it.each([
    "ECS_ENGINE_AUTH_TYPE",
    "ECS_CLUSTER",
    "HTTP_PROXY",
    "AWS_DEFAULT_REGION",
    "ECS_AUTH",
    "PASS",
    "KEY",
  ])("treats %s as an ordinary key", (key) => {
    expect(isSecretKey(key)).toBe(false);
  });
});

describe("secretOf and maskValue find the secret part of a value", () => {
  it.each([
    ["all of a secret key's value", "AWS_SESSION_TOKEN", "tok/en+value", "tok/en+value", "****"],
    [
      "the password of a proxy URL",
      "HTTP_PROXY",
      "http://user:pa55@proxy:3128",
      "pa55",
      "http://user:****@proxy:3128",
    ],
    ["a password without a user", "https_proxy", "https://:pa55@proxy", "pa55", "https://:****@proxy"],
    [
      "nothing in a URL with a user only",
      "HTTP_PROXY",
      "http://user@proxy:3128",
      undefined,
      "http://user@proxy:3128",
    ],
    [
      "nothing in a URL without credentials",
      "HTTP_PROXY",
      "http://proxy:3128/a:b@c",
      undefined,
      "http://proxy:3128/a:b@c",
    ],
    ["nothing in a value that is not a URL", "NO_PROXY", "a:b@c", undefined, "a:b@c"],
    [
      "the password of a URL inside a value",
      "OPTS",
      "--proxy http://u:pw@p",
      "pw",
      "--proxy http://u:****@p",
    ],
    ["nothing across white space", "OPTS", "http://u :pw@p", undefined, "http://u :pw@p"],
    ["nothing in a password with white space", "OPTS", "http://u:p w@p", undefined, "http://u:p w@p"],
    ["nothing without a scheme", "OPTS", "://u:pw@p", undefined, "://u:pw@p"],
    [
      "the password of a URL whose scheme ends in digits",
      "OPTS",
      "git+1.2://u:pw@p",
      "pw",
      "git+1.2://u:****@p",
    ],
    ["nothing in text that only looks like a password", "OPTS", "x:undefined@y", undefined, "x:undefined@y"],
    ["nothing in an empty value", "ECS_CLUSTER", "", undefined, ""],
  ])("%s", (_, key, value, secret, masked) => {
    expect(secretOf(key, value)).toBe(secret);
    expect(maskValue(key, value, "****")).toBe(masked);
  });
});

describe("KEY_PATTERN", () => {
  it.each([
    "ECS_CLUSTER",
    "A",
    "HTTP_PROXY",
    "ECS_ENABLE_GPU_SUPPORT",
    "A1_",
    "http_proxy",
    "no_proxy",
    "_X",
    "z",
  ])("accepts %j", (key) => {
    expect(KEY_PATTERN.test(key)).toBe(true);
  });

  it.each([
    ["a digit first", "1ECS"],
    ["a comment marker first", "#ECS_CLUSTER"],
    ["a hyphen after valid characters", "ECS-CLUSTER"],
    ["a trailing space left from `KEY =value`", "ECS_CLUSTER "],
    ["a leading space", " ECS_CLUSTER"],
    ["a dot inside", "ECS.CLUSTER"],
    ["a lower-case key with a digit first", "1http_proxy"],
    ["a lower-case key with a hyphen", "http-proxy"],
    ["a trailing newline", "ECS_CLUSTER\n"],
    ["nothing at all", ""],
  ])("rejects %s (%j)", (_, key) => {
    expect(KEY_PATTERN.test(key)).toBe(false);
  });
});

describe("describeValue shows a value to a human", () => {
  it.each([
    ["a plain value as it is", "ECS_CLUSTER", "prod", "prod"],
    ["an empty value as (empty)", "ECS_CLUSTER", "", "(empty)"],
    ["a secret as a placeholder, even when empty", "ECS_ENGINE_AUTH_DATA", "", "(hidden: secret)"],
    ["a secret as a placeholder", "ECS_ENGINE_AUTH_DATA", '{"auth":"x"}', "(hidden: secret)"],
    ["a secret named like one as a placeholder", "DB_PASSWORD", "hunter2", "(hidden: secret)"],
    ["a proxy URL with its password masked", "HTTP_PROXY", "http://u:pw@p:3128", "http://u:****@p:3128"],
    ["80 characters in full", "K", "v".repeat(80), "v".repeat(80)],
    ["81 characters as the first 77 and an ellipsis", "K", `${"a".repeat(77)}bcde`, `${"a".repeat(77)}...`],
  ])("%s", (_, key, value, shown) => {
    expect(describeValue(key, value)).toBe(shown);
  });
});

describe("isWrappedInQuotes", () => {
  it.each([
    ['"prod"', true],
    ["'prod'", true],
    ['""', true],
    ["''", true],
    ['"a b"', true],
  ])("says %j is wrapped in one pair of matching quotes", (value, wrapped) => {
    expect(isWrappedInQuotes(value)).toBe(wrapped);
  });

  it.each([
    ["a lone double quote", '"'],
    ["a lone single quote", "'"],
    ["an empty value", ""],
    ["a value that starts and ends with the same digit", "1001"],
    ["a value that starts and ends with the same letter", "abba"],
    ["an opening quote only", '"prod'],
    ["a closing quote only", 'prod"'],
    ["an opening single quote only", "'prod"],
    ["mismatched quotes", "\"prod'"],
    ["quotes inside the value", 'a"b"c'],
  ])("is false for %s (%j)", (_, value) => {
    expect(isWrappedInQuotes(value)).toBe(false);
  });
});
