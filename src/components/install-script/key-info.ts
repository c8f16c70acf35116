import { type GpgHomeOptions, withGpgHome } from "./gpg-home.ts";
import { type PublicKeyInfo, parsePublicKey } from "./gpg-output.ts";

/**
 * What gpg says of an armored public key (fingerprints, expiry, capabilities), read in a throwaway GNUPGHOME
 * without importing it anywhere and without starting a gpg-agent. undefined when the text holds no key.
 */
export async function inspectPublicKey(
  armored: string,
  options: GpgHomeOptions,
): Promise<PublicKeyInfo | undefined> {
  return withGpgHome(options, async (home) => {
    const keyFile = await home.write("key.asc", armored);
    const args = ["--with-colons", "--fingerprint", "--fingerprint", "--import-options", "show-only"];
    const listed = await home.gpg([...args, "--import", keyFile]);
    return parsePublicKey(listed.stdout);
  });
}
