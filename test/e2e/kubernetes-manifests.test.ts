// deploy/kubernetes rendered by a real kubectl, every object validated against the Kubernetes
// OpenAPI schemas (kubernetes-models), the security settings every workload must have, and the
// configuration files the ConfigMaps carry loaded by Tessera's own loaders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parsePolicies } from '@tessera/core';
import { loadGatewayConfig } from '@tessera/gateway';
import { loadConfig } from '@tessera/token-service';
import { findKubectl, kubernetesDir, renderKustomization, type KubeObject } from './internal/kubernetes.js';

const kubectl = findKubectl();
const skip = 'missing' in kubectl ? kubectl.missing : false;
const repo = new URL('../../', import.meta.url).pathname;
const KUSTOMIZATIONS = ['base/token-service', 'base/gateway', 'overlays/production', 'overlays/sidecar'];

interface Container {
  name: string;
  args?: string[];
  env?: { name: string; value?: string }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    runAsNonRoot?: boolean;
    capabilities?: { drop?: string[] };
    seccompProfile?: { type: string };
  };
  readinessProbe?: { httpGet?: { path: string } };
  livenessProbe?: { httpGet?: { path: string } };
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
}
interface PodSpec {
  automountServiceAccountToken?: boolean;
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type: string } };
  containers: Container[];
}
interface Workload extends KubeObject {
  spec: {
    replicas?: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
}

const byKind = (objects: KubeObject[], kind: string) => objects.filter((o) => o.kind === kind);
const one = <T extends KubeObject>(objects: KubeObject[], kind: string, name: string): T => {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name.startsWith(name));
  assert.equal(found.length, 1, `one ${kind} ${name}`);
  return found[0] as T;
};

test(
  `every kustomization renders with ${'path' in kubectl ? `kubectl ${kubectl.version}` : 'kubectl'} and every object is valid against the Kubernetes schemas`,
  { skip },
  async () => {
    if (!('path' in kubectl)) return;
    for (const dir of KUSTOMIZATIONS) {
      const objects = await renderKustomization(kubectl.path, dir);
      assert.ok(objects.length > 0, `${dir} renders objects`);
      for (const object of objects) {
        // kubernetes-models has one class per apiVersion and kind; an object of a kind it does not
        // know fails here rather than going unchecked.
        const model = (await import(`kubernetes-models/${object.apiVersion}/${object.kind}`)) as Record<
          string,
          new (data: unknown) => { validate(): void }
        >;
        const Model = model[object.kind]!;
        assert.doesNotThrow(() => new Model(object).validate(), `${dir}: ${object.kind} ${object.metadata.name}`);
      }
    }
  },
);

test(
  'every workload: non-root, read-only root, no privilege escalation, all capabilities dropped, RuntimeDefault seccomp, requests and limits',
  { skip },
  async () => {
    if (!('path' in kubectl)) return;
    for (const dir of ['overlays/production', 'overlays/sidecar']) {
      const objects = await renderKustomization(kubectl.path, dir);
      const workloads = byKind(objects, 'Deployment') as Workload[];
      assert.ok(workloads.length > 0);
      for (const w of workloads) {
        const pod = w.spec.template.spec;
        const where = `${dir}: ${w.metadata.name}`;
        assert.equal(pod.automountServiceAccountToken, false, `${where}: no API token mounted`);
        assert.equal(pod.securityContext?.runAsNonRoot, true, `${where}: runAsNonRoot`);
        assert.equal(pod.securityContext?.seccompProfile?.type, 'RuntimeDefault', `${where}: seccomp`);
        for (const c of pod.containers) {
          const at = `${where}/${c.name}`;
          assert.equal(c.securityContext?.allowPrivilegeEscalation, false, `${at}: allowPrivilegeEscalation`);
          assert.equal(c.securityContext?.readOnlyRootFilesystem, true, `${at}: readOnlyRootFilesystem`);
          assert.equal(c.securityContext?.runAsNonRoot, true, `${at}: runAsNonRoot`);
          assert.deepEqual(c.securityContext?.capabilities?.drop, ['ALL'], `${at}: capabilities`);
          for (const kind of ['requests', 'limits'] as const)
            for (const resource of ['cpu', 'memory'])
              assert.ok(c.resources?.[kind]?.[resource], `${at}: resources.${kind}.${resource}`);
        }
        // Some NetworkPolicy selects every workload.
        const policies = byKind(objects, 'NetworkPolicy') as (KubeObject & {
          spec: { podSelector: { matchLabels: Record<string, string> } };
        })[];
        assert.ok(
          policies.some((p) =>
            Object.entries(p.spec.podSelector.matchLabels).every(([k, v]) => w.spec.template.metadata.labels[k] === v),
          ),
          `${where}: a NetworkPolicy selects it`,
        );
      }
    }
  },
);

