// Checks terraform/ without the Terraform registry (terraform validate needs to download providers):
//  1. every resource, data source, argument and block exists, and every required argument is set, in the provider
//     schemas at both ends of each version range of versions.tf (the bindings pinned in package.json);
//  2. the deployment properties that a schema cannot express (see PROPERTY CHECKS below).
// Usage: node check.mjs [terraform dir]   (exit 1 and one line per problem when something is wrong)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from '@cdktf/hcl2json';
import { loadProviderSchema } from './schema.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const tfDir = path.resolve(process.argv[2] || path.join(here, '..'));
const problems = [];
const problem = (where, what) => problems.push(`${where}: ${what}`);

// --- Parse ------------------------------------------------------------------------------------------------------

/** file → parsed JSON (hcl2json: blocks become arrays of objects, expressions "${...}" strings). */
const files = {};
for (const f of fs.readdirSync(tfDir).filter((f) => f.endsWith('.tf')).sort()) {
  files[f] = await parse(f, fs.readFileSync(path.join(tfDir, f), 'utf8'));
}

/** Every block of a top-level kind: [{file, type, name, body}] (resource/data have type and name). */
function blocks(kind) {
  const out = [];
  for (const [file, json] of Object.entries(files)) {
    for (const [type, byName] of Object.entries(json[kind] || {})) {
      if (kind === 'resource' || kind === 'data') {
        for (const [name, bodies] of Object.entries(byName)) {
          for (const body of bodies) out.push({ file, type, name, body });
        }
      } else {
        for (const body of [].concat(byName)) out.push({ file, type, name: type, body });
      }
    }
  }
  return out;
}
const resources = blocks('resource');
const dataSources = blocks('data');
const locals = Object.assign({}, ...blocks('locals').map((b) => b.body));
const variables = Object.fromEntries(blocks('variable').map((b) => [b.type, b.body]));
/** Every string in a parsed body, one per line: the expressions as written (no JSON escaping). */
const rawText = (v) => (typeof v === 'string' ? v : v && typeof v === 'object' ? Object.values(v).map(rawText).join('\n') : String(v));
const resource = (type, name) => resources.find((r) => r.type === type && r.name === name);
const first = (v) => (Array.isArray(v) ? v[0] : v);

// --- 1. Schema --------------------------------------------------------------------------------------------------

const pkg = JSON.parse(fs.readFileSync(path.join(here, 'package.json'), 'utf8'));
/** Provider local name → bindings at the low and high end of its range (dependency aliases <name>-low/-high). */
const schemas = {};
for (const alias of Object.keys(pkg.dependencies)) {
  const m = /^(.+)-(low|high)$/.exec(alias);
  if (!m) continue;
  (schemas[m[1]] ||= {})[m[2]] = loadProviderSchema(path.join(here, 'node_modules', alias));
}

const META = new Set(['count', 'for_each', 'depends_on', 'provider', 'lifecycle', 'provisioner', 'connection']);
const LIFECYCLE = new Set(['create_before_destroy', 'prevent_destroy', 'ignore_changes', 'replace_triggered_by',
  'precondition', 'postcondition']);

const isBlockValue = (v) => Array.isArray(v) && v.every((e) => e && typeof e === 'object' && !Array.isArray(e));

/** Checks one block body against a schema node; `where` names it in messages. */
function checkBody(node, body, where, schemaName, topLevel) {
  const present = new Set();
  for (const [key, value] of Object.entries(body)) {
    if (topLevel && META.has(key)) {
      if (key === 'lifecycle') {
        for (const l of [].concat(value)) {
          for (const k of Object.keys(l)) {
            if (!LIFECYCLE.has(k)) problem(where, `lifecycle has no "${k}"`);
          }
        }
      }
      continue;
    }
    if (key === 'dynamic') {
      for (const [name, dyns] of Object.entries(value)) {
        const a = node.attrs.get(name);
        if (!a || !a.isBlock) {
          problem(where, `dynamic "${name}": no such block in ${schemaName}`);
          continue;
        }
        present.add(name);
        for (const d of dyns) {
          for (const k of Object.keys(d)) {
            if (!['for_each', 'iterator', 'labels', 'content'].includes(k)) problem(where, `dynamic "${name}" has "${k}"`);
          }
          for (const c of d.content || []) checkBody(node.child(name), c, `${where}.${name}`, schemaName, false);
        }
      }
      continue;
    }
    const a = node.attrs.get(key);
    if (!a) {
      problem(where, `"${key}" is not an argument or block of ${schemaName}`);
      continue;
    }
    present.add(key);
    if (a.isBlock) {
      if (!isBlockValue(value)) {
        problem(where, `"${key}" is a block in ${schemaName}; write ${key} { ... }`);
        continue;
      }
      const child = node.child(key);
      if (child) value.forEach((b, i) => checkBody(child, b, `${where}.${key}${value.length > 1 ? `[${i}]` : ''}`, schemaName, false));
    } else if (isBlockValue(value) && value.length > 0 && ['simple', 'map'].includes(a.type)) {
      problem(where, `"${key}" is an argument in ${schemaName}; write ${key} = ...`);
    }
  }
  for (const r of node.required) {
    if (!present.has(r)) problem(where, `required "${r}" is missing (${schemaName})`);
  }
}

