import { type Dirent, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// Code comments cite docs/field-notes.md by section number ("field notes", a section sign, "3.2"). Every cited
// number must be a heading there, and nothing may cite a document that lives outside the repository.

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const NOTES = join(ROOT, "docs", "field-notes.md");
const SELF = fileURLToPath(import.meta.url);
const SCANNED_DIRS = ["src", "test", "scripts", "bench"];
const SCANNED_EXTENSIONS = [".ts", ".mjs", ".sh"];

// Built from parts so that this file never cites anything itself.
const SECTION = "\u00a7";
const CITATION = new RegExp(`field notes ${SECTION}\\d`);
const SECTION_NUMBER = new RegExp(`${SECTION}(\\d+(?:\\.\\d+)?)`, "g");
const OUTSIDE_CITATION = ["facts", SECTION].join(" ");

function sourceFiles(dir: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : sourceFiles(path);
    return SCANNED_EXTENSIONS.some((ext) => entry.name.endsWith(ext)) && path !== SELF ? [path] : [];
  });
}

const files = SCANNED_DIRS.flatMap((dir) => sourceFiles(join(ROOT, dir)));

interface Citation {
  file: string;
  line: number;
  section: string;
}

/** Every section number on a line that cites the field notes: "§4, §6.3" and "§1-§4" name each number. */
function citations(): Citation[] {
  return files.flatMap((path) =>
    readFileSync(path, "utf8")
      .split("\n")
      .flatMap((text, index) =>
        CITATION.test(text)
          ? [...text.matchAll(SECTION_NUMBER)].map((match) => ({
              file: relative(ROOT, path),
              line: index + 1,
              section: match[1] as string,
            }))
          : [],
      ),
  );
}

const notes = readFileSync(NOTES, "utf8");
const headings = notes.split("\n").filter((line) => /^#{1,6}\s/.test(line));

/** "3" needs a heading whose text starts with "3." (e.g. "## 3. ecs.config"); "3.2" one starting "3.2 ". */
function hasHeading(section: string): boolean {
  const escaped = section.replace(".", "\\.");
  const pattern = section.includes(".")
    ? new RegExp(`^#{1,6}\\s+${escaped}(\\s|$)`)
    : new RegExp(`^#{1,6}\\s+${escaped}\\.(\\s|$)`);
  return headings.some((heading) => pattern.test(heading));
}

/** The top-level sections ("## N. Title") with their text up to the next top-level heading. */
function topLevelSections(): Map<string, string> {
  const sections = new Map<string, string>();
  let current: string | undefined;
  for (const line of notes.split("\n")) {
    const top = /^##\s+(\d+)\.\s/.exec(line);
    if (top) {
      current = top[1] as string;
      sections.set(current, "");
    } else if (/^##\s/.test(line)) {
      current = undefined;
    } else if (current !== undefined) {
      sections.set(current, `${sections.get(current)}${line}\n`);
    }
  }
  return sections;
}

describe("docs/field-notes.md", () => {
  it("has a heading for every section the code cites", () => {
    const missing = citations()
      .filter((citation) => !hasHeading(citation.section))
      .map((citation) => `${citation.file}:${citation.line} cites ${SECTION}${citation.section}`);
    expect(missing).toEqual([]);
  });

  it("has sections 1 to 10, each with at least one https link to a source", () => {
    const sections = topLevelSections();
    expect([...sections.keys()]).toEqual(["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]);
    const withoutLinks = [...sections]
      .filter(([, text]) => !text.includes("https://"))
      .map(([number]) => number);
    expect(withoutLinks).toEqual([]);
  });

  it("cites no document outside the repository", () => {
    const outside = files.flatMap((path) =>
      readFileSync(path, "utf8")
        .split("\n")
        .flatMap((text, index) =>
          text.includes(OUTSIDE_CITATION) ? [`${relative(ROOT, path)}:${index + 1}: ${text.trim()}`] : [],
        ),
    );
    expect(outside).toEqual([]);
  });
});