test(
  'the token service: 3 replicas, probes, a drain shorter than the grace period, PDB, HPA, and a NetworkPolicy that admits only its clients',
  { skip },
  async () => {
    if (!('path' in kubectl)) return;
    const objects = await renderKustomization(kubectl.path, 'overlays/production');
    const deployment = one<Workload>(objects, 'Deployment', 'tessera-token-service');
    assert.equal(deployment.spec.replicas, 3);
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0]!;
    assert.equal(container.readinessProbe?.httpGet?.path, '/readyz');
    assert.equal(container.livenessProbe?.httpGet?.path, '/healthz');
    // The configuration it runs with, loaded by the token service's own loader (secrets as the
    // Secret would give them).
    const configMap = one<KubeObject & { data: Record<string, string> }>(objects, 'ConfigMap', 'tessera-token-service');
    const config = loadConfig({
      object: parse(configMap.data['token-service.yaml']!),
      env: {
        TESSERA_POSTGRES_URL: 'postgres://tessera@db:5432/tessera',
        TESSERA_REDIS_URL: 'redis://cache:6379',
        TESSERA_ADMIN_TOKEN: 'a'.repeat(32),
        ...Object.fromEntries((container.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value])),
      },
    });
    assert.equal(config.storage.type, 'postgres');
    assert.equal(container.args?.join(' '), 'token-service --config /etc/tessera/token-service.yaml');
    const preStop = Number(container.lifecycle?.preStop?.exec?.command[1] ?? 0);
    assert.ok(
      (pod.terminationGracePeriodSeconds ?? 30) * 1000 > config.server.shutdownTimeoutMs + preStop * 1000,
      'the drain and the preStop pause end before SIGKILL',
    );
    const pdb = one<KubeObject & { spec: { minAvailable: number; selector: { matchLabels: object } } }>(
      objects,
      'PodDisruptionBudget',
      'tessera-token-service',
    );
    assert.deepEqual(pdb.spec.selector.matchLabels, deployment.spec.selector.matchLabels);
    assert.ok(pdb.spec.minAvailable < deployment.spec.replicas);
    const hpa = one<KubeObject & { spec: { scaleTargetRef: { name: string }; minReplicas: number } }>(
      objects,
      'HorizontalPodAutoscaler',
      'tessera-token-service',
    );
    assert.equal(hpa.spec.scaleTargetRef.name, deployment.metadata.name);
    assert.equal(hpa.spec.minReplicas, 3);
    const policy = one<
      KubeObject & {
        spec: {
          ingress: { from: { podSelector?: { matchLabels: Record<string, string> } }[]; ports: { port: number }[] }[];
        };
      }
    >(objects, 'NetworkPolicy', 'tessera-token-service');
    const tokenPort = policy.spec.ingress.find((rule) => rule.ports.some((p) => p.port === 7400))!;
    const admitted = tokenPort.from.map((f) => f.podSelector?.matchLabels);
    assert.deepEqual(admitted, [{ 'tessera.dev/token-service-client': 'true' }], 'only labelled clients');
    const gateway = one<Workload>(objects, 'Deployment', 'tessera-gateway');
    assert.equal(gateway.spec.template.metadata.labels['tessera.dev/token-service-client'], 'true');
  },
);

test(
  "the gateways: their configuration loads, their policies are Istio YAML that parses, the sidecar runs the examples' files unchanged",
  { skip },
  async () => {
    if (!('path' in kubectl)) return;
    for (const [dir, configName, policiesName] of [
      ['overlays/production', 'tessera-gateway', 'tessera-gateway-policies'],
      ['overlays/sidecar', 'backend-api-tessera', 'backend-api-tessera-policies'],
    ] as const) {
      const objects = await renderKustomization(kubectl.path, dir);
      const maps = byKind(objects, 'ConfigMap') as (KubeObject & { data: Record<string, string> })[];
      const config = maps.find((m) => m.metadata.name.startsWith(configName) && m.data['gateway.yaml'])!;
      const loaded = loadGatewayConfig({
        object: parse(config.data['gateway.yaml']!),
        // The edge gateway's client secret, as its Secret gives it (the sidecar talks to no token service).
        env: dir === 'overlays/production' ? { TESSERA_GATEWAY_CLIENT_SECRET: 'gateway-secret-0123456789' } : {},
      });
      assert.deepEqual(loaded.policies.sources, ['/etc/tessera/policies']);
      const policies = maps.find((m) => m.metadata.name.startsWith(policiesName))!;
      for (const [file, text] of Object.entries(policies.data)) {
        const parsed = parsePolicies(text, { file });
        assert.deepEqual(parsed.warnings, [], `${dir}: ${file} parses without warnings`);
        assert.ok(parsed.documents.length > 0);
      }
      if (dir === 'overlays/sidecar') {
        const examples = join(repo, 'examples/07-mesh-policies/policies');
        for (const file of await readdir(join(kubernetesDir, dir, 'policies')))
          assert.equal(
            policies.data[file],
            await readFile(join(examples, file), 'utf8'),
            `${file} is the example's file, byte for byte`,
          );
      }
    }
  },
);
