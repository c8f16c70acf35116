// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is escaped
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * Shows control characters (ESC, CR, BEL, C1 controls, ...) visibly as `\u001b`, `\r`, so text from flags,
 * files, the network or another process can neither move the cursor, recolour nor overwrite what a user
 * reads. Newlines and tabs stay. Escaped text has no control characters left, so escaping twice changes
 * nothing; inside a JSON string the escape means the same character.
 */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, (c) =>
    c === "\r" ? "\\r" : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** From the first "\n    at f (file.js:1:2)" on: the frames of a stack trace printed into a text. */
const STACK_FRAMES = /\n\s+at [^\n]*:\d+:\d+\)?(\n[\s\S]*)?$/;

/** The text without the frames of a stack trace that was printed into it (a message, a stringified error). */
export function withoutStackFrames(text: string): string {
  return text.replace(STACK_FRAMES, "");
}
