#!/usr/bin/env bash
# End-to-end test of `causeway tui` through a real terminal: runs the binary
# in a detached tmux session of 100x30 on the bundled demo trace, drives it
# with `send-keys` and reads the screen with `capture-pane -p`: the first
# screen, Enter on the race finding, `a` to its other access, a search and
# `n`, the lanes view, a filter, then `q`, after which the shell must be
# back with the terminal restored (canonical mode on, alternate screen off,
# mouse released).
#
#   CAUSEWAY_BIN=target/debug/causeway tests/tui/ci.sh
#
# Installs nothing: without tmux it fails when CI=true and skips otherwise.
# Builds the analyzer with cargo when CAUSEWAY_BIN is not set and
# target/debug/causeway is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

if ! command -v tmux >/dev/null; then
    if [ "${CI:-}" = true ]; then
        echo "tests/tui: tmux is missing (CI=true, so this is a failure)" >&2
        exit 1
    fi
    echo "tests/tui: tmux is missing; skipped" >&2
    exit 0
fi

if [ -z "${CAUSEWAY_BIN:-}" ]; then
    CAUSEWAY_BIN=$ROOT/target/debug/causeway
    [ -x "$CAUSEWAY_BIN" ] || nice -n 10 cargo build --quiet --bin causeway
fi
[ -x "$CAUSEWAY_BIN" ] || { echo "tests/tui: no analyzer at $CAUSEWAY_BIN" >&2; exit 1; }

TRACE=$ROOT/fixtures/demo-bank.jsonl
SESSION=causeway-tui-$$
# A private server socket, so the test neither sees nor disturbs the user's.
TMUX_SOCKET=causeway-tui-$$
t() { tmux -L "$TMUX_SOCKET" "$@"; }
trap 't kill-server 2>/dev/null || true' EXIT

# The pane runs a shell that runs the UI, then reports its exit status and
# the terminal mode (`icanon` when restored, `-icanon` if raw mode leaked),
# then waits, so the pane stays readable after the UI quits.
# shellcheck disable=SC2016 # expanded by the pane's shell, not this one
t new-session -d -s "$SESSION" -x 100 -y 30 \
    "sh -c '\"\$0\" tui \"\$1\"; echo EXITED=\$?; stty -a | tr \" ;\" \"\\n\\n\" | grep -x -e icanon -e -icanon; sleep 600' \"$CAUSEWAY_BIN\" \"$TRACE\""

screen() { t capture-pane -p -t "$SESSION"; }

fail() {
    echo "tests/tui: FAIL: $1" >&2
    echo "--- screen ---" >&2
    screen >&2 || true
    exit 1
}

# Waits until the screen contains the fixed string $1, up to $3 tenths of
# a second (default 100: 10 s).
wait_for() {
    local what=$1 step=$2 tenths=${3:-100}
    for _ in $(seq "$tenths"); do
        screen | grep -qF -- "$what" && return 0
        sleep 0.1
    done
    fail "$step: the screen did not show '$what' within $((tenths / 10)) s"
}

# The first screen: the event list, the details and the findings.
wait_for "events 1/42" "first screen"
wait_for "findings 4" "first screen"
screen | grep -qF "data-race data race on \`Account#1.balance\`" \
    || fail "first screen: no data-race finding listed"
[ "$(t display-message -p -t "$SESSION" '#{mouse_any_flag}')" = 1 ] \
    || fail "first screen: the UI did not capture the mouse"
echo "tests/tui: first screen shown"

# Tab to the findings pane, Enter on the first finding (the race): the
# selection moves to its first access, whose details name the finding.
t send-keys -t "$SESSION" Tab Enter
wait_for "events 13/42" "jump to the race"
wait_for "location bank/accounts.py:39" "jump to the race"
wait_for "finding  data race on" "jump to the race"
echo "tests/tui: Enter jumped to the race's first access (event 13)"

# `a`: the race's other access, on the other worker.
t send-keys -t "$SESSION" a
wait_for "events 17/42" "other access"
wait_for "lane     bank/worker-2" "other access"
wait_for "location bank/accounts.py:68" "other access"
echo "tests/tui: a followed the race to its other access (event 17)"

# Search: `/lock_release` Enter selects the next lock release, `n` the one
# after it; the status line shows the query.
t send-keys -t "$SESSION" / l o c k _ r e l e a s e
wait_for "/lock_release" "search prompt"
t send-keys -t "$SESSION" Enter
wait_for "kind     lock_release" "search"
first=$(screen | grep -o 'events [0-9]*/42' | head -1)
t send-keys -t "$SESSION" n
for _ in $(seq 100); do
    now=$(screen | grep -o 'events [0-9]*/42' | head -1)
    [ "$now" != "$first" ] && break
    sleep 0.1
