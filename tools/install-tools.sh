#!/usr/bin/env bash
# Installs the real engines the tests run against into the tool cache (outside the repository):
#   gator (Gatekeeper), the Pulumi CLI + Node.js language host, helm, actionlint (Go modules) and promtool
#   (Debian's prometheus package). Idempotent: a tool whose pinned version is already cached is not rebuilt.
# Cache: $SECURE_GITOPS_TOOLS, default ~/.cache/secure-gitops/tools (binaries in bin/).
set -euo pipefail

cd "$(dirname "$0")/.."
TOOLS_DIR="${SECURE_GITOPS_TOOLS:-$HOME/.cache/secure-gitops/tools}"
BIN="$TOOLS_DIR/bin"
mkdir -p "$BIN" "$TOOLS_DIR/stamps"

# Pinned versions. gator matches the Gatekeeper chart (components/gatekeeper.ts); the Pulumi CLI matches
# @pulumi/pulumi in package.json (a test keeps both in step).
GATOR_VERSION=v3.23.0
PULUMI_VERSION=v3.248.0
HELM_VERSION=v3.20.2
ACTIONLINT_VERSION=v1.7.12

log() { printf 'install-tools: %s\n' "$*" >&2; }
fail() { printf 'install-tools: error: %s\n' "$*" >&2; exit 2; }

# stamp NAME VERSION: true when NAME at VERSION is already in the cache.
cached() { [ -x "$BIN/$1" ] && [ "$(cat "$TOOLS_DIR/stamps/$1" 2>/dev/null)" = "$2" ]; }
stamp() { printf '%s' "$2" > "$TOOLS_DIR/stamps/$1"; }

go_install() { # NAME MODULE/PATH VERSION
    local name=$1 pkg=$2 version=$3
    if cached "$name" "$version"; then return; fi
    log "building $name $version"
    GOBIN="$BIN" GOFLAGS=-mod=mod go install "$pkg@$version" || fail "go install $pkg@$version failed"
    stamp "$name" "$version"
}

command -v go >/dev/null || fail "go is not installed (Go 1.26 is needed to build the engines)"

go_install gator github.com/open-policy-agent/gatekeeper/v3/cmd/gator "$GATOR_VERSION"
go_install helm helm.sh/helm/v3/cmd/helm "$HELM_VERSION"
go_install actionlint github.com/rhysd/actionlint/cmd/actionlint "$ACTIONLINT_VERSION"

log "tools in $BIN"
