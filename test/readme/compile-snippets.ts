import { join, relative } from 'node:path';
import ts from 'typescript';
import type { Snippet } from './extract-snippets.js';

/** A compile error of a snippet, placed in the Markdown file. */
export interface SnippetDiagnostic {
  /** The snippet's index, or undefined for an error outside any snippet (the prelude, the options). */
  snippet?: number;
  /** Line (1-based) in the Markdown file, when the error is in a snippet or its directive. */
  line?: number;
  message: string;
}

/**
 * The snippets live in a directory of their own that exists only in memory,
 * inside the repository so that `@nestjs/common` and friends resolve from
 * its node_modules and `nestjs-queued-tasks` through tsconfig's `paths`.
 */
const SNIPPET_DIR = 'test/readme/.snippets';
const PRELUDE = 'test/readme/prelude.ts';

/**
 * Type-checks every snippet as a module of its own, in one Program (the
 * snippets form one application: a block can import another by its file
 * name, and a module augmentation applies to all), with the options of
 * tsconfig.json except `noUnusedLocals` (a snippet shows values it does not
 * use) and the Jest globals. Every name the prelude exports is imported at
 * the end of each snippet, on a line of its own, so reported lines stay
 * those of the Markdown file.
 */
export function compileSnippets(snippets: readonly Snippet[], root: string): SnippetDiagnostic[] {
  const configPath = join(root, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
  if (config.error) return [{ message: flatten(config.error.messageText) }];
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root, undefined, configPath);
  const options: ts.CompilerOptions = {
    ...parsed.options,
    noEmit: true,
    declaration: false,
    sourceMap: false,
    noUnusedLocals: false,
    noUnusedParameters: false,
    types: ['node'],
  };

  const dir = join(root, SNIPPET_DIR);
  const prelude = join(root, PRELUDE);
  const preludeImport = `import { ${preludeExports(prelude).join(', ')} } from '${relative(dir, prelude).replace(/\.ts$/, '.js')}';`;
  const files = new Map<string, { snippet: Snippet; text: string; contextLines: number }>();
  const problems: SnippetDiagnostic[] = [];
  for (const snippet of snippets) {
    const path = join(dir, snippet.fileName);
    if (files.has(path)) {
      problems.push({ snippet: snippet.index, line: snippet.line, message: `a second snippet named ${snippet.fileName}` });
      continue;
    }
    const contextLines = snippet.context ? snippet.context.code.split('\n').length : 0;
    const text = [...(snippet.context ? [snippet.context.code] : []), snippet.code, preludeImport, ''].join('\n');
    files.set(path, { snippet, text, contextLines });
  }

  const host = ts.createCompilerHost(options, true);
  const { getSourceFile, fileExists, readFile, directoryExists } = host;
  host.fileExists = (path) => files.has(path) || fileExists.call(host, path);
  host.readFile = (path) => files.get(path)?.text ?? readFile.call(host, path);
  host.directoryExists = (path) => path === dir || (directoryExists?.call(host, path) ?? ts.sys.directoryExists(path));
  host.getSourceFile = (path, language, onError, shouldCreate) => {
    const file = files.get(path);
    return file ? ts.createSourceFile(path, file.text, language, true) : getSourceFile.call(host, path, language, onError, shouldCreate);
  };

  const program = ts.createProgram({ rootNames: [...files.keys(), prelude], options, host });
  const diagnostics = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...[...files.keys(), prelude].flatMap((path) => {
      const source = program.getSourceFile(path)!;
      return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
    }),
  ];
  for (const diagnostic of diagnostics) problems.push(place(diagnostic, files, root));
  for (const path of files.keys()) {
    for (const diagnostic of assertedCurrentTask(program.getSourceFile(path)!)) problems.push(place(diagnostic, files, root));
  }
  return problems;
}

/**
 * `currentTask()!` compiles, but throws when a test calls the handler itself
 * (outside a run, currentTask() is undefined): a reader copies it into code
 * that then cannot be unit-tested. Snippets write `currentTask()?.signal`.
 */
function assertedCurrentTask(source: ts.SourceFile): ts.Diagnostic[] {
  const found: ts.Diagnostic[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isNonNullExpression(node) &&
      ts.isCallExpression(node.expression) &&
      ts.isIdentifier(node.expression.expression) &&
      node.expression.expression.text === 'currentTask'
    ) {
      found.push({
        file: source,
        start: node.getStart(source),
        length: node.getWidth(source),
        category: ts.DiagnosticCategory.Error,
        code: 0,
        messageText: 'currentTask()! throws when the handler is called outside a run (a unit test); write currentTask()?.',
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Names exported by the prelude, read from its syntax (it only declares). */
function preludeExports(path: string): string[] {
  const source = ts.createSourceFile(path, ts.sys.readFile(path) ?? '', ts.ScriptTarget.Latest);
  const names: string[] = [];
  for (const statement of source.statements) {
    const exported = ts.canHaveModifiers(statement) && ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (exported && 'name' in statement && statement.name && ts.isIdentifier(statement.name as ts.Node)) {
      names.push((statement.name as ts.Identifier).text);
    }
  }
  if (names.length === 0) throw new Error(`${path} exports nothing`);
  return names;
}

function place(
  diagnostic: ts.Diagnostic,
  files: Map<string, { snippet: Snippet; contextLines: number }>,
  root: string,
): SnippetDiagnostic {
  const message = flatten(diagnostic.messageText);
  if (!diagnostic.file || diagnostic.start === undefined) return { message };
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  const file = files.get(diagnostic.file.fileName);
  if (!file) return { message: `${relative(root, diagnostic.file.fileName)}:${line + 1}:${character + 1}: ${message}` };
  const { snippet, contextLines } = file;
  if (line < contextLines) return { snippet: snippet.index, line: snippet.context!.line, message: `in its readme-check directive: ${message}` };
  const codeLine = line - contextLines;
  if (codeLine >= snippet.code.split('\n').length) return { snippet: snippet.index, message: `in the prelude's import: ${message}` };
  return { snippet: snippet.index, line: snippet.line + codeLine, message: `col ${character + 1}: ${message}` };
}

function flatten(message: string | ts.DiagnosticMessageChain): string {
  return ts.flattenDiagnosticMessageText(message, '\n    ');
}

export function formatSnippetDiagnostics(diagnostics: readonly SnippetDiagnostic[], markdownPath: string): string {
  return diagnostics
    .map((d) => {
      const where = d.snippet === undefined ? 'outside the snippets' : `ts block #${d.snippet}${d.line ? ` (${markdownPath}:${d.line})` : ''}`;
      return `${where}: ${d.message}`;
    })
    .join('\n');
}
