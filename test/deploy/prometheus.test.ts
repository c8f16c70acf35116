// deploy/prometheus: the example scrape configuration, the alerting rules and their unit tests, checked by the
// Prometheus project's own promtool (Debian package prometheus; CI installs it), plus the conventions promtool does
// not enforce: every alert waits (`for:`), carries a severity, names the instance, and is tested both ways.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { run } from "../../src/adapters/host/exec.ts";
import { Redactor } from "../../src/util/redact.ts";
import { prometheusUnavailable, SCRAPE_JOB } from "../support/prometheus.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DIR = "deploy/prometheus";
const unavailable = prometheusUnavailable();

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

interface RuleTest {
  alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[];
}

function readYaml<T>(file: string): T {
  return parse(readFileSync(`${ROOT}/${DIR}/${file}`, "utf8")) as T;
}

const alerts = readYaml<{ groups: { rules: AlertRule[] }[] }>("alerts.yml").groups.flatMap((g) => g.rules);

async function promtool(...args: string[]) {
  const result = await run("promtool", args, { cwd: ROOT, timeoutMs: 20_000, redactor: new Redactor() });
  return { ...result, output: `${result.stdout}${result.stderr}` };
}

describe("promtool on deploy/prometheus", () => {
  it("accepts scrape.yml as a complete configuration, its targets file and alerts.yml included", async ({
    skip,
  }) => {
    skip(unavailable !== undefined, unavailable);
    const checked = await promtool("check", "config", `${DIR}/scrape.yml`);
    expect(checked.exitCode, checked.output).toBe(0);
    expect(checked.output).not.toMatch(/WARNING|FAILED/);
    expect(checked.output).toContain(`Checking ${DIR}/alerts.yml`);
    expect(checked.output).toContain(`SUCCESS: ${alerts.length} rules found`);
  });

  it("accepts alerts.yml", async ({ skip }) => {
    skip(unavailable !== undefined, unavailable);
    const checked = await promtool("check", "rules", `${DIR}/alerts.yml`);
    expect(checked.exitCode, checked.output).toBe(0);
    expect(checked.output).not.toMatch(/WARNING|FAILED/);
    expect(checked.output).toContain(`SUCCESS: ${alerts.length} rules found`);
  });

  it("passes the alert rule unit tests", async ({ skip }) => {
    skip(unavailable !== undefined, unavailable);
    const tested = await promtool("test", "rules", `${DIR}/alerts.test.yml`);
    expect(tested.exitCode, tested.output).toBe(0);
    expect(tested.output).toContain("SUCCESS");
  });
});

describe("the alert rules", () => {
  it("are all alerts, with distinct names", () => {
    expect(alerts.length).toBeGreaterThan(0);
    for (const rule of alerts) expect(rule.alert, JSON.stringify(rule)).toMatch(/^EcsAnywhere[A-Za-z]+$/);
    expect(new Set(alerts.map((rule) => rule.alert)).size).toBe(alerts.length);
  });

  it.each(alerts.map((rule) => [rule.alert, rule] as const))(
    "%s waits (for:), has a severity and a summary and a description naming the instance",
    (_name, rule) => {
      expect(rule.for).toMatch(/^\d+[smh]$/);
      expect(rule.labels?.severity).toMatch(/^(warning|critical)$/);
      expect(rule.annotations?.summary).toContain("{{ $labels.instance }}");
      expect(rule.annotations?.description).toContain("{{ $labels.instance }}");
    },
  );

  it("each have a case where they fire and one where they do not in alerts.test.yml", () => {
    const cases = readYaml<{ tests: RuleTest[] }>("alerts.test.yml").tests.flatMap(
      (t) => t.alert_rule_test ?? [],
    );
    const coverage = alerts.map((rule) => {
      const own = cases.filter((c) => c.alertname === rule.alert);
      return {
        alert: rule.alert,
        fires: own.some((c) => (c.exp_alerts ?? []).length > 0),
        stays: own.some((c) => (c.exp_alerts ?? []).length === 0),
      };
    });
    expect(coverage).toEqual(alerts.map((rule) => ({ alert: rule.alert, fires: true, stays: true })));
    const known = new Set(alerts.map((rule) => rule.alert));
    expect(cases.map((c) => c.alertname).filter((name) => !known.has(name))).toEqual([]);
  });

  it("select the scrape job scrape.yml defines", () => {
    const jobs = readYaml<{ scrape_configs: { job_name: string }[] }>("scrape.yml").scrape_configs.map(
      (job) => job.job_name,
    );
    expect(jobs).toEqual([SCRAPE_JOB]);
    const selected = alerts.flatMap((rule) => [...rule.expr.matchAll(/\bjob="([^"]*)"/g)].map((m) => m[1]));
    expect(selected.length).toBeGreaterThan(0);
    for (const job of selected) expect(job).toBe(SCRAPE_JOB);
  });
});
