// Pages every entity type of every integration of a running simulator with Edlink's own Node SDK
// (@edlink/typescript, unchanged): an axios interceptor only reroutes https://ed.link to the simulator.
// The integrations and tokens come from the Meta API with the app secret; each type's ids are compared with an
// independent raw paging ($first=10000). Exit code 1 on any difference.
//   node page-with-edlink-sdk.mjs http://127.0.0.1:8787 sim-app-secret
import axios from 'axios';
import { Edlink } from '@edlink/typescript';

const [base, secret] = process.argv.slice(2);
if (!base || !secret) {
  console.error('usage: node page-with-edlink-sdk.mjs <simulator base url> <app secret>');
  process.exit(2);
}
axios.interceptors.request.use((config) => {
  if (config.url && config.url.startsWith('https://ed.link')) {
    config.url = base + config.url.substring('https://ed.link'.length);
  }
  return config;
});

const TYPES = ['districts', 'schools', 'sessions', 'courses', 'people', 'classes', 'sections', 'enrollments', 'agents'];

async function rawIds(token, type) {
  const ids = [];
  let url = `${base}/api/v2/graph/${type}?$first=10000`;
  while (url) {
    const r = await axios.get(url, { headers: { Authorization: `Bearer ${token}` } });
    r.data.$data.forEach((x) => ids.push(x.id));
    url = r.data.$next;
  }
  return ids;
}

const meta = await axios.get(`${base}/api/v1/integrations`, { headers: { Authorization: `Bearer ${secret}` } });
const edlink = new Edlink({ version: 2, client_id: 'local', client_secret: secret });
let failures = 0;
for (const integration of meta.data.$data) {
  if (integration.status !== 'active') continue;
  const graph = edlink.use({ access_token: integration.access_token, type: 'integration' });
  for (const type of TYPES) {
    const sdkIds = [];
    for await (const record of graph[type].list()) sdkIds.push(record.id);
    const expected = await rawIds(integration.access_token, type);
    const same = sdkIds.length === expected.length && new Set(sdkIds).size === sdkIds.length
      && expected.every((id) => sdkIds.includes(id));
    if (!same) failures++;
    console.log(`${integration.id} ${type.padEnd(11)} sdk ${String(sdkIds.length).padStart(6)}`
      + ` raw ${String(expected.length).padStart(6)} ${same ? 'ok' : 'DIFFERENT'}`);
  }
}
console.log(failures === 0 ? 'every type of every integration paged completely by @edlink/typescript'
  : `${failures} differences`);
process.exit(failures === 0 ? 0 : 1);
