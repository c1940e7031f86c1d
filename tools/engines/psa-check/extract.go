package main

import (
	"encoding/json"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/pod-security-admission/admission"
	kjson "sigs.k8s.io/json"
)

// podBearingKinds: the kinds behind PSA's default pod-spec resources (admission.go defaultPodSpecResources),
// each with its REST resource (what PSA's HasPodSpec is asked) and the typed object to decode into.
var podBearingKinds = map[schema.GroupVersionKind]struct {
	resource schema.GroupResource
	newObj   func() runtime.Object
}{
	corev1.SchemeGroupVersion.WithKind("Pod"):                   {corev1.Resource("pods"), func() runtime.Object { return &corev1.Pod{} }},
	corev1.SchemeGroupVersion.WithKind("PodTemplate"):           {corev1.Resource("podtemplates"), func() runtime.Object { return &corev1.PodTemplate{} }},
	corev1.SchemeGroupVersion.WithKind("ReplicationController"): {corev1.Resource("replicationcontrollers"), func() runtime.Object { return &corev1.ReplicationController{} }},
	appsv1.SchemeGroupVersion.WithKind("ReplicaSet"):            {appsv1.Resource("replicasets"), func() runtime.Object { return &appsv1.ReplicaSet{} }},
	appsv1.SchemeGroupVersion.WithKind("Deployment"):            {appsv1.Resource("deployments"), func() runtime.Object { return &appsv1.Deployment{} }},
	appsv1.SchemeGroupVersion.WithKind("StatefulSet"):           {appsv1.Resource("statefulsets"), func() runtime.Object { return &appsv1.StatefulSet{} }},
	appsv1.SchemeGroupVersion.WithKind("DaemonSet"):             {appsv1.Resource("daemonsets"), func() runtime.Object { return &appsv1.DaemonSet{} }},
	batchv1.SchemeGroupVersion.WithKind("Job"):                  {batchv1.Resource("jobs"), func() runtime.Object { return &batchv1.Job{} }},
	batchv1.SchemeGroupVersion.WithKind("CronJob"):              {batchv1.Resource("cronjobs"), func() runtime.Object { return &batchv1.CronJob{} }},
}

// extracted is the pod PSA evaluates for one object, or why there is none.
type extracted struct {
	kind     string
	meta     *metav1.ObjectMeta
	spec     *corev1.PodSpec
	notEvald string // non-empty: PSA evaluates no pod for this object, and why
}

// extractPod decodes the object as the API server would (typed, case-sensitive JSON, unknown fields dropped),
// extracts the pod with PSA's own extractor, and applies the API-server defaults PSA's verdicts depend on to it.
func extractPod(raw json.RawMessage) (extracted, error) {
	var typeMeta metav1.TypeMeta
	if len(raw) == 0 {
		return extracted{}, fmt.Errorf("no object")
	}
	if err := json.Unmarshal(raw, &typeMeta); err != nil {
		return extracted{}, fmt.Errorf("the object is not a Kubernetes object: %v", err)
	}
	gvk := schema.FromAPIVersionAndKind(typeMeta.APIVersion, typeMeta.Kind)
	target, ok := podBearingKinds[gvk]
	var extractor admission.DefaultPodSpecExtractor
	if !ok || !extractor.HasPodSpec(target.resource) {
		return extracted{kind: typeMeta.Kind, notEvald: fmt.Sprintf("%s %s is not one of PSA's pod-spec resources", typeMeta.APIVersion, typeMeta.Kind)}, nil
	}
	obj := target.newObj()
	// The API server's JSON serializer decodes case-sensitively and keeps integers exact.
	if err := kjson.UnmarshalCaseSensitivePreserveInts(raw, obj); err != nil {
		return extracted{}, fmt.Errorf("the API server would reject this %s: %v", typeMeta.Kind, err)
	}
	meta, spec, err := extractor.ExtractPodSpec(obj)
	if err != nil {
		return extracted{}, fmt.Errorf("PSA's pod spec extractor: %v", err)
	}
	if spec == nil {
		return extracted{kind: typeMeta.Kind, notEvald: fmt.Sprintf("this %s has no pod template", typeMeta.Kind)}, nil
	}
	_, isPod := obj.(*corev1.Pod)
	applyAPIServerDefaults(spec, isPod)
	return extracted{kind: typeMeta.Kind, meta: meta, spec: spec}, nil
}
