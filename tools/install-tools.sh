#!/usr/bin/env bash
# Installs the real engines the tests run against into the tool cache (outside the repository), from the Go
# module proxy and Debian's packages:
#   gator (Gatekeeper's CLI), the Pulumi CLI, our Node.js language host for it, helm, actionlint, promtool,
#   psa-check (Kubernetes' Pod Security Admission checks behind a JSON-lines CLI of ours).
# Idempotent: a tool already cached at its pinned version is not rebuilt (a cached run takes about a second).
# Cache: $SECURE_GITOPS_TOOLS, default ~/.cache/secure-gitops/tools (binaries in bin/).
set -euo pipefail

cd "$(dirname "$0")/.."
TOOLS_DIR="${SECURE_GITOPS_TOOLS:-$HOME/.cache/secure-gitops/tools}"
BIN="$TOOLS_DIR/bin"
mkdir -p "$BIN" "$TOOLS_DIR/stamps" "$TOOLS_DIR/src"

# Pinned versions. test/engines/tool-versions.test.ts keeps them in step with the project: gator with the
# Gatekeeper chart (components/gatekeeper.ts), the Pulumi CLI with @pulumi/pulumi (package.json).
GATOR_VERSION=v3.23.0
PULUMI_VERSION=v3.248.0
HELM_VERSION=v3.20.2
ACTIONLINT_VERSION=v1.7.12
# psa-check's PSA version is the k8s.io/pod-security-admission requirement in tools/engines/psa-check/go.mod.

log() { printf 'install-tools: %s\n' "$*" >&2; }
fail() { printf 'install-tools: error: %s\n' "$*" >&2; exit 2; }

# cached NAME STAMP: true when NAME was built from STAMP (a version, or a hash of our own sources).
cached() { [ -x "$BIN/$1" ] && [ "$(cat "$TOOLS_DIR/stamps/$1" 2>/dev/null)" = "$2" ]; }
stamp() { printf '%s' "$2" > "$TOOLS_DIR/stamps/$1"; }

command -v go >/dev/null || fail "go is not installed (Go 1.26 builds the engines from the Go module proxy)"

go_install() { # NAME PACKAGE VERSION
    local name=$1 pkg=$2 version=$3
    cached "$name" "$version" && return
    log "building $name $version"
    GOBIN="$BIN" GOFLAGS=-mod=mod go install "$pkg@$version" || fail "go install $pkg@$version failed"
    stamp "$name" "$version"
}

# The Pulumi CLI's go.mod replaces the SDK with a relative path (../sdk), so `go install` refuses it: download
# both modules at the pinned version, point the replace at the downloaded SDK and build inside a copy. The
# version is stamped as Pulumi's own release build does, so `pulumi version` reports it.
install_pulumi() {
    cached pulumi "$PULUMI_VERSION" && return
    log "building the Pulumi CLI $PULUMI_VERSION"
    local pkg sdk src=$TOOLS_DIR/src/pulumi-pkg-$PULUMI_VERSION
    pkg=$(go mod download -json "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
    sdk=$(go mod download -json "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
    [ -d "$pkg" ] && [ -d "$sdk" ] || fail "could not download github.com/pulumi/pulumi/{pkg,sdk}/v3@$PULUMI_VERSION"
    rm -rf "$src"
    cp -r "$pkg" "$src"
    chmod -R u+w "$src"
    (cd "$src" && go mod edit -replace "github.com/pulumi/pulumi/sdk/v3=$sdk" && GOFLAGS=-mod=mod go build -o "$BIN/pulumi" \
        -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" ./cmd/pulumi) \
        || fail "building the Pulumi CLI failed"
    rm -rf "$src"
    stamp pulumi "$PULUMI_VERSION"
}

# Our language host (tools/engines/language-host): the real one is not served by the Go module proxy.
install_language_host() {
    local hash
    hash=$(cat tools/engines/language-host/go.mod tools/engines/language-host/go.sum tools/engines/language-host/*.go | sha256sum | cut -c1-16)
    cached pulumi-language-nodejs "$hash" && return
    log "building the Node.js language host (tools/engines/language-host)"
    (cd tools/engines/language-host && go build -o "$BIN/pulumi-language-nodejs" .) || fail "building tools/engines/language-host failed"
    stamp pulumi-language-nodejs "$hash"
}

# psa-check (tools/engines/psa-check): PSA's own policy checks and pod-spec extractor at the version its go.mod
# requires; rebuilt when our sources or that pin change.
install_psa_check() {
    local hash
    hash=$(cat tools/engines/psa-check/go.mod tools/engines/psa-check/go.sum tools/engines/psa-check/*.go | sha256sum | cut -c1-16)
    cached psa-check "$hash" && return
    log "building psa-check (tools/engines/psa-check)"
    (cd tools/engines/psa-check && go build -o "$BIN/psa-check" .) || fail "building tools/engines/psa-check failed"
    stamp psa-check "$hash"
}

# promtool ships in Debian's prometheus package; link it into the cache so the tests find it in one place.
install_promtool() {
    if ! command -v promtool >/dev/null; then
        local sudo=""
        if [ "$(id -u)" != 0 ]; then
            sudo -n true 2>/dev/null || fail "promtool is missing: run 'sudo apt-get install prometheus' (it ships promtool)"
            sudo=sudo
        fi
        log "installing Debian's prometheus package (for promtool)"
        $sudo apt-get update -qq >/dev/null || fail "apt-get update failed"
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null \
            || fail "apt-get install prometheus failed"
    fi
    ln -sf "$(command -v promtool)" "$BIN/promtool"
}

go_install gator github.com/open-policy-agent/gatekeeper/v3/cmd/gator "$GATOR_VERSION"
go_install helm helm.sh/helm/v3/cmd/helm "$HELM_VERSION"
go_install actionlint github.com/rhysd/actionlint/cmd/actionlint "$ACTIONLINT_VERSION"
install_pulumi
install_language_host
install_psa_check
install_promtool

log "tools in $BIN: $(cd "$BIN" && ls | tr '\n' ' ')"
