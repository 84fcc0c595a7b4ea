#!/bin/sh
# A short tour of pegboard, run by `make demo` with .venv-demo/bin first on PATH.
#
# It runs on throwaway config and cache folders, so your own plugin choices are never touched,
# and removes the plugin it creates. Each step checks its exit status: the tour is also a test.
set -eu

tour=$(mktemp -d "${TMPDIR:-/tmp}/pegboard-tour.XXXXXX")
installed=
cleanup() {
    # Only when the tour stopped between its own install and uninstall steps.
    if [ -n "$installed" ]; then
        python -m pip uninstall --yes --quiet pegboard-wave >/dev/null 2>&1 || true
    fi
    rm -rf "$tour"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export XDG_CONFIG_HOME="$tour/config" XDG_CACHE_HOME="$tour/cache"
unset PEGBOARD_CONFIG_DIR PEGBOARD_CACHE_DIR PEGBOARD_PLUGINS PEGBOARD_NO_PLUGINS \
    PEGBOARD_STRICT_PLUGINS ACME_CONFIG_DIR ACME_CACHE_DIR 2>/dev/null || true

# Bold headings only on a terminal that wants colour (https://no-color.org, TERM=dumb).
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ] && [ "${TERM:-dumb}" != dumb ]; then
    bold=$(printf '\033[1m')
    plain=$(printf '\033[0m')
else
    bold=
    plain=
fi

step() {
    printf '\n%s== %s%s\n' "$bold" "$1" "$plain"
}

# Show a command, then run it; it must exit with status $1.
expect() {
    want=$1
    shift
    printf '$ %s\n' "$*"
    status=0
    "$@" || status=$?
    if [ "$status" -ne "$want" ]; then
        echo "tour: \`$*\` exited with $status, expected $want" >&2
        exit 1
    fi
    if [ "$want" -ne 0 ]; then
        echo "(exit status $status)"
    fi
}

cd "$tour"

step "pegboard and the plugins installed with it"
expect 0 pegboard --version
expect 0 pegboard plugins list

step "Plugin commands: Click and Typer, with another plugin's hooks around them"
expect 0 pegboard hello --name Ada
expect 0 pegboard greet morning Ada --loud

step "Write a new plugin, install it (checked in a child process), run it"
expect 0 pegboard plugins new wave
# Offline and without build isolation: everything the project needs is already here.
installed=yes
expect 0 env PIP_NO_INDEX=1 PIP_NO_BUILD_ISOLATION=0 pegboard -q plugins install ./pegboard-wave
expect 0 pegboard wave --name Ada

step "Switch it off and on again; a disabled plugin is never imported"
expect 0 pegboard plugins disable wave
expect 3 pegboard wave
expect 0 pegboard plugins enable wave

step "A broken plugin is isolated: everything else keeps working, and it is reported"
mkdir -p "$tour/site/pegboard_broken-0.1.dist-info"
printf 'Metadata-Version: 2.1\nName: pegboard-broken\nVersion: 0.1\n' \
    >"$tour/site/pegboard_broken-0.1.dist-info/METADATA"
printf '[pegboard.plugins]\nbroken = pegboard_broken:plugin\n' \
    >"$tour/site/pegboard_broken-0.1.dist-info/entry_points.txt"
printf 'raise RuntimeError("the database is gone")\n' >"$tour/site/pegboard_broken.py"
export PYTHONPATH="$tour/site"
expect 0 pegboard hello --name Ada
expect 4 pegboard broken
expect 0 pegboard plugins list --all
expect 4 pegboard plugins check broken
expect 1 pegboard doctor
unset PYTHONPATH

step "JSON for scripts"
expect 0 pegboard --format json plugins info wave

step "Shell completion, answered from the manifest without importing plugins"
expect 0 pegboard plugins disable wave
printf '$ pegboard plugins enable <TAB>\n'
_PEGBOARD_COMPLETE=bash_complete COMP_WORDS="pegboard plugins enable " COMP_CWORD=3 pegboard
expect 0 pegboard plugins enable wave
echo '$ eval "$(pegboard completion bash)"   # in ~/.bashrc'

step "Another application built on pegboard.Host, calling its own hook on every plugin"
expect 0 acme --help
expect 0 acme status

step "Remove the new plugin"
expect 0 pegboard plugins uninstall wave --yes
installed=
