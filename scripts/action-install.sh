#!/usr/bin/env bash
# Puts a causeway binary on PATH for the Causeway GitHub Action (action.yml).
#
#   action-install.sh prepare   decide where the binary lives and the cache key
#                               (outputs install-root, cache-key)
#   action-install.sh install   build or install it there unless the cache
#                               already restored it, and add it to PATH
#
# CAUSEWAY_VERSION (the action's `version` input) is one of
#   source   build the action's own checkout ($GITHUB_ACTION_PATH) with cargo
#   X.Y.Z    install that release with cargo, from the action's own
#            repository at tag vX.Y.Z (the crate is not on crates.io: the
#            name `causeway` there is another project's)
#   path     use the causeway already on PATH
# It is checked against these forms before use and only ever passed to cargo
# as one argument.
set -euo pipefail
set -f

version=${CAUSEWAY_VERSION:-source}
action_path=${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}

fail() {
    local text=${1//%/%25}
    text=${text//$'\r'/%0D}
    printf '::error title=causeway action::%s\n' "${text//$'\n'/%0A}"
    exit 2
}

case $version in
source | path) ;;
*)
    if ! [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
        fail "version must be source, path or a release such as 0.1.0, not \"$version\""
    fi
    ;;
esac

# A SHA-256 of standard input, with the tool each runner has.
sha256() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum | cut -d ' ' -f 1
    else
        shasum -a 256 | cut -d ' ' -f 1
    fi
}

case ${1:-} in
prepare)
    : "${GITHUB_OUTPUT:?GITHUB_OUTPUT must name the output file of the step}"
    root="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/causeway-install"
    platform="${RUNNER_OS:-local}-${RUNNER_ARCH:-local}"
    case $version in
    path) key= ;;
    source)
        # Everything the build reads: the manifests, the lock file, the code.
        digest=$(
            cd "$action_path"
            {
                cat Cargo.toml Cargo.lock
                for dir in src templates; do
                    if [ -d "$dir" ]; then find "$dir" -type f; fi
                done | LC_ALL=C sort | while IFS= read -r file; do
                    printf '%s\n' "$file"
                    cat "$file"
                done
            } | sha256
        )
        key="causeway-$platform-source-$digest"
        ;;
    *) key="causeway-$platform-$version" ;;
    esac
    {
        printf 'install-root=%s\n' "$root"
        printf 'cache-key=%s\n' "$key"
    } >>"$GITHUB_OUTPUT"
    ;;
install)
    if [ "$version" = path ]; then
        command -v causeway >/dev/null 2>&1 || fail "version is path, but no causeway is on PATH"
        exit 0
    fi
    root=${CAUSEWAY_INSTALL_ROOT:?CAUSEWAY_INSTALL_ROOT must be set by the prepare step}
    if [ ! -x "$root/bin/causeway" ] && [ ! -x "$root/bin/causeway.exe" ]; then
        command -v cargo >/dev/null 2>&1 || fail "cargo is needed to build causeway (add a Rust toolchain step, or set version: path)"
        if [ "$version" = source ]; then
            cargo install --locked --root "$root" --path "$action_path"
        else
            repository=${CAUSEWAY_REPOSITORY:-}
            [[ $repository =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]] ||
                fail "version $version is installed from the action's repository, which is not known here; use version: source"
            cargo install --locked --root "$root" \
                --git "${GITHUB_SERVER_URL:-https://github.com}/$repository" --tag "v$version" causeway-debugger
        fi
    fi
    : "${GITHUB_PATH:?GITHUB_PATH must name the PATH file of the job}"
    printf '%s\n' "$root/bin" >>"$GITHUB_PATH"
    ;;
*)
    fail "usage: action-install.sh prepare|install"
    ;;
esac
