/**
 * The README's code compiles as a reader pastes it.
 *
 * Every ```ts block of README.md is type-checked against the package's public
 * API (`nestjs-queued-tasks` is lib/index.ts, through tsconfig's `paths`),
 * with the options of tsconfig.json, all blocks in one Program:
 *
 * - Each block is a module of its own. A block whose first line is a comment
 *   naming a file (`// mail.tasks.ts`) is that file, so another block can
 *   import it (`import { MailTasks } from './mail.tasks.js'`). A module
 *   augmentation in a block (`declare module 'nestjs-queued-tasks'`) applies
 *   to every block, as it would in one application.
 * - The prelude, test/readme/prelude.ts, declares what the snippets assume of
 *   the reader's own application (`Mailer`, `SignUpDto`); every name it
 *   exports is in scope of every block. The README says so above its first
 *   snippet. Library names never go there: a block imports them itself.
 * - A fragment (an expression shown inside a sentence, or a few lines of a
 *   method) is preceded, in the Markdown, by an HTML comment that a reader of
 *   the rendered page does not see, giving the TypeScript it assumes:
 *
 *     <!-- readme-check: fragment import { QueuedTasksModule } from 'nestjs-queued-tasks'; declare const url: string; -->
 *     ```ts
 *     QueuedTasksModule.forRoot({ connection: { url } })
 *     ```
 *
 *   That code is checked in front of the block, in the same module. Prefer
 *   a complete block, with its imports, where it reads as well.
 * - `noUnusedLocals` is off (a snippet shows values it does not use).
 * - One rule beyond the compiler: no `currentTask()!` (it throws when a unit
 *   test calls the handler, outside a run); snippets write `currentTask()?.`.
 *
 * README_CHECK_PATH=<file> checks another Markdown file (for instance an
 * older README) with the same rules.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileSnippets, formatSnippetDiagnostics } from './readme/compile-snippets.js';
import { extractSnippets } from './readme/extract-snippets.js';

/** How many ```ts blocks README.md has. Whoever adds or removes one updates it. */
const EXPECTED_TS_BLOCKS = 26;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readmePath = process.env.README_CHECK_PATH ?? join(root, 'README.md');
const shownPath = relative(root, readmePath);

describe('README', () => {
  const snippets = extractSnippets(readFileSync(readmePath, 'utf8'));

  it(`has exactly ${EXPECTED_TS_BLOCKS} ts code blocks`, () => {
    if (snippets.length !== EXPECTED_TS_BLOCKS) {
      throw new Error(
        `${shownPath} has ${snippets.length} \`\`\`ts blocks (at lines ${snippets.map((s) => s.line - 1).join(', ')}), ` +
          `test/readme.spec.ts expects ${EXPECTED_TS_BLOCKS}. If you added or removed a ts block on purpose, ` +
          `set EXPECTED_TS_BLOCKS in test/readme.spec.ts to ${snippets.length}. Otherwise a fence is broken ` +
          '(a block opened with ```js or ```tsx by mistake, or one left unclosed) and a block went unchecked.',
      );
    }
  });

  it('compiles every ts block as pasted, against the public API and the prelude', () => {
    const diagnostics = compileSnippets(snippets, root);
    if (diagnostics.length > 0) {
      throw new Error(
        `${diagnostics.length} compile error(s) in ${shownPath}'s ts blocks ` +
          '(the rules, the prelude and the fragment directive are described in test/readme.spec.ts):\n' +
          formatSnippetDiagnostics(diagnostics, shownPath),
      );
    }
  });
});