function providerOf(block) {
  const explicit = block.body.provider && /^\$\{([\w-]+)(\.\w+)?\}$/.exec(block.body.provider);
  return explicit ? explicit[1] : block.type.split('_')[0];
}

for (const [kind, list] of [['resource', resources], ['data', dataSources]]) {
  for (const b of list) {
    const provider = providerOf(b);
    const where = `${b.file}: ${kind === 'data' ? 'data ' : ''}${b.type}.${b.name}`;
    if (!schemas[provider]) {
      problem(where, `provider "${provider}" has no schema bindings in terraform/check/package.json`);
      continue;
    }
    for (const end of ['low', 'high']) {
      const schema = schemas[provider][end];
      const name = `${provider} ${schema.providerVersion}`;
      const node = schema.lookup(kind, b.type);
      if (!node) problem(where, `no ${kind === 'data' ? 'data source' : 'resource'} ${b.type} in ${name}`);
      else checkBody(node, b.body, where, name, true);
    }
  }
}
for (const p of blocks('provider')) {
  for (const end of ['low', 'high']) {
    const schema = schemas[p.type]?.[end];
    if (!schema) problem(`${p.file}: provider ${p.type}`, 'no schema bindings in terraform/check/package.json');
    else checkBody(schema.lookup('provider', p.type), p.body, `${p.file}: provider ${p.type}`, `${p.type} ${schema.providerVersion}`, true);
  }
}

// --- 2. PROPERTY CHECKS -----------------------------------------------------------------------------------------

const parseVersion = (v) => v.split('.').map(Number).concat([0, 0, 0]).slice(0, 3);
const cmp = (a, b) => {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
};

// Provider ranges: bounded on both sides, and exactly the range whose ends this check verifies.
const required = first(first(blocks('terraform')[0].body.required_providers));
for (const [name, spec] of Object.entries(required)) {
  const where = `versions.tf: ${name}`;
  const lower = /(^|,)\s*>=\s*([\d.]+)/.exec(spec.version || '');
  const upper = /(^|,)\s*<\s*([\d.]+)/.exec(spec.version || '');
  if (!lower || !upper) {
    problem(where, `version "${spec.version}" needs a lower (>=) and an upper (<) bound`);
    continue;
  }
  const s = schemas[name];
  if (!s) continue; // reported above when used
  if (cmp(parseVersion(lower[2]), parseVersion(s.low.providerVersion)) !== 0) {
    problem(where, `lower bound ${lower[2]} but terraform/check verifies ${s.low.providerVersion} (package.json ${name}-low)`);
  }
  const high = parseVersion(s.high.providerVersion);
  const up = parseVersion(upper[2]);
  if (cmp(up, high) <= 0 || cmp(up, [high[0] + 1, 0, 0]) > 0) {
    problem(where, `upper bound ${upper[2]} admits versions past the verified ${s.high.providerVersion}; the bound must be <= ${high[0] + 1}.0`);
  }
}

// Dataflow reads the jobs subscription: no Pub/Sub dead-letter or retry policy on it (Google: not supported).
const streamingParams = JSON.stringify(locals.streaming_parameters || '');
const jobsSub = /google_pubsub_subscription\.(\w+)\.id/.exec(
  (/jobsSubscription\s*=\s*([^\s\\]+)/.exec(streamingParams) || [])[1] || '');
