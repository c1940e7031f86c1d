// psa-check: Kubernetes' own Pod Security Admission (k8s.io/pod-security-admission) as a command-line
// engine, so our pss-* rules can be compared with the real checks, version by version.
//
// Input (stdin), one JSON object per line:
//
//	{"id": "any string", "version": "latest" | "v1.NN", "object": {the whole Kubernetes object}}
//
// Output (stdout), one JSON object per input line, in order:
//
//	{"id", "kind", "evaluated": true, "version",
//	 "checks": {"<check id>": {"allowed": bool, "reason"?: string, "detail"?: string} | null, ...},
//	 "baseline": {"allowed": bool, "forbidden": ["reason (detail)", ...]}, "restricted": {...}}
//
// A check is null when it is not part of the Pod Security Standards at that version (e.g. a check added in
// a later release). "evaluated": false (with "reason") when PSA extracts no pod from the object: a kind that
// is not in its default pod-spec resources, or a workload without a template. "error" when the line or the
// object does not decode into the typed object the API server would build (the API server rejects it).
//
// The object goes through what PSA sees in a cluster: decoded into the typed object (case-sensitive, unknown
// fields dropped, as the API server's JSON decoder does), then the two API-server defaults that change PSA
// verdicts (defaults.go), then PSA's own admission.DefaultPodSpecExtractor and policy.DefaultChecks().
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/debug"
)

const usage = `usage: psa-check [--version]
Reads JSON lines {"id", "version", "object"} on stdin and prints, per line, Pod Security Admission's verdict
per check and per profile (baseline, restricted) as JSON lines on stdout.`

// maxLineBytes bounds one input line (one Kubernetes object); the API server's own request limit is 3 MiB.
const maxLineBytes = 16 << 20

func main() {
	args := os.Args[1:]
	switch {
	case len(args) == 0:
	case len(args) == 1 && args[0] == "--version":
		fmt.Println(psaModuleVersion())
		return
	case len(args) == 1 && (args[0] == "--help" || args[0] == "-h"):
		fmt.Println(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "psa-check: unexpected argument %q (the only flags are --version and --help)\n", args[0])
		os.Exit(2)
	}
	engine, err := newEngine()
	if err != nil {
		fmt.Fprintf(os.Stderr, "psa-check: %v\n", err)
		os.Exit(2)
	}
	if err := run(engine, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "psa-check: %v\n", err)
		os.Exit(2)
	}
}

// psaModuleVersion is the k8s.io/pod-security-admission version this binary was built with.
func psaModuleVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "k8s.io/pod-security-admission" {
				return dep.Path + " " + dep.Version
			}
		}
	}
	return "k8s.io/pod-security-admission (unknown version)"
}

type request struct {
	ID      string          `json:"id"`
	Version string          `json:"version"`
	Object  json.RawMessage `json:"object"`
}

type failure struct {
	ID    string `json:"id"`
	Error string `json:"error"`
}

func run(engine *engine, in io.Reader, out io.Writer) error {
	scanner := bufio.NewScanner(in)
	scanner.Buffer(make([]byte, 1<<20), maxLineBytes)
	writer := bufio.NewWriter(out)
	defer writer.Flush()
	encoder := json.NewEncoder(writer)
	encoder.SetEscapeHTML(false)
	line := 0
	for scanner.Scan() {
		line++
		if len(scanner.Bytes()) == 0 {
			continue
		}
		var req request
		var answer any
		if err := json.Unmarshal(scanner.Bytes(), &req); err != nil {
			answer = failure{ID: req.ID, Error: fmt.Sprintf("line %d is not a JSON object {id, version, object}: %v", line, err)}
		} else if result, err := engine.evaluate(req); err != nil {
			answer = failure{ID: req.ID, Error: err.Error()}
		} else {
			answer = result
		}
		if err := encoder.Encode(answer); err != nil {
			return err
		}
	}
	if err := scanner.Err(); err != nil {
		return fmt.Errorf("reading stdin after line %d: %v", line, err)
	}
	return nil
}
