// ingress-nginx from its official Helm chart: the platform's one public entry point, the `nginx` class the
// app's Ingress names. Hardened values: TLS only (HTTPS redirect, HSTS), no snippet annotations, annotation
// validation on, only Ingresses of its own class, the admission webhook on, requests and limits everywhere.
// Its LoadBalancer Service is admitted by `services-no-public-loadbalancer` only through the namespace's
// declared, reasoned allowance (platform/exemptions.ts). With DNS-01 certificates port 80 stays closed; with
// HTTP-01 it answers ACME challenges and redirects everything else to HTTPS.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { PLATFORM_NAMESPACES } from "../platform/exemptions";
import { apiServerEgress, IngressAllowance, metricsIngressFrom, SecureNamespace } from "./secure-namespace";
import { admissionGates } from "../platform/admission-gates";
import { res } from "../platform/workload-sizing";
import { pinnedRelease } from "../platform/pinned-chart";
import { CHART_PINS } from "../platform/chart-pins";
import { PlatformComponentArgs } from "../platform/component-args";

export const INGRESS_NGINX_CHART = CHART_PINS.ingressNginx;

/** The IngressClass the app's Ingress names (Missing Table: `ingressClassName: nginx`). */
export const INGRESS_CLASS = "nginx";
/** Labels of the controller pods (chart 4.15.1 selector labels with `controller.name: controller`). */
export const CONTROLLER_POD_LABELS = { "app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller" } as const;
/** The controller's validating admission webhook port (chart `controller.admissionWebhooks.port`). */
export const ADMISSION_WEBHOOK_PORT = 8443;
/** The controller's metrics port (chart `controller.metrics.port`). */
export const METRICS_PORT = 10254;

export interface IngressNginxArgs extends PlatformComponentArgs {
    apiServerCidrs: string[];
    /** Where the controller forwards to: the app namespaces and the app's target ports (egress to them only). */
    backends: { namespaces: string[]; ports: number[] };
    /** Keep port 80 open for ACME HTTP-01 challenges (redirecting all else to HTTPS); false with DNS-01. */
    http01: boolean;
    /** Prometheus scrapes the controller's metrics from this namespace (unset: no metrics allowance). */
    monitoringNamespace?: string;
}

/** Helm values for the ingress-nginx chart (pure, so tests read them without a deployment). */
export function ingressNginxValues(args: Pick<IngressNginxArgs, "environment" | "http01">): Record<string, unknown> {
    const prod = args.environment === "prod";
    const jobResources = res("10m", "32Mi", "100m", "64Mi");
    return {
        controller: {
            ingressClass: INGRESS_CLASS,
            ingressClassResource: { name: INGRESS_CLASS, enabled: true, default: false, controllerValue: "k8s.io/ingress-nginx" },
            // Only Ingresses that name the class: no other controller's objects are picked up by accident.
            watchIngressWithoutClass: false,
            // Snippet annotations run arbitrary nginx configuration from any Ingress author (CVE-2021-25742).
            allowSnippetAnnotations: false,
            enableAnnotationValidations: true,
            config: {
                // TLS only: every plain-HTTP request is redirected, HSTS tells browsers never to try HTTP again.
                "ssl-redirect": "true",
                "force-ssl-redirect": "true",
                hsts: "true",
                "hsts-max-age": "31536000",
                "hsts-include-subdomains": "true",
                "ssl-protocols": "TLSv1.2 TLSv1.3",
                "server-tokens": "false",
                // Client IPs come from the load balancer (externalTrafficPolicy Local), never from headers clients set.
                "use-forwarded-headers": "false",
                "allow-snippet-annotations": "false",
                "annotations-risk-level": "Critical",
            },
            image: {
                // The chart's container securityContext: non-root uid 101, every capability dropped but
                // NET_BIND_SERVICE, RuntimeDefault seccomp; the image needs a writable root (exemption's reason).
                allowPrivilegeEscalation: false,
                runAsNonRoot: true,
                seccompProfile: { type: "RuntimeDefault" },
                chroot: false,
            },
            replicaCount: prod ? 3 : 1,
            minAvailable: 1,
            resources: prod ? res("200m", "256Mi", "1", "512Mi") : res("100m", "128Mi", "500m", "256Mi"),
            service: {
                type: "LoadBalancer",
                // Client source IPs preserved, and no second hop through another node.
                externalTrafficPolicy: "Local",
                enableHttp: args.http01,
                enableHttps: true,
            },
            admissionWebhooks: {
                enabled: true,
                failurePolicy: "Fail",
                createSecretJob: { resources: jobResources },
                patchWebhookJob: { resources: jobResources },
            },
            metrics: { enabled: true },
        },
        defaultBackend: { enabled: false },
        tcp: {},
        udp: {},
    };
}

export class IngressNginx extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: IngressNginxArgs, opts?: pulumi.ComponentResourceOptions) {
        super("secure-gitops:ingress:IngressNginx", name, {}, opts);
        if (args.apiServerCidrs.length === 0) throw new Error("IngressNginx: apiServerCidrs must name the control plane range");
        const provider = args.provider;
        const ports = [{ port: 443 }, ...(args.http01 ? [{ port: 80 }] : [])];
        const allowIngress: IngressAllowance[] = [
            {
                name: "public-ingress",
                reason: `The public entry point: clients reach the controller on ${ports.map((p) => p.port).join(" and ")} through its LoadBalancer.`,
                podSelector: { ...CONTROLLER_POD_LABELS },
                fromCidrs: ["0.0.0.0/0"],
                ports,
            },
            {
                name: "webhook-ingress",
                reason: "The API server calls the controller's validating admission webhook for Ingresses.",
                podSelector: { ...CONTROLLER_POD_LABELS },
                fromCidrs: args.apiServerCidrs,
                ports: [{ port: ADMISSION_WEBHOOK_PORT }],
            },
            ...(args.monitoringNamespace
                ? [metricsIngressFrom(args.monitoringNamespace, [METRICS_PORT], { ...CONTROLLER_POD_LABELS })]
                : []),
        ];
        const namespace = new SecureNamespace(
            `${name}-ns`,
            {
                provider,
                podSecurityVersion: args.podSecurityVersion,
                name: PLATFORM_NAMESPACES.ingress,
                allowIngress,
                allowEgress: [
                    apiServerEgress(args.apiServerCidrs, [443, 6443]),
                    ...(args.backends.namespaces.length > 0 && args.backends.ports.length > 0
                        ? [
                              {
                                  name: "backends-egress",
                                  reason: `The controller forwards requests to the app's pods in ${args.backends.namespaces.join(", ")} (and to cert-manager's ACME HTTP-01 solver there).`,
                                  podSelector: { ...CONTROLLER_POD_LABELS },
                                  toNamespaces: args.backends.namespaces,
                                  ports: [...new Set(args.backends.ports)].sort((a, b) => a - b).map((port) => ({ port })),
                              },
                          ]
                        : []),
                ],
            },
            { parent: this },
        );
        this.namespace = namespace.name;
        this.release = pinnedRelease(
            `${name}-release`,
            INGRESS_NGINX_CHART,
            {
                releaseName: "ingress-nginx",
                chartSource: args.charts,
                namespace: PLATFORM_NAMESPACES.ingress,
                values: ingressNginxValues(args),
            },
            { parent: this, provider, dependsOn: [namespace, ...admissionGates(args, opts)] },
        );
        this.registerOutputs({ namespace: this.namespace, releaseStatus: this.release.status });
    }
}
