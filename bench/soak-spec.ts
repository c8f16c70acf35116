// What bench/daemon.ts and its child, bench/daemon-soak.ts, share: the run's spec and the instance credentials the
// child rotates through (the emulator must know each of them beforehand).

export interface SoakSpec {
  root: string;
  ecsAgentUrl: string;
  /** The managed instance the host is registered as (the identity the SSM agent writes names it). */
  managedInstanceId: string;
  /** Probe passes to run; the child stops the daemon after the last one unless `idle`. */
  cycles: number;
  /** Passes after which memory is measured (gc'd first). */
  checkpoints: number[];
  /** The SSM agent's rotation of the instance credentials, in passes (field notes §4.3: half-life, ~30 min). */
  rotateEvery: number;
  /** After the last pass, keep serving (the daemon waits) until stdin closes. */
  idle: boolean;
}

/** process.memoryUsage() after two gc(). */
export interface MemoryReading {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  /** V8's young generation (new space), committed. */
  young: number;
  /** Each V8 heap space's used bytes (old_space, code_space, ...), for telling data from compiled code. */
  spaces: Record<string, number>;
  /** Memory of C++ objects bound to JS objects (buffers, sockets), process.memoryUsage().external. */
  external: number;
}

/** One child message per stdout line. */
export type SoakMessage =
  | { event: "serving"; listen: string }
  /** A checkpoint begins: the parent stops its requests until the checkpoint message. */
  | { event: "measuring"; cycle: number }
  | {
      event: "checkpoint";
      cycle: number;
      /** Read right after the pass, in the middle of the run. */
      busy: MemoryReading;
      /** Read after an idle wait, as between two passes of the real daemon. */
      idle: MemoryReading;
      /**
       * Read after the daemon's own trim (src/daemon/memory-trim.ts), which it runs whenever its resident memory
       * has grown 2 MB since the last: the level it comes back to.
       */
      trimmed: MemoryReading;
      sizes: Record<string, number>;
      /** How far the daemon's clock has moved since it started. */
      fakeElapsedMs: number;
      /** Real time since the start, without the checkpoints' waits. */
      realMs: number;
    }
  | {
      event: "done";
      exitCode: number;
      cycles: number;
      rotations: number;
      fallbackExecs: number;
      logLines: number;
      logsByMessage: Record<string, number>;
      lastLogs: string[];
    };

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * The n-th instance-role credentials SSM writes: unique, with a session token as long as a real one (~900). The
 * characters come from a small linear congruential generator, not node:crypto: the soak's child would otherwise
 * load OpenSSL (2-3 MB of its resident memory) that the daemon without control-plane checks never loads.
 */
export function instanceKey(n: number): { accessKeyId: string; secret: string; token: string } {
  const chars = (part: number, length: number) => {
    let state = (n * 1_000_003 + part * 7_919 + 1) >>> 0;
    let text = "";
    for (let i = 0; i < length; i++) {
      state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
      text += BASE64URL[state >>> 26];
    }
    return text;
  };
  return {
    accessKeyId: `ASIABENCH${String(n).padStart(11, "0")}`,
    secret: chars(0, 40),
    token: chars(1, 903),
  };
}
