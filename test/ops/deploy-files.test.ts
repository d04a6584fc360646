// The container and deployment files cannot be run here (no Docker engine, no cluster): they
// are parsed and checked for consistency instead: valid YAML, the pieces that must agree
// (ports, probe paths, names, labels, grace period vs shutdown limit), Dockerfile rules, and
// every FTPGATE_ variable they set is one ftpgate reads.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

const ROOT = new URL('../../', import.meta.url).pathname;
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
// Parsed YAML: shapes checked by the assertions themselves.
type Obj = Record<string, any>;

/** The FTPGATE_ variables ftpgate reads (src/config/load.ts, src/cli.ts), FTPGATE_SITE_<NAME> as a prefix. */
function knownVariable(name: string): boolean {
  if (/^FTPGATE_SITE_[A-Z0-9_]+$/.test(name)) return true;
  return ['src/config/load.ts', 'src/cli.ts'].some((f) => new RegExp(`\\benv\\.${name}\\b`).test(read(f)));
}

function k8sDocs(): Obj[] {
  const dir = join(ROOT, 'deploy', 'kubernetes');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => {
      const docs = parseAllDocuments(readFileSync(join(dir, f), 'utf8'));
      for (const d of docs) expect(d.errors, `${f} parses`).toEqual([]);
      return docs.map((d) => ({ ...(d.toJS() as Obj), __file: f }));
    });
}

describe('Kubernetes manifests (deploy/kubernetes)', () => {
  it('hold a Deployment with probes, a Service, a ConfigMap and a Secret that agree with each other', () => {
    const docs = k8sDocs();
    const find = (kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata?.name === name);
    for (const kind of ['Deployment', 'Service', 'ConfigMap', 'Secret']) expect(docs.some((d) => d.kind === kind), kind).toBe(true);
    for (const d of docs.filter((x) => x.kind !== 'Kustomization')) {
      expect(typeof d.apiVersion, `${d.__file} apiVersion`).toBe('string');
      expect(typeof d.metadata?.name, `${d.__file} metadata.name`).toBe('string');
    }
    const deployment = find('Deployment', 'ftpgate')!;
    const pod = deployment.spec.template;
    expect(pod.metadata.labels).toEqual(expect.objectContaining(deployment.spec.selector.matchLabels));
    const container = pod.spec.containers[0];
    const port = container.ports.find((p: Obj) => p.name === 'http');
    expect(port.containerPort).toBe(8080);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
    expect(pod.spec.securityContext.runAsNonRoot).toBe(true);

    const service = find('Service', 'ftpgate')!;
    expect(pod.metadata.labels).toEqual(expect.objectContaining(service.spec.selector));
    expect(service.spec.ports[0].targetPort).toBe('http');

    const config = find('ConfigMap', container.envFrom.find((e: Obj) => e.configMapRef).configMapRef.name);
    const secret = find('Secret', container.envFrom.find((e: Obj) => e.secretRef).secretRef.name);
    expect(config, 'the ConfigMap the pod names exists').toBeDefined();
    expect(secret, 'the Secret the pod names exists').toBeDefined();
    expect(config!.data.FTPGATE_LISTEN).toBe('0.0.0.0:8080');
    // Site URLs hold passwords: in the Secret, never in the ConfigMap.
    expect(Object.keys(config!.data).some((k) => k.startsWith('FTPGATE_SITE_'))).toBe(false);
    expect(Object.keys(secret!.stringData).some((k) => k.startsWith('FTPGATE_SITE_'))).toBe(true);
    for (const name of [...Object.keys(config!.data), ...Object.keys(secret!.stringData)]) expect(knownVariable(name), name).toBe(true);
    // Several replicas: locks and properties in the shared Redis, which is declared too.
    expect(deployment.spec.replicas).toBeGreaterThan(1);
    const redisHost = new URL(secret!.stringData.FTPGATE_REDIS_URL).hostname;
    expect(find('Service', redisHost), `Service ${redisHost}`).toBeDefined();
    // Transfers may finish: the grace period exceeds the preStop pause plus the shutdown limit.
    const preStop = Number(container.lifecycle.preStop.exec.command[1]);
    expect(pod.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(preStop * 1000 + Number(config!.data.FTPGATE_SHUTDOWN_TIMEOUT_MS));
  });

  it('kustomization lists every manifest', () => {
    const kustomization = parse(read('deploy/kubernetes/kustomization.yaml')) as Obj;
    const files = readdirSync(join(ROOT, 'deploy', 'kubernetes')).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect([...kustomization.resources].sort()).toEqual(files.sort());
  });
});

describe('docker-compose.yml', () => {
  it('parses, and runs the gateway with a vsftpd built from deploy/', () => {
    const docs = parseAllDocuments(read('docker-compose.yml'), { merge: true }); // Compose uses << merge keys
    expect(docs).toHaveLength(1);
    expect(docs[0]!.errors).toEqual([]);
    const compose = docs[0]!.toJS({ maxAliasCount: 100 }) as Obj;
    const { gateway, ftp } = compose.services;
    expect(gateway.build.context).toBe('.');
    expect(existsSync(join(ROOT, gateway.build.dockerfile))).toBe(true);
    expect(existsSync(join(ROOT, ftp.build.context, ftp.build.dockerfile))).toBe(true);
    expect(gateway.ports).toContain('127.0.0.1:8080:8080');
    expect(gateway.depends_on).toContain('ftp');
    const env = gateway.environment as Record<string, string>;
    for (const name of Object.keys(env)) expect(knownVariable(name), name).toBe(true);
    // The site points at the ftp service, with the account that service creates.
    const site = new URL(env.FTPGATE_SITE_FILES!);
    expect(site.hostname).toBe('ftp');
    expect(site.username).toBe(ftp.environment.FTP_USER);
    expect(decodeURIComponent(site.password)).toBe(ftp.environment.FTP_PASSWORD);
    // stop_grace_period above the shutdown limit.
    expect(Number(String(gateway.stop_grace_period).replace(/s$/, '')) * 1000).toBeGreaterThan(Number(env.FTPGATE_SHUTDOWN_TIMEOUT_MS));
    // The vsftpd passive range is the one exposed.
    const conf = read('deploy/vsftpd.conf');
    expect(conf).toMatch(/^pasv_min_port=21100$/m);
    expect(conf).toMatch(/^pasv_max_port=21110$/m);
    expect(ftp.expose).toContain('21100-21110');
    // The scale profile: a second gateway and Redis, both gateways reading FTPGATE_REDIS_URL.
    expect(compose.services['gateway-2'].environment.FTPGATE_REDIS_URL).toBe(env.FTPGATE_REDIS_URL);
    expect(compose.services.redis.profiles).toEqual(['scale']);
  });
});

/** Dockerfile instructions, continuation lines joined, comments dropped. */
function instructions(text: string): Array<{ op: string; args: string }> {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const m = /^([A-Z]+)\s+(.*)$/.exec(l);
      expect(m, `a Dockerfile instruction: ${l}`).not.toBeNull();
      return { op: m![1]!, args: m![2]! };
    });
}

