/**
 * The `region` of a profile in the AWS shared config file (field notes §5.11): `[default]` or `[profile NAME]`
 * sections of an INI file, `#`/`;` comments. Only this one setting is read, so the SDK's loader is not needed.
 */
export function profileRegion(text: string, profile: string): string | undefined {
  const wanted = new Set(profile === "default" ? ["default", "profile default"] : [`profile ${profile}`]);
  let inSection = false;
  let region: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const section = /^\[\s*([^\]]*?)\s*\]$/.exec(line);
    if (section) {
      inSection = wanted.has((section[1] ?? "").replace(/\s+/g, " "));
      continue;
    }
    // Indented lines continue a nested setting (s3 = ...), never a top-level region.
    if (!inSection || /^\s/.test(raw)) continue;
    const setting = /^([^=]+?)\s*=\s*(.*)$/.exec(line);
    if (setting?.[1]?.toLowerCase() === "region") {
      const value = (setting[2] ?? "").replace(/\s+[#;].*$/, "").trim();
      if (value !== "") region = value;
    }
  }
  return region;
}
