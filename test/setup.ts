import { dropSdkNodeVersionWarning } from "../src/util/warnings.ts";

// In-process CLI runs load the SDK, which warns about Node 20 once per worker: keep test output readable.
dropSdkNodeVersionWarning();

// Hermetic AWS credentials: the SDK's default chain must never reach the EC2 metadata address or the
// machine's own ~/.aws files; tests pass explicit credentials or expect none.
process.env.AWS_EC2_METADATA_DISABLED = "true";
process.env.AWS_SHARED_CREDENTIALS_FILE = "/nonexistent/ecs-anywhere-agent-tests/credentials";
process.env.AWS_CONFIG_FILE = "/nonexistent/ecs-anywhere-agent-tests/config";
delete process.env.AWS_ACCESS_KEY_ID;
delete process.env.AWS_SECRET_ACCESS_KEY;
delete process.env.AWS_SESSION_TOKEN;
delete process.env.AWS_PROFILE;
