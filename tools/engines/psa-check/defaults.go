package main

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

// PSA in a cluster evaluates the object after the API server has defaulted it. The defaulting functions live
// in k8s.io/kubernetes (pkg/apis/core/v1/defaults.go), which cannot be imported as a module, so the two
// defaults that change a PSA verdict are reproduced here; every other default leaves PSA's checks unchanged.
// Not modelled: fields a cluster drops when its feature gate is off, and the AppArmor annotation/field sync
// (PSA checks both forms, so the sync does not change its verdict).

// applyAPIServerDefaults mutates the extracted pod spec (PSA's extractor returns pointers into the decoded
// object) as the API server's defaulting would. isPod: the object is a Pod, not a pod template.
func applyAPIServerDefaults(spec *corev1.PodSpec, isPod bool) {
	defaultVolumes(spec.Volumes)
	// SetDefaults_Pod: with hostNetwork, a port without hostPort gets hostPort = containerPort, for
	// containers and init containers (not ephemeral ones). Since Kubernetes v1.28 this is done for Pods
	// only, not for pod templates (feature gate DefaultHostNetworkHostPortsInPodTemplates, off by default).
	if isPod && spec.HostNetwork {
		defaultHostNetworkPorts(spec.Containers)
		defaultHostNetworkPorts(spec.InitContainers)
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
