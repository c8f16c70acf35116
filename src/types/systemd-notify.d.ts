// Types for the npm package systemd-notify 1.0.0 (CommonJS, ships none): one function that spawns the
// `systemd-notify` binary found on PATH, with the process environment, and settles when it exits.
declare module "systemd-notify" {
  import type { ChildProcess } from "node:child_process";

  interface SystemdNotifyOptions {
    /** --ready (READY=1) */
    ready?: boolean;
    /** --status=TEXT (STATUS=TEXT) */
    status?: string;
    /** --pid=PID (MAINPID=PID); the package sends its own pid when ready or status is given without it */
    pid?: number;
    /** --booted */
    booted?: boolean;
  }

  /** Resolves with the exited child; rejects with the spawn error, or with the binary's output text on a non-zero exit. */
  function notify(options?: SystemdNotifyOptions): Promise<ChildProcess>;
  export = notify;
}
