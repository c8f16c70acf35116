import { expect, it } from "vitest";

// Imported inside the test: a schema definition that throws while the module loads fails this test, where a
// static import would fail the whole file before any test ran (and mutation testing would not count it).
it("builds every schema when the module loads", async () => {
  const { configSchema } = await import("../../src/config/schema.ts");
  expect(configSchema.parse({}).cluster).toBe("default");
});
