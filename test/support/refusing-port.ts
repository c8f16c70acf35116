import http from "node:http";
import type { AddressInfo } from "node:net";

/** A loopback port nothing listens on (it was free a moment ago): connecting to it is refused. */
export async function refusingPort(): Promise<number> {
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  return port;
}
