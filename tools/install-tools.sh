#!/usr/bin/env bash
# Installs the real engines the tests run against into the tool cache (outside the repository), from the Go
# module proxy and Debian's packages:
#   gator (Gatekeeper's CLI), the Pulumi CLI, our Node.js language host for it, helm, actionlint, promtool,
#   psa-check (Kubernetes' Pod Security Admission checks behind a JSON-lines CLI of ours);
#   and for the cluster harness (tools/cluster, `npm run cluster`): etcd, kube-apiserver, kube-controller-manager,
#   kube-scheduler, kwok, Gatekeeper's manager and the Pulumi Kubernetes provider.
# One Go build cache is shared, so gator and Gatekeeper's manager, and the Kubernetes binaries, compile common
# packages once. Each tool is cached the moment it is built, so a run cut short resumes where it stopped.
# A tool already on PATH at the pinned version (pulumi, helm) is linked instead of built.
# Usage: install-tools.sh [--no-cluster]   (--no-cluster: skip the cluster harness's tools: etcd, Kubernetes, kwok, Gatekeeper, the provider)
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
PULUMI_VERSION=v3.276.0
HELM_VERSION=v3.20.2
ACTIONLINT_VERSION=v1.7.12
# The cluster harness's tools. The Kubernetes provider has no tagged provider/v4 version on the module proxy: the
# one pseudo-version served is pinned (older than the @pulumi/kubernetes SDK; the engine warns and carries on).
KUBERNETES_VERSION=v1.37.2
ETCD_VERSION=v3.7.3
KWOK_VERSION=v0.8.0
K8S_PROVIDER_MODULE_VERSION=v4.0.0-20260115033456-f47bc2d6f199
K8S_PROVIDER_VERSION=4.34.2
# psa-check's PSA version is the k8s.io/pod-security-admission requirement in tools/engines/psa-check/go.mod.

log() { printf 'install-tools: %s\n' "$*" >&2; }
fail() { printf 'install-tools: error: %s\n' "$*" >&2; exit 2; }

# cached NAME STAMP: true when NAME was built from STAMP (a version, or a hash of our own sources).
cached() { [ -x "$BIN/$1" ] && [ "$(cat "$TOOLS_DIR/stamps/$1" 2>/dev/null)" = "$2" ]; }
stamp() { printf '%s' "$2" > "$TOOLS_DIR/stamps/$1"; }

NO_CLUSTER=false
for arg in "$@"; do
    case "$arg" in
        --no-cluster) NO_CLUSTER=true ;;
        *) fail "unknown argument '$arg' (allowed: --no-cluster)" ;;
    esac
done

# timed NAME COMMAND...: runs COMMAND and logs how long it took (wall and CPU seconds of the build).
timed() {
    local name=$1 start end cpu0 cpu1 self=$BASHPID
    shift
    start=$(date +%s)
    # Children's CPU (cutime + cstime) of this shell: the build's compilers and linker, once waited for.
    cpu0=$(awk '{print $16+$17}' "/proc/$self/stat")
    "$@" || return $?
    end=$(date +%s)
    cpu1=$(awk '{print $16+$17}' "/proc/$self/stat")
    log "built $name in $((end - start)) s wall, $(((cpu1 - cpu0) / $(getconf CLK_TCK))) s CPU"
}

# from_path NAME STAMP VERSION_COMMAND...: links NAME from PATH when its version output names STAMP.
from_path() {
    local name=$1 want=$2 found
    shift 2
    found=$(command -v "$name" 2>/dev/null) || return 1
    [ "$found" = "$BIN/$name" ] && return 1
    "$@" 2>/dev/null | grep -qF -- "$want" || return 1
    ln -sf "$found" "$BIN/$name"
    stamp "$name" "$want"
    log "using $name $want from PATH ($found)"
}

command -v go >/dev/null || fail "go is not installed (Go 1.26 builds the engines from the Go module proxy)"

go_install() { # NAME PACKAGE VERSION
    local name=$1 pkg=$2 version=$3
    cached "$name" "$version" && return
    log "building $name $version"
    timed "$name" env GOBIN="$BIN" GOFLAGS=-mod=mod go install "$pkg@$version" || fail "go install $pkg@$version failed"
    [ -x "$BIN/$name" ] || fail "go install $pkg@$version built no $name"
    stamp "$name" "$version"
}

