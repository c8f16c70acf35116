export interface RenderableEntry {
  key: string;
  value: string;
}

/**
 * Renders plain `KEY=VALUE` lines in the given order: no comments, no quotes (field notes §3.2: ecs-init would keep
 * them literally). Throws for entries that could not be read back as written; validate values first.
 */
export function renderEcsConfig(entries: Iterable<RenderableEntry>): string {
  let text = "";
  for (const { key, value } of entries) {
    if (key === "" || /[=\r\n]/.test(key) || key.trim() !== key) {
      throw new Error(
        `cannot render ecs.config key ${JSON.stringify(key)}: it would not read back as written`,
      );
    }
    // The value is deliberately not shown: it may be a secret.
    if (/[\r\n]/.test(value))
      throw new Error(`cannot render ecs.config key ${key}: its value contains a newline`);
    // field notes §3.2: ecs-init trims each line, so trailing spaces would silently vanish.
    if (/\s$/.test(value))
      throw new Error(`cannot render ecs.config key ${key}: its value ends with whitespace`);
    text += `${key}=${value}\n`;
  }
  return text;
}
