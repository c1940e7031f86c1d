package main

import (
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
)

// PSA in a cluster evaluates the object after the API server has defaulted it. The defaulting functions live
// in k8s.io/kubernetes (pkg/apis/core/v1/defaults.go), which cannot be imported as a module, so the two
// defaults that change a PSA verdict are reproduced here; every other default leaves PSA's checks unchanged.
// Not modelled: fields a cluster drops when its feature gate is off, and the AppArmor annotation/field sync
// (PSA checks both forms, so the sync does not change its verdict).

// applyAPIServerDefaults mutates the decoded object as the API server's defaulting would.
func applyAPIServerDefaults(obj runtime.Object) {
	switch o := obj.(type) {
	case *corev1.Pod:
		defaultVolumes(o.Spec.Volumes)
		// SetDefaults_Pod: with hostNetwork, a port without hostPort gets hostPort = containerPort, for
		// containers and init containers (not ephemeral ones). Since Kubernetes v1.28 this is done for Pods
		// only, not for pod templates (feature gate DefaultHostNetworkHostPortsInPodTemplates, off by default).
		if o.Spec.HostNetwork {
			defaultHostNetworkPorts(o.Spec.Containers)
			defaultHostNetworkPorts(o.Spec.InitContainers)
		}
	case *corev1.PodTemplate:
		defaultVolumes(o.Template.Spec.Volumes)
	case *corev1.ReplicationController:
		if o.Spec.Template != nil {
			defaultVolumes(o.Spec.Template.Spec.Volumes)
		}
	case *appsv1.ReplicaSet:
		defaultVolumes(o.Spec.Template.Spec.Volumes)
	case *appsv1.Deployment:
		defaultVolumes(o.Spec.Template.Spec.Volumes)
	case *appsv1.StatefulSet:
		defaultVolumes(o.Spec.Template.Spec.Volumes)
	case *appsv1.DaemonSet:
		defaultVolumes(o.Spec.Template.Spec.Volumes)
	case *batchv1.Job:
		defaultVolumes(o.Spec.Template.Spec.Volumes)
	case *batchv1.CronJob:
		defaultVolumes(o.Spec.JobTemplate.Spec.Template.Spec.Volumes)
	}
}

// defaultVolumes is SetDefaults_Volume: a volume with no source (every source pointer nil, e.g. `{name: v}` or
// `{name: v, hostPath: null}`) becomes an emptyDir,
// tested with the same ptr.AllPtrFieldsNil. It applies to every pod spec, templates included.
func defaultVolumes(volumes []corev1.Volume) {
	for i := range volumes {
		if ptr.AllPtrFieldsNil(&volumes[i].VolumeSource) {
			volumes[i].VolumeSource = corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}
		}
	}
}

func defaultHostNetworkPorts(containers []corev1.Container) {
	for i := range containers {
		for j := range containers[i].Ports {
			if containers[i].Ports[j].HostPort == 0 {
				containers[i].Ports[j].HostPort = containers[i].Ports[j].ContainerPort
			}
		}
	}
}