if (!jobsSub) {
  problem('parameters.tf', 'streaming_parameters.jobsSubscription does not name a google_pubsub_subscription');
} else {
  const sub = resource('google_pubsub_subscription', jobsSub[1]);
  for (const k of ['dead_letter_policy', 'retry_policy']) {
    if (sub && sub.body[k]) problem(`${sub.file}: google_pubsub_subscription.${sub.name}`, `has ${k}, which Dataflow does not support on the subscription it reads`);
  }
}

// Staging never expires (workers of a running job read it); template specs neither.
for (const b of resources.filter((r) => r.type === 'google_storage_bucket')) {
  for (const rule of b.body.lifecycle_rule || []) {
    const action = first(rule.action) || {};
    if (action.type !== 'Delete') continue;
    const prefixes = (first(rule.condition) || {}).matches_prefix;
    if (!Array.isArray(prefixes) || prefixes.length === 0) {
      problem(`${b.file}: google_storage_bucket.${b.name}`, 'a Delete lifecycle rule without matches_prefix expires staging/ and templates/ too');
      continue;
    }
    for (const p of prefixes) {
      for (const kept of ['staging/', 'templates/']) {
        if (typeof p !== 'string' || kept.startsWith(p) || p.startsWith(kept)) {
          problem(`${b.file}: google_storage_bucket.${b.name}`, `lifecycle rule deletes "${p}", which covers ${kept} (a running job needs it)`);
        }
      }
    }
  }
}

// Cloud SQL: edition set explicitly, and the default tier fits the default edition.
const varDefault = (expr) => {
  const m = /^\$\{var\.(\w+)\}$/.exec(String(expr));
  return m ? variables[m[1]]?.default : expr;
};
for (const b of resources.filter((r) => r.type === 'google_sql_database_instance')) {
  const where = `${b.file}: google_sql_database_instance.${b.name}`;
  const settings = first(b.body.settings) || {};
  if (!settings.edition) {
    problem(where, 'settings.edition is not set: the API then picks ENTERPRISE_PLUS for PostgreSQL 16, which refuses db-custom tiers');
  } else {
    const edition = varDefault(settings.edition);
    const tier = varDefault(settings.tier);
    if ((edition === 'ENTERPRISE_PLUS') !== String(tier).startsWith('db-perf-optimized-')) {
      problem(where, `tier ${tier} does not fit edition ${edition}`);
    }
  }
  const ip = first(settings.ip_configuration) || {};
  if (ip.ssl_mode !== 'ENCRYPTED_ONLY') problem(where, 'settings.ip_configuration.ssl_mode must be ENCRYPTED_ONLY');
}
if (!/sslmode=require|sslmode=verify-/.test(String(locals.jdbc_url))) {
  problem('main.tf: local.jdbc_url', 'the JDBC URL the deployment builds must say sslmode=require');
}

// terraform destroy: the provider documents ABANDON for these two.
for (const type of ['google_sql_user', 'google_service_networking_connection']) {
  for (const b of resources.filter((r) => r.type === type)) {
    if (b.body.deletion_policy !== 'ABANDON') problem(`${b.file}: ${type}.${b.name}`, 'deletion_policy = "ABANDON" is needed for terraform destroy');
  }
}

// First apply: the APIs every resource needs are enabled, and launches wait for them, the database and IAM.
const apis = JSON.stringify(resource('google_project_service', 'apis')?.body.for_each || '');
const API_OF = {
  google_artifact_registry: 'artifactregistry', google_cloud_scheduler: 'cloudscheduler', google_compute: 'compute',
  google_dataflow: 'dataflow', google_service_account: 'iam', google_logging: 'logging', google_monitoring: 'monitoring',
  google_pubsub: 'pubsub', google_secret_manager: 'secretmanager', google_service_networking: 'servicenetworking',
  google_sql: 'sqladmin', google_storage: 'storage', google_workflows: 'workflows', google_project_iam: 'cloudresourcemanager',
  google_project_service: 'serviceusage',
};
for (const b of [...resources, ...dataSources]) {
  for (const [prefix, api] of Object.entries(API_OF)) {
    if (b.type.startsWith(prefix) && !apis.includes(`${api}.googleapis.com`)) {
      problem(`${b.file}: ${b.type}.${b.name}`, `needs ${api}.googleapis.com in google_project_service.apis`);
    }
  }
}
// Grants of the identities that launch jobs (worker: launcher VM and workers; scheduler: the batch tick).
const iamGrants = resources.filter((r) => /_iam_member$/.test(r.type)
  && /local\.worker|google_service_account\.(worker|scheduler)/.test(String(r.body.member)))
  .map((r) => `${r.type}.${r.name}`);
