package main

import (
	"fmt"
	"sort"

	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
)

type engine struct {
	checks    []policy.Check
	evaluator policy.Evaluator
	// newest is the newest MinimumVersion of any check: a later version (or "latest") evaluates as this one,
	// as PSA's own registry does (policy/registry.go EvaluatePod).
	newest api.Version
}

func newEngine() (*engine, error) {
	checks := policy.DefaultChecks()
	evaluator, err := policy.NewEvaluator(checks, nil)
	if err != nil {
		return nil, fmt.Errorf("PSA's default checks: %v", err)
	}
	newest := api.MajorMinorVersion(1, 0)
	for _, check := range checks {
		if last := check.Versions[len(check.Versions)-1].MinimumVersion; newest.Older(last) {
			newest = last
		}
	}
	return &engine{checks: checks, evaluator: evaluator, newest: newest}, nil
}

type checkVerdict struct {
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason,omitempty"`
	Detail  string `json:"detail,omitempty"`
}

type profileVerdict struct {
	Allowed   bool     `json:"allowed"`
	Forbidden []string `json:"forbidden,omitempty"`
}

type result struct {
	ID        string                   `json:"id"`
	Kind      string                   `json:"kind"`
	Evaluated bool                     `json:"evaluated"`
	Reason    string                   `json:"reason,omitempty"`
	Version   string                   `json:"version,omitempty"`
	Checks    map[string]*checkVerdict `json:"checks,omitempty"`
	Baseline  *profileVerdict          `json:"baseline,omitempty"`
	Restrict  *profileVerdict          `json:"restricted,omitempty"`
	// RestrictedOverrides: baseline check -> the restricted check that replaces it in the restricted profile at
	// this version (VersionedCheck.OverrideCheckIDs), so a caller can tell per-check from profile verdicts.
	RestrictedOverrides map[string]string `json:"restrictedOverrides,omitempty"`
}

func (e *engine) evaluate(req request) (result, error) {
	version, err := api.ParseVersion(req.Version)
	if err != nil {
		return result{}, fmt.Errorf("version %q: %v", req.Version, err)
	}
	pod, err := extractPod(req.Object)
	if err != nil {
		return result{}, err
	}
	if pod.notEvald != "" {
		return result{ID: req.ID, Kind: pod.kind, Evaluated: false, Reason: pod.notEvald}, nil
	}
	out := result{ID: req.ID, Kind: pod.kind, Evaluated: true, Version: version.String(), Checks: map[string]*checkVerdict{}}
	// Each check as policy.DefaultChecks() versions it: the newest VersionedCheck whose MinimumVersion is not
	// newer than the requested version; none means the check is not part of the standard at that version.
	effective := version
	if e.newest.Older(effective) {
		effective = e.newest
	}
	out.RestrictedOverrides = map[string]string{}
	for _, check := range e.checks {
		var current *policy.VersionedCheck
		for i, versioned := range check.Versions {
			if !effective.Older(versioned.MinimumVersion) {
				current = &check.Versions[i]
			}
		}
		if current == nil {
			out.Checks[string(check.ID)] = nil
			continue
		}
		checkPod := current.CheckPod
		for _, overridden := range current.OverrideCheckIDs {
			out.RestrictedOverrides[string(overridden)] = string(check.ID)
		}
		r := checkPod(pod.meta, pod.spec)
		out.Checks[string(check.ID)] = &checkVerdict{Allowed: r.Allowed, Reason: r.ForbiddenReason, Detail: r.ForbiddenDetail}
	}
	// The profiles exactly as admission evaluates them (restricted includes the baseline checks it does not
	// override: policy/registry.go OverrideCheckIDs).
	out.Baseline = e.profile(api.LevelBaseline, version, pod)
	out.Restrict = e.profile(api.LevelRestricted, version, pod)
	return out, nil
}

func (e *engine) profile(level api.Level, version api.Version, pod extracted) *profileVerdict {
	results := e.evaluator.EvaluatePod(api.LevelVersion{Level: level, Version: version}, pod.meta, pod.spec)
	aggregate := policy.AggregateCheckResults(results)
	verdict := &profileVerdict{Allowed: aggregate.Allowed}
	for _, r := range results {
		if r.Allowed {
			continue
		}
		if r.ForbiddenDetail != "" {
			verdict.Forbidden = append(verdict.Forbidden, fmt.Sprintf("%s (%s)", r.ForbiddenReason, r.ForbiddenDetail))
		} else {
			verdict.Forbidden = append(verdict.Forbidden, r.ForbiddenReason)
		}
	}
	sort.Strings(verdict.Forbidden)
	return verdict
}
