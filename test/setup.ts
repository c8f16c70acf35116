import { dropSdkNodeVersionWarning } from "../src/util/warnings.ts";

// In-process CLI runs load the SDK, which warns about Node 20 once per worker: keep test output readable.
dropSdkNodeVersionWarning();
