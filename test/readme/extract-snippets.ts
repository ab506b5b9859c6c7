/** One ```ts block of a Markdown file, with where it came from. */
export interface Snippet {
  /** 1 for the file's first ts block, 2 for the next, … */
  index: number;
  /** Line (1-based) of the block's first line of code in the Markdown file. */
  line: number;
  code: string;
  /**
   * Name of the module the block is checked as: `app.module.ts` when its
   * first line is the comment `// app.module.ts`, so that other blocks can
   * import it as `./app.module.js`; `snippet-<index>.ts` otherwise.
   */
  fileName: string;
  /** Code of a `readme-check: fragment` directive, checked in front of the block. */
  context?: { code: string; line: number };
}

const FENCE = /^```\s*([\w-]*)\s*$/;
const TS_LANGUAGES = new Set(['ts', 'typescript']);
const FILE_NAME_COMMENT = /^\/\/\s*([\w.-]+\.ts)\s*$/;
const DIRECTIVE = /^<!--\s*readme-check:\s*(\S+)\s*([\s\S]*?)\s*-->$/;

/**
 * Every ```ts (or ```typescript) block of a Markdown file, in order, each with
 * the `<!-- readme-check: fragment … -->` directive that precedes it, if any.
 * A directive anywhere else, or one it does not know, throws: a typo must
 * not quietly turn a check off.
 */
export function extractSnippets(markdown: string): Snippet[] {
  const lines = markdown.split(/\r?\n/);
  const snippets: Snippet[] = [];
  let pending: { code: string; line: number } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trimStart().startsWith('<!--') && line.includes('readme-check')) {
      const start = i;
      let text = line.trim();
      while (!text.endsWith('-->') && i + 1 < lines.length) text += '\n' + lines[++i]!.trim();
      const match = DIRECTIVE.exec(text);
      if (!match || match[1] !== 'fragment' || !match[2]) {
        throw new Error(`line ${start + 1}: unknown readme-check directive; the only one is <!-- readme-check: fragment <TypeScript> -->`);
      }
      pending = { code: match[2], line: start + 1 };
      continue;
    }
    const fence = FENCE.exec(line);
    if (!fence) {
      if (pending && line.trim() !== '') throw new Error(`line ${pending.line}: a readme-check directive must come right before a \`\`\`ts block`);
      continue;
    }
    const language = fence[1]!;
    const first = i + 1;
    do i++;
    while (i < lines.length && !/^```\s*$/.test(lines[i]!));
    if (i >= lines.length) throw new Error(`line ${first}: code block never closed`);
    if (!TS_LANGUAGES.has(language)) {
      if (pending) throw new Error(`line ${pending.line}: a readme-check directive must come right before a \`\`\`ts block`);
      continue;
    }
    const code = lines.slice(first, i).join('\n');
    const index = snippets.length + 1;
    const named = FILE_NAME_COMMENT.exec(lines[first] ?? '');
    snippets.push({ index, line: first + 1, code, fileName: named ? named[1]! : `snippet-${index}.ts`, context: pending });
    pending = undefined;
  }
  if (pending) throw new Error(`line ${pending.line}: a readme-check directive must come right before a \`\`\`ts block`);
  return snippets;
}
