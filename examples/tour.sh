#!/bin/sh
# A short tour of pegboard, run by `make demo` with .venv/bin first on PATH.
set -eu

step() {
    printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "$2"
}

step "pegboard's version and plugin API" "pegboard --version"
pegboard --version

step "Installed plugins" "pegboard plugins list"
pegboard plugins list

step "A Click plugin command (the audit plugin's hooks run around it)" "pegboard hello --name Ada"
pegboard hello --name Ada

step "A Typer plugin command" "pegboard greet morning Ada --loud"
pegboard greet morning Ada --loud

step "Another application built on pegboard.Host" "acme --help"
acme --help

step "acme calls its own hook on every plugin" "acme status"
acme status

step "Check a plugin in a child process" "pegboard plugins check hello"
pegboard plugins check hello

step "Everything at a glance" "pegboard doctor"
pegboard doctor
