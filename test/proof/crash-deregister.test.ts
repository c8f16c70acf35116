// Crash consistency of `deregister`: every step it runs (read from its step list), SIGKILL and SIGTERM (crash-world.ts).
import { defineCrashSuite } from "./crash-suite.ts";

defineCrashSuite("deregister");
