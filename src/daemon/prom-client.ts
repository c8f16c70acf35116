// The parts of prom-client the daemon uses, from the package's own modules. Its index also loads, at once, the
// Pushgateway (node:https and node:zlib: TLS and OpenSSL set up in a process that never pushes) and the cluster
// aggregator (node:cluster, with node:dgram behind it): about 3 MB of a daemon's resident memory that serves
// nothing (field notes §9.9). test/build/bundle.test.ts checks the daemon loads none of them.

import type * as Prom from "prom-client";
import CounterClass from "prom-client/lib/counter.js";
import collectDefaults from "prom-client/lib/defaultMetrics.js";
import GaugeClass from "prom-client/lib/gauge.js";
import HistogramClass from "prom-client/lib/histogram.js";
import RegistryClass from "prom-client/lib/registry.js";

export const Registry = RegistryClass;
export type Registry = Prom.Registry;
export const Counter = CounterClass;
export type Counter<T extends string = string> = Prom.Counter<T>;
export const Gauge = GaugeClass;
export type Gauge<T extends string = string> = Prom.Gauge<T>;
export const Histogram = HistogramClass;
export type Histogram<T extends string = string> = Prom.Histogram<T>;
export const collectDefaultMetrics = collectDefaults;