done
[ "$now" != "$first" ] || fail "search: n did not move past '$first'"
screen | grep -qF "kind     lock_release" || fail "search: n left lock_release"
echo "tests/tui: search found lock_release ($first), n moved on ($now)"

# The lanes view (`l`) in place of the details, and `l` again closes it.
t send-keys -t "$SESSION" l
wait_for "lanes " "lanes view"
wait_for "bank/worker-1" "lanes view legend"
screen | grep -qF "details" && fail "lanes view: the details are still shown"
t send-keys -t "$SESSION" l
wait_for "details" "lanes view closed"
echo "tests/tui: l opened and closed the lanes view"

# A filter: only the writes, named on the status line and in the title.
t send-keys -t "$SESSION" F k i n d : w r i t e Enter
wait_for "[F kind:write]" "filter"
wait_for "shown by the filter" "filter"
wait_for "kind     state_write" "filter"
echo "tests/tui: F kind:write filtered the events"

# Quit: the shell gets the UI's exit status 0 and a terminal in canonical
# mode, and the pane is off the alternate screen, with the UI's frame gone.
t send-keys -t "$SESSION" q
wait_for "EXITED=" "quit"
screen | grep -qx "EXITED=0" || fail "quit: the UI did not exit with 0"
for _ in $(seq 50); do
    screen | grep -qx -e icanon -e -icanon && break
    sleep 0.1
done
screen | grep -qx -- "-icanon" && fail "quit: the terminal was left in raw mode"
screen | grep -qx "icanon" || fail "quit: stty did not report canonical mode"
[ "$(t display-message -p -t "$SESSION" '#{alternate_on}')" = 0 ] \
    || fail "quit: the terminal is still on the alternate screen"
[ "$(t display-message -p -t "$SESSION" '#{mouse_any_flag}')" = 0 ] \
    || fail "quit: the mouse is still captured"
screen | grep -qF "events " && fail "quit: the UI's screen is still shown"
echo "tests/tui: q quit with status 0 and restored the terminal"

# --follow: a temp trace with the demo's first 10 lines; lines appended
# with printf appear within 2 s, a half-written line waits for its rest,
# a truncated file is a status message, and q restores the terminal.
FOLLOW_DIR=$(mktemp -d)
trap 't kill-server 2>/dev/null || true; rm -rf "$FOLLOW_DIR"' EXIT
GROWING=$FOLLOW_DIR/growing.jsonl
head -n 10 "$TRACE" >"$GROWING"
SESSION=causeway-tui-follow-$$
# shellcheck disable=SC2016 # expanded by the pane's shell, not this one
t new-session -d -s "$SESSION" -x 100 -y 30 \
    "sh -c '\"\$0\" tui --follow \"\$1\"; echo EXITED=\$?; stty -a | tr \" ;\" \"\\n\\n\" | grep -x -e icanon -e -icanon; sleep 600' \"$CAUSEWAY_BIN\" \"$GROWING\""


wait_for "events 1/10" "follow: first screen"
wait_for "following: 10 events" "follow: first screen"
line=$(sed -n 11p "$TRACE")
printf '%s' "${line:0:30}" >>"$GROWING"
sleep 0.8
screen | grep -qF "following: 10 events" || fail "follow: a half-written line was taken"
printf '%s\n' "${line:30}" >>"$GROWING"
printf '%s\n' "$(sed -n '12,42p' "$TRACE")" >>"$GROWING"
wait_for "events 1/42" "follow: appended lines" 20
wait_for "following: 42 events" "follow: appended lines" 20
wait_for "data-race data race on" "follow: findings updated" 20
echo "tests/tui: --follow showed 32 appended lines (one written in two halves) within 2 s"

: >"$GROWING"
wait_for "shrank" "follow: truncated file" 20
screen | grep -qF "events 1/42" || fail "follow: the events read before were dropped"
echo "tests/tui: --follow said the truncated file shrank and kept its events"

t send-keys -t "$SESSION" q
wait_for "EXITED=" "follow: quit"
screen | grep -qx "EXITED=0" || fail "follow: the UI did not exit with 0"
for _ in $(seq 50); do
    screen | grep -qx -e icanon -e -icanon && break
    sleep 0.1
done
screen | grep -qx "icanon" || fail "follow: stty did not report canonical mode"
[ "$(t display-message -p -t "$SESSION" '#{alternate_on}')" = 0 ] \
    || fail "follow: the terminal is still on the alternate screen"
echo "tests/tui: --follow quit with status 0 and restored the terminal"
echo "tests/tui: ok"
