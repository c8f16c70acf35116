import http from "node:http";

export interface DockerPing {
  ok: boolean;
  /** One line for a human: the API version on success, what went wrong otherwise. */
  message: string;
}

/**
 * Asks dockerd whether it is alive: `GET /_ping` over its unix socket, which answers "OK" when the daemon
 * serves requests. Read-only and safe to repeat; never throws.
 */
export function pingDocker(socketPath: string, timeoutMs: number): Promise<DockerPing> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: DockerPing) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(result);
    };
    const timer = setTimeout(
      () => finish({ ok: false, message: `Docker did not answer on ${socketPath} within ${timeoutMs} ms` }),
      timeoutMs,
    );
    // servername is for TLS only; an empty one spares Node checking whether the host name ("localhost") is an
    // IPv6 address, a large regular expression compiled on first use (milliseconds of a one-shot `status`).
    const request = { socketPath, path: "/_ping", method: "GET", agent: false, servername: "" };
    const req = http.request(request, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => {
        const version = res.headers["api-version"];
        if (res.statusCode === 200 && body.trim() === "OK") {
          finish({
            ok: true,
            message: `Docker answered on ${socketPath} (API ${version ?? "version unknown"})`,
          });
        } else {
          finish({ ok: false, message: `Docker answered HTTP ${res.statusCode} on ${socketPath}` });
        }
      });
    });
    req.on("error", (error: NodeJS.ErrnoException) => {
      finish({ ok: false, message: `cannot reach Docker on ${socketPath}: ${error.code ?? error.message}` });
    });
    req.end();
  });
}
