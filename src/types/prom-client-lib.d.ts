// Types for the modules of prom-client 15 that src/daemon/prom-client.ts imports one by one (the package types its
// index only): each is the CommonJS module.exports of the index's export of the same name.
declare module "prom-client/lib/registry.js" {
  const Registry: typeof import("prom-client").Registry;
  export default Registry;
}
declare module "prom-client/lib/counter.js" {
  const Counter: typeof import("prom-client").Counter;
  export default Counter;
}
declare module "prom-client/lib/gauge.js" {
  const Gauge: typeof import("prom-client").Gauge;
  export default Gauge;
}
declare module "prom-client/lib/histogram.js" {
  const Histogram: typeof import("prom-client").Histogram;
  export default Histogram;
}
declare module "prom-client/lib/defaultMetrics.js" {
  const collectDefaultMetrics: typeof import("prom-client").collectDefaultMetrics;
  export default collectDefaultMetrics;
}
