#!/usr/bin/env bash
# The analyze step of the Causeway GitHub Action (action.yml at the repository
# root). Every input arrives in an environment variable and is only ever used
# as data: globbed (traces), split on whitespace (args) or passed as one
# argument. Nothing from an input is evaluated as shell, and nothing from an
# input can start a line of the log, so no input can run a command or issue a
# workflow command.
#
#   INPUT_TRACES        trace files, one bash glob per line (** allowed)
#   INPUT_ARGS          more arguments for `causeway analyze`, split on
#                       whitespace; quotes are not interpreted
#   INPUT_FAIL_ON       race | error | anomaly | never | empty (causeway.toml or race)
#   INPUT_SARIF         path of a SARIF report to write, or empty
#   INPUT_JUNIT         path of a JUnit XML report to write, or empty
#   INPUT_HTML          path of an HTML report to write, or empty
#   INPUT_JOB_SUMMARY   true | false: append a Markdown summary to
#                       $GITHUB_STEP_SUMMARY
#   INPUT_REPLAY_TESTS  FRAMEWORK:DIR (pytest or jest) to generate replay tests
#                       when findings fail the step, or empty
#   CAUSEWAY_BIN        the causeway binary (default: causeway on PATH)
#
# Outputs (to $GITHUB_OUTPUT): exit-code, races, anomalies, sarif-file.
# Exits with causeway's exit code: 0 clean, 1 findings, 2 could not analyze.
# Works with bash 3.2 (macOS runners) and Git Bash (Windows runners).
set -euo pipefail
set -f # no globbing except where the traces are expanded

bin=${CAUSEWAY_BIN:-causeway}
: "${GITHUB_OUTPUT:?GITHUB_OUTPUT must name the output file of the step}"

# Workflow-command data: GitHub's escapes for %, CR and LF.
command_data() {
    local text=${1//%/%25}
    text=${text//$'\r'/%0D}
    printf '%s' "${text//$'\n'/%0A}"
}

# Stops the step with an error annotation; the message may hold input text.
fail() {
    printf '::error title=causeway action::%s\n' "$(command_data "$1")"
    printf 'exit-code=2\n' >>"$GITHUB_OUTPUT"
    exit 2
}

has_newline() {
    case $1 in *$'\n'* | *$'\r'*) return 0 ;; esac
    return 1
}

fail_on=${INPUT_FAIL_ON:-}
case $fail_on in
'' | race | error | anomaly | never) ;;
*) fail "fail-on must be race, error, anomaly or never, not \"$fail_on\"" ;;
esac

job_summary=${INPUT_JOB_SUMMARY:-true}
case $job_summary in
true | false) ;;
*) fail "job-summary must be true or false, not \"$job_summary\"" ;;
esac

sarif=${INPUT_SARIF:-}
junit=${INPUT_JUNIT:-}
html=${INPUT_HTML:-}
for path in "$sarif" "$junit" "$html"; do
    if has_newline "$path"; then
        fail "a report path cannot contain a line break"
    fi
done

replay=${INPUT_REPLAY_TESTS:-}
replay_framework=
replay_dir=
if [ -n "$replay" ]; then
    replay_framework=${replay%%:*}
    replay_dir=${replay#*:}
    case $replay_framework in
    pytest | jest) ;;
    *) fail "replay-tests must be FRAMEWORK:DIR with pytest or jest, not \"$replay\"" ;;
    esac
    if [ "$replay_dir" = "$replay" ] || [ -z "$replay_dir" ]; then
        fail "replay-tests must be FRAMEWORK:DIR, e.g. pytest:tests/replay"
    fi
fi

# Sets `matches` to the files a glob matches: pathname expansion only (IFS
# is empty, so no word splitting; expansion never runs what it expands).
expand_glob() {
    local IFS=
    set +f
    # shellcheck disable=SC2206 # the unquoted expansion is the glob
    matches=($1)
    set -f
}