# The Pulumi CLI's go.mod replaces the SDK with a relative path (../sdk), so `go install` refuses it: download
# both modules at the pinned version, point the replace at the downloaded SDK and build inside a copy. The
# version is stamped as Pulumi's own release build does, so `pulumi version` reports it.
install_pulumi() {
    cached pulumi "$PULUMI_VERSION" && return
    from_path pulumi "$PULUMI_VERSION" pulumi version && return
    log "building the Pulumi CLI $PULUMI_VERSION"
    local pkg sdk src=$TOOLS_DIR/src/pulumi-pkg-$PULUMI_VERSION
    pkg=$(go mod download -json "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
    sdk=$(go mod download -json "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
    [ -d "$pkg" ] && [ -d "$sdk" ] || fail "could not download github.com/pulumi/pulumi/{pkg,sdk}/v3@$PULUMI_VERSION"
    rm -rf "$src"
    cp -r "$pkg" "$src"
    chmod -R u+w "$src"
    (cd "$src" && go mod edit -replace "github.com/pulumi/pulumi/sdk/v3=$sdk" && timed pulumi env GOFLAGS=-mod=mod go build -o "$BIN/pulumi" \
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

# module_copy MODULE VERSION DEST: a writable copy of a module's source from the module cache.
module_copy() {
    local dir
    dir=$(go mod download -json "$1@$2" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
    [ -d "$dir" ] || fail "could not download $1@$2"
    rm -rf "$3"
    cp -r "$dir" "$3"
    chmod -R u+w "$3"
}

# drop_local_replaces: removes every replace whose target is a relative path (the monorepo's own modules) and,
# with a version, requires each replaced k8s.io module at it instead of the v0.0.0 placeholder.
drop_local_replaces() { # [VERSION]
    local path target
    while read -r path target; do
        [ -n "$path" ] || continue
        go mod edit -dropreplace "$path"
        if [ -n "${1:-}" ]; then go mod edit -require "$path@$1"; fi
    done < <(go mod edit -json | node -e '
        const m = JSON.parse(require("fs").readFileSync(0, "utf8"));
        for (const r of m.Replace ?? []) if (r.New.Path.startsWith(".")) console.log(r.Old.Path, r.New.Path);')
}

# etcd: its server module replaces its sibling modules with ../ paths, so `go install` refuses it.
install_etcd() {
    cached etcd "$ETCD_VERSION" && return
    log "building etcd $ETCD_VERSION"
    local src=$TOOLS_DIR/src/etcd-$ETCD_VERSION
    module_copy go.etcd.io/etcd/server/v3 "$ETCD_VERSION" "$src"
    (cd "$src" && drop_local_replaces && timed etcd env GOFLAGS=-mod=mod go build -o "$BIN/etcd" .) || fail "building etcd failed"
    rm -rf "$src"
    stamp etcd "$ETCD_VERSION"
}

# kube-apiserver, kube-controller-manager, kube-scheduler from one copy of k8s.io/kubernetes: the workspace and
# vendor directory go, each ./staging replace becomes the published k8s.io module at v0.<minor>.<patch>.
install_kubernetes() {
    local names="kube-apiserver kube-controller-manager kube-scheduler" name missing=false
    for name in $names; do cached "$name" "$KUBERNETES_VERSION" || missing=true; done
    $missing || return 0
    log "building $names $KUBERNETES_VERSION"
    local src=$TOOLS_DIR/src/kubernetes-$KUBERNETES_VERSION staging=v0.${KUBERNETES_VERSION#v1.}
    local minor=${KUBERNETES_VERSION#v1.}
    minor=${minor%%.*}
    local pkg=k8s.io/component-base/version
    local ldflags="-s -w -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
    ldflags="$ldflags -X k8s.io/client-go/pkg/version.gitVersion=$KUBERNETES_VERSION"
    module_copy k8s.io/kubernetes "$KUBERNETES_VERSION" "$src"
    (cd "$src" && rm -rf go.work go.work.sum vendor && drop_local_replaces "$staging") || fail "preparing k8s.io/kubernetes failed"
    for name in $names; do
        cached "$name" "$KUBERNETES_VERSION" && continue
        (cd "$src" && timed "$name" env GOFLAGS=-mod=mod go build -o "$BIN/$name" -ldflags "$ldflags" "./cmd/$name") \
            || fail "building $name failed"
        stamp "$name" "$KUBERNETES_VERSION"
    done
    rm -rf "$src"
}

# The Gatekeeper chart at the pinned version, from the Gatekeeper module the manager was built from (the module
# carries its chart): the end-to-end test installs it from this directory (stack setting chartDirectory).
install_gatekeeper_chart() {
    local dest=$TOOLS_DIR/charts/gatekeeper dir
    [ -f "$dest/Chart.yaml" ] && [ "$(cat "$TOOLS_DIR/stamps/gatekeeper-chart" 2>/dev/null)" = "$GATOR_VERSION" ] && return
    dir=$(go mod download -json "github.com/open-policy-agent/gatekeeper/v3@$GATOR_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
    [ -f "$dir/charts/gatekeeper/Chart.yaml" ] || fail "the Gatekeeper module $GATOR_VERSION has no charts/gatekeeper"
    grep -q "^version: ${GATOR_VERSION#v}\$" "$dir/charts/gatekeeper/Chart.yaml" || fail "charts/gatekeeper in the Gatekeeper module is not chart version ${GATOR_VERSION#v}"
    rm -rf "$dest"
    mkdir -p "$TOOLS_DIR/charts"
    cp -r "$dir/charts/gatekeeper" "$dest"
    chmod -R u+w "$dest"
    stamp gatekeeper-chart "$GATOR_VERSION"
    log "copied the Gatekeeper chart ${GATOR_VERSION#v} to $dest"
}

# kwok's stages (what happens to a fake node or pod, and when) from the kwok module at the pinned version: the
# fast set (nodes Ready at once, kept by heartbeats; pods Ready, Job pods Completed, deleted pods gone).
install_kwok_stages() {
    local dest=$TOOLS_DIR/kwok-stages dir
    [ -d "$dest" ] && [ "$(cat "$TOOLS_DIR/stamps/kwok-stages" 2>/dev/null)" = "$KWOK_VERSION" ] && return
    dir=$(go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')/kustomize/stage
    [ -d "$dir" ] || fail "the kwok module $KWOK_VERSION has no kustomize/stage"
    rm -rf "$dest"
    mkdir -p "$dest"
    cp "$dir/node/fast/node-initialize.yaml" "$dir/node/heartbeat/node-heartbeat.yaml" \
        "$dir/pod/fast/pod-ready.yaml" "$dir/pod/fast/pod-complete.yaml" "$dir/pod/fast/pod-delete.yaml" "$dest/" \
        || fail "kwok $KWOK_VERSION lacks the fast stages"
    stamp kwok-stages "$KWOK_VERSION"
    log "copied kwok's fast stages to $dest"
}

# The Pulumi Kubernetes provider: its SDK replace (../sdk) goes, its schema is generated, then it is built. The
# binary is stamped with the @pulumi/kubernetes version the program uses, so the CLI loads it for that version.
install_kubernetes_provider() {
    local name=pulumi-resource-kubernetes stamp_value="$K8S_PROVIDER_MODULE_VERSION as $K8S_PROVIDER_VERSION"
    cached "$name" "$stamp_value" && return
    log "building the Pulumi Kubernetes provider $K8S_PROVIDER_MODULE_VERSION (as $K8S_PROVIDER_VERSION)"
    local src=$TOOLS_DIR/src/pulumi-kubernetes-provider
    module_copy github.com/pulumi/pulumi-kubernetes/provider/v4 "$K8S_PROVIDER_MODULE_VERSION" "$src"
    (cd "$src" && drop_local_replaces && cd cmd/$name && VERSION=$K8S_PROVIDER_VERSION GOFLAGS=-mod=mod go run ./generate.go \
        && timed "$name" env GOFLAGS=-mod=mod go build -o "$BIN/$name" \
            -ldflags "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$K8S_PROVIDER_VERSION" .) \
        || fail "building the Pulumi Kubernetes provider failed"
    rm -rf "$src"
    stamp "$name" "$stamp_value"
}

go_install gator github.com/open-policy-agent/gatekeeper/v3/cmd/gator "$GATOR_VERSION"
from_path helm "$HELM_VERSION" helm version --short || go_install helm helm.sh/helm/v3/cmd/helm "$HELM_VERSION"
go_install actionlint github.com/rhysd/actionlint/cmd/actionlint "$ACTIONLINT_VERSION"
install_pulumi
install_language_host
install_psa_check
install_promtool
if ! $NO_CLUSTER; then
    # One at a time: the provider's build peaks at 4.5 GB.
    go_install gatekeeper github.com/open-policy-agent/gatekeeper/v3 "$GATOR_VERSION"
    install_gatekeeper_chart
    install_etcd
    go_install kwok sigs.k8s.io/kwok/cmd/kwok "$KWOK_VERSION"
    install_kwok_stages
    install_kubernetes
    install_kubernetes_provider
fi

log "tools in $BIN: $(cd "$BIN" && ls | tr '\n' ' ')"