const sleeps = resources.filter((r) => r.type === 'time_sleep');
const dependsOn = (b) => (b.body.depends_on || []).map((d) => d.replace(/^\$\{|\}$/g, ''));
for (const s of sleeps) {
  const missing = iamGrants.filter((g) => !dependsOn(s).includes(g));
  if (missing.length) problem(`${s.file}: time_sleep.${s.name}`, `does not wait for ${missing.join(', ')}`);
}
const launchers = resources.filter((r) => r.type === 'google_dataflow_flex_template_job'
  || (r.type === 'google_workflows_workflow' && /flexTemplates:launch/.test(JSON.stringify(r.body))));
for (const j of launchers) {
  const deps = dependsOn(j);
  const where = `${j.file}: ${j.type}.${j.name}`;
  for (const need of ['google_project_service.apis', 'google_sql_database.', 'google_sql_user.']) {
    if (!deps.some((d) => d.startsWith(need))) problem(where, `must depend on ${need}* (the launcher migrates the database)`);
  }
}
for (const j of resources.filter((r) => r.type === 'google_dataflow_flex_template_job' || r.type === 'google_cloud_scheduler_job')) {
  if (!dependsOn(j).some((d) => d.startsWith('time_sleep.'))) problem(`${j.file}: ${j.type}.${j.name}`, 'must wait for IAM propagation (depend on a time_sleep after the grants)');
}

// A tick that starts while the previous batch job runs needs its own job name (Dataflow: 409 on a duplicate).
for (const b of resources) {
  const text = rawText(b.body);
  if (!/flexTemplates:launch/.test(text)) continue;
  const name = /jobName"?\s*[=:]\s*(.*)/.exec(text);
  if (!name || !/sys\.now\(\)/.test(name[1])) problem(`${b.file}: ${b.type}.${b.name}`, 'launches a batch job under a fixed jobName; make it unique per tick');
}

// Custom-mode VPCs need a subnetwork: validated format, and refused when missing off the default network.
if (!variables.subnetwork?.validation) problem('variables.tf: variable.subnetwork', 'needs a validation of its format');
const conditions = JSON.stringify([...resources, ...dataSources].map((b) => [b.body.lifecycle]));
if (!/var\.subnetwork/.test(conditions)) problem('terraform/', 'no precondition/postcondition requires subnetwork on a custom-mode network');

// Artifact Registry never deletes the deployed template version's image.
for (const b of resources.filter((r) => r.type === 'google_artifact_registry_repository')) {
  const policies = [...(b.body.cleanup_policies || []).map((p) => ({ p, scope: '' })),
    ...((b.body.dynamic || {}).cleanup_policies || []).flatMap((d) => (d.content || []).map((p) => ({ p, scope: rawText(d.for_each) })))];
  const keepsDeployed = policies.some(({ p, scope }) => p.action === 'KEEP'
    && /template_version/.test(rawText((first(p.condition) || {}).tag_prefixes) + scope));
  if (policies.some(({ p }) => p.action === 'DELETE') && !keepsDeployed) {
    problem(`${b.file}: google_artifact_registry_repository.${b.name}`, 'a DELETE cleanup policy needs a KEEP policy for the image tagged var.template_version');
  }
}

// Alerts fire on the first failure: no increase()/rate() over cumulative counters in alert conditions.
for (const b of resources.filter((r) => r.type === 'google_monitoring_alert_policy')) {
  if (/\b(increase|rate|delta)\(/.test(JSON.stringify(b.body.conditions))) {
    problem(`${b.file}: google_monitoring_alert_policy.${b.name}`, 'increase()/rate() ignore a series\' first sample, so the first failure raises nothing');
  }
}

if (problems.length) {
  console.error(`terraform/check: ${problems.length} problem(s)`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
const verified = Object.entries(schemas).map(([n, s]) => `${n} ${s.low.providerVersion}..${s.high.providerVersion}`);
console.log(`terraform/check: ${resources.length} resources, ${dataSources.length} data sources OK against ${verified.join(', ')}; deployment properties OK`);