# The traces: each line a glob. A pattern that matches nothing is passed as
# it is, so causeway names it.
files=()
matches=()
shopt -s nullglob
shopt -s globstar 2>/dev/null || true # bash 3.2 has no globstar
while IFS= read -r pattern || [ -n "$pattern" ]; do
    pattern=${pattern%$'\r'}
    # Trim surrounding blanks.
    pattern=${pattern#"${pattern%%[![:space:]]*}"}
    pattern=${pattern%"${pattern##*[![:space:]]}"}
    [ -n "$pattern" ] || continue
    expand_glob "$pattern"
    if [ ${#matches[@]} -eq 0 ]; then
        files+=("$pattern")
    else
        files+=("${matches[@]}")
    fi
done <<<"${INPUT_TRACES:-}"
if [ ${#files[@]} -eq 0 ]; then
    fail "the traces input names no file"
fi

# Extra arguments: whitespace-separated words, taken literally.
extra=()
while read -r -a words || [ ${#words[@]} -gt 0 ]; do
    if [ ${#words[@]} -gt 0 ]; then
        extra+=("${words[@]}")
    fi
    words=()
done <<<"${INPUT_ARGS:-}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmd=("$bin" analyze --format github --output "json=$work/report.json")
if [ -n "$fail_on" ]; then
    cmd+=(--fail-on "$fail_on")
fi
if [ -n "$sarif" ]; then
    mkdir -p -- "$(dirname -- "$sarif")"
    cmd+=(--output "sarif=$sarif")
fi
if [ -n "$junit" ]; then
    mkdir -p -- "$(dirname -- "$junit")"
    cmd+=(--output "junit=$junit")
fi
if [ -n "$html" ]; then
    mkdir -p -- "$(dirname -- "$html")"
    cmd+=(--output "html=$html")
fi
if [ "$job_summary" = true ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    cmd+=(--output "markdown=$work/summary.md")
fi
if [ ${#extra[@]} -gt 0 ]; then
    cmd+=("${extra[@]}")
fi
cmd+=(-- "${files[@]}")

set +e
"${cmd[@]}"
code=$?
set -e

if [ -s "$work/summary.md" ]; then
    cat "$work/summary.md" >>"$GITHUB_STEP_SUMMARY"
fi

# The counts from the JSON report's summary (pretty-printed by causeway: its
# summary keys are the only ones indented by four spaces).
races=
anomalies=
if [ -s "$work/report.json" ]; then
    races=$(sed -n 's/^    "races": \([0-9][0-9]*\),$/\1/p' "$work/report.json" | head -n 1)
    anomalies=$(sed -n 's/^    "anomalies": \([0-9][0-9]*\),$/\1/p' "$work/report.json" | head -n 1)
fi

{
    printf 'exit-code=%s\n' "$code"
    printf 'races=%s\n' "$races"
    printf 'anomalies=%s\n' "$anomalies"
    if [ -n "$sarif" ] && [ -f "$sarif" ]; then
        printf 'sarif-file=%s\n' "$sarif"
    else
        printf 'sarif-file=\n'
    fi
} >>"$GITHUB_OUTPUT"

if [ -n "$sarif" ] && [ -f "$sarif" ]; then
    printf 'causeway: SARIF written to %s; upload it with github/codeql-action/upload-sarif in a step with if: always() (see the README)\n' "$sarif"
fi

if [ -n "$replay" ] && [ "$code" -eq 1 ]; then
    if "$bin" gen-tests --help >/dev/null 2>&1; then
        mkdir -p -- "$replay_dir"
        set +e
        "$bin" gen-tests --framework "$replay_framework" --output "$replay_dir" -- "${files[@]}"
        replay_code=$?
        set -e
        if [ "$replay_code" -ne 0 ]; then
            printf '::warning title=causeway action::%s\n' "$(command_data "causeway gen-tests exited with $replay_code; no replay tests")"
        fi
    else
        printf '::warning title=causeway action::%s\n' "$(command_data "replay-tests needs causeway gen-tests, which this causeway does not have; no replay tests were generated")"
    fi
fi

exit "$code"
