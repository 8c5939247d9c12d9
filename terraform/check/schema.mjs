// Reads a Terraform provider's schema out of its published CDKTF bindings (npm @cdktf/provider-*): the generated
// JavaScript lists, per resource, data source and nested block, every argument with its Terraform name and whether
// it is a block (synthesizeHclAttributes / *ToHclTerraform), and the .d.ts marks the required ones.
import fs from 'node:fs';
import path from 'node:path';

/** Index of the object literal that starts at text[open] === '{': the matching '}' (strings skipped). */
function matchBrace(text, open) {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'" || c === '`') {
      for (i++; i < text.length && text[i] !== c; i++) {
        if (text[i] === '\\') i++;
      }
    } else if (c === '{') {
      depth++;
    } else if (c === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  throw new Error('unbalanced braces');
}

/** `const attrs = { key: { value: ..., isBlock: ..., type: ... }, ... }` → Map key → {isBlock, type, fn}. */
function parseAttrs(text, start) {
  const open = text.indexOf('{', start);
  const close = matchBrace(text, open);
  const body = text.slice(open + 1, close);
  const attrs = new Map();
  const key = /(\w+): \{/g;
  let m;
  while ((m = key.exec(body)) !== null) {
    const entryOpen = m.index + m[0].length - 1;
    const entryClose = matchBrace(body, entryOpen);
    const entry = body.slice(entryOpen, entryClose + 1);
    const isBlock = /isBlock: true/.test(entry);
    const type = (/type: "(\w+)"/.exec(entry) || [])[1];
    // A nested struct is converted by its own generated function (cdktf.* helpers are scalars and maps).
    const fn = (/(?<!cdktf\.)\b(\w+ToHclTerraform)\b/.exec(entry) || [])[1];
    attrs.set(m[1], { isBlock, type, fn });
    key.lastIndex = entryClose + 1;
  }
  return attrs;
}

/**
 * Bindings generated before CDKTF 0.20 have no HCL variant: `return { key: converter(...), ... }` of
 * synthesizeAttributes / *ToTerraform, where a nested struct (a block) has its own converter function.
 */
function parseReturn(text, start) {
  const open = text.indexOf('{', text.indexOf('return {', start));
  const body = text.slice(open + 1, matchBrace(text, open));
  const attrs = new Map();
  for (const m of body.matchAll(/^\s*(\w+): (.*),$/gm)) {
    const fn = (/(?<!cdktf\.)\b(\w+ToTerraform)\b/.exec(m[2]) || [])[1];
    attrs.set(m[1], { isBlock: !!fn, type: fn ? 'list' : 'simple', fn });
  }
  return attrs;
}

/** JSDoc of each interface property links to the registry docs with the Terraform name: `#tier`. */
function requiredByInterface(dts) {
  const out = new Map();
  const iface = /export interface (\w+)[^{]*\{/g;
  let m;
  while ((m = iface.exec(dts)) !== null) {
    // Generated .d.ts: an interface ends at the first "}" in column 0 (JSDoc may hold quotes and braces).
    const open = m.index + m[0].length - 1;
    const close = dts.indexOf('\n}', open);
    const body = dts.slice(open, close);
    const required = new Set();
    const prop = /\{@link https:\/\/registry\.terraform\.io\/[^#\s]+#(\w+) [^}]*\}\s*\*\/\s*readonly (\w+)(\?)?:/g;
    let p;
    while ((p = prop.exec(body)) !== null) {
      if (!p[3]) required.add(p[1]);
    }
    out.set(m[1], required);
    iface.lastIndex = close;
  }
  return out;
}

/**
 * One bindings package: lookup(kind, type) with kind "resource", "data" or "provider" returns the schema node, or
 * null when the provider version has no such resource. Files are found by the generator's naming
 * (google_sql_database_instance → lib/sql-database-instance or lib/google-sql-database-instance; data sources get
 * a "data-" prefix) and checked against their tfResourceType.
 */
export function loadProviderSchema(packageDir) {
  const pkg = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
  const lib = path.join(packageDir, 'lib');
  const cache = new Map();
  const load = (dir, kind, type) => {
    const js = path.join(lib, dir, 'index.js');
    if (!fs.existsSync(js)) return null;
    const text = fs.readFileSync(js, 'utf8');
    const declared = /\.tfResourceType = "([^"]+)";/.exec(text);
    const cls = /class (\w+) extends cdktf\.(TerraformResource|TerraformDataSource|TerraformProvider) \{/.exec(text);
    const kinds = { TerraformResource: 'resource', TerraformDataSource: 'data', TerraformProvider: 'provider' };
    if (!declared || !cls || kinds[cls[2]] !== kind || (kind !== 'provider' && declared[1] !== type)) return null;
    const dts = fs.readFileSync(path.join(lib, dir, 'index.d.ts'), 'utf8');
    const hcl = text.includes('synthesizeHclAttributes() {');
    const at = text.indexOf(hcl ? 'synthesizeHclAttributes() {' : 'synthesizeAttributes() {');
    return makeNode(text, requiredByInterface(dts), at, `${cls[1]}Config`, hcl);
  };
  return {
    package: `${pkg.name}@${pkg.version}`,
    providerVersion: pkg.cdktf.provider.version,
    lookup(kind, type) {
      const key = `${kind} ${type}`;
      if (!cache.has(key)) {
        let node = null;
        if (kind === 'provider') {
          node = load('provider', kind, type);
        } else {
          const dashed = type.replace(/_/g, '-');
          const short = dashed.replace(/^[a-z]+-/, '');
          const prefix = kind === 'data' ? 'data-' : '';
          for (const dir of [prefix + dashed, prefix + short]) {
            node = node || load(dir, kind, type);
          }
        }
        cache.set(key, node);
      }
      return cache.get(key);
    },
  };
}

/** A schema node: arguments (Map name → {isBlock, type}), required names, and nested blocks resolved lazily. */
function makeNode(text, interfaces, attrsAt, interfaceName, hcl) {
  const attrs = hcl ? parseAttrs(text, text.indexOf('const attrs =', attrsAt)) : parseReturn(text, attrsAt);
  const children = new Map();
  return {
    attrs,
    required: interfaces.get(interfaceName) || new Set(),
    child(name) {
      if (!children.has(name)) {
        const a = attrs.get(name);
        if (!a || !a.fn) {
          children.set(name, null);
        } else {
          const at = text.indexOf(`function ${a.fn}(struct) {`);
          // xyzToHclTerraform converts the interface Xyz.
          const iface = a.fn.replace(/(ToHclTerraform|ToTerraform)$/, '').replace(/^./, (c) => c.toUpperCase());
          children.set(name, at < 0 ? null : makeNode(text, interfaces, at, iface, hcl));
        }
      }
      return children.get(name);
    },
  };
}