const KNOWN_OPS = ['FROM', 'RUN', 'CMD', 'LABEL', 'EXPOSE', 'ENV', 'ADD', 'COPY', 'ENTRYPOINT', 'VOLUME', 'USER', 'WORKDIR', 'ARG', 'ONBUILD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL'];

describe('Dockerfiles', () => {
  it('Dockerfile: multi-stage, production dependencies only, non-root, HEALTHCHECK on /healthz, settings by environment', () => {
    const ins = instructions(read('Dockerfile'));
    for (const i of ins) expect(KNOWN_OPS).toContain(i.op);
    const froms = ins.filter((i) => i.op === 'FROM');
    expect(froms.length).toBeGreaterThanOrEqual(2);
    expect(froms[0]!.args).toMatch(/ AS build$/);
    const final = ins.slice(ins.lastIndexOf(froms.at(-1)!));
    expect(final.some((i) => i.op === 'RUN' && /npm ci --omit=dev/.test(i.args))).toBe(true);
    expect(final.some((i) => i.op === 'COPY' && /--from=build \/app\/dist/.test(i.args))).toBe(true);
    expect(final.filter((i) => i.op === 'USER').at(-1)?.args).toBe('node');
    const health = final.find((i) => i.op === 'HEALTHCHECK')!;
    expect(health.args).toContain('/healthz');
    const exec = /CMD (\[.*\])$/.exec(health.args)?.[1];
    expect(() => JSON.parse(exec!)).not.toThrow(); // exec form: no shell needed
    const entry = final.find((i) => i.op === 'ENTRYPOINT' || i.op === 'CMD')!;
    expect(JSON.parse(entry.args)).toEqual(['node', '--max-semi-space-size=2', 'dist/cli.js']); // as dist/cli.js's first line (src/cli.ts says why)
    // ENV names are settings ftpgate reads.
    for (const env of final.filter((i) => i.op === 'ENV')) {
      for (const [, name] of env.args.matchAll(/(FTPGATE_[A-Z0-9_]+)=/g)) expect(knownVariable(name!), name).toBe(true);
    }
    // COPY sources exist and are not excluded by .dockerignore.
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter(Boolean);
    for (const copy of ins.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))) {
      const parts = copy.args.replace(/--chown=\S+\s*/, '').split(/\s+/);
      for (const src of parts.slice(0, -1)) {
        expect(existsSync(join(ROOT, src)), `COPY ${src}`).toBe(true);
        expect(ignored, `COPY ${src} is not in .dockerignore`).not.toContain(src);
      }
    }
  });

  it('deploy/Dockerfile.vsftpd: Debian vsftpd, its files present, the entrypoint a POSIX shell script', () => {
    const ins = instructions(read('deploy/Dockerfile.vsftpd'));
    for (const i of ins) expect(KNOWN_OPS).toContain(i.op);
    expect(ins[0]).toEqual({ op: 'FROM', args: 'debian:bookworm-slim' });
    for (const copy of ins.filter((i) => i.op === 'COPY')) expect(existsSync(join(ROOT, 'deploy', copy.args.split(/\s+/)[0]!))).toBe(true);
    expect(read('deploy/vsftpd-entrypoint.sh').startsWith('#!/bin/sh\n')).toBe(true);
    const conf = read('deploy/vsftpd.conf');
    for (const line of ['listen=YES', 'background=NO', 'local_enable=YES', 'write_enable=YES', 'seccomp_sandbox=NO']) expect(conf).toContain(line);
  });
});
