// Validates Kubernetes manifests: every document of every .yaml file given (or found under the
// directories given, crds/ aside) against the Kubernetes API's own schemas (the npm package
// kubernetes-models, generated from Kubernetes' OpenAPI document), and snapshot.storage.k8s.io
// objects against the openAPIV3Schema of the snapshot CRDs in crds/ (external-snapshotter v8),
// where a field the CRD does not define is an error too, as it is in a Kubernetes kind (found from
// kubernetes-models' type declarations). Exits 1 naming each problem.
//
//   node deploy/kubernetes/validate.mjs deploy/kubernetes        (NODE_PATH: where the packages are)
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, dirname, basename } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createRequire } from "node:module";

const require = createRequire(process.env.NODE_PATH ? join(process.env.NODE_PATH, "x.js") : import.meta.url);
const YAML = require("yaml");
const Ajv = require("ajv").default;
const addFormats = require("ajv-formats").default;

const here = dirname(fileURLToPath(import.meta.url));

function files(paths) {
  const out = [];
  for (const p of paths) {
    if (statSync(p).isDirectory()) {
      for (const e of readdirSync(p).sort()) {
        if (e === "crds" || e === "node_modules") continue;
        out.push(...files([join(p, e)]));
      }
    } else if (p.endsWith(".yaml") || p.endsWith(".yml")) {
      out.push(p);
    }
  }
  return out;
}

// the snapshot CRDs' schemas, closed: a field they do not define is an error
function closed(schema, path = "") {
  if (schema && typeof schema === "object") {
    if (schema.properties && schema.additionalProperties === undefined && !schema["x-kubernetes-preserve-unknown-fields"] && path !== ".metadata") {
      schema.additionalProperties = false;
    }
    for (const [k, v] of Object.entries(schema.properties || {})) closed(v, path + "." + k);
    if (schema.items) closed(schema.items, path + "[]");
  }
  return schema;
}
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const crdValidators = {};
for (const f of readdirSync(join(here, "crds"))) {
  for (const doc of YAML.parseAllDocuments(readFileSync(join(here, "crds", f), "utf8"))) {
    const crd = doc.toJSON();
    if (!crd || crd.kind !== "CustomResourceDefinition") continue;
    for (const v of crd.spec.versions) {
      const key = `${crd.spec.group}/${v.name}/${crd.spec.names.kind}`;
      crdValidators[key] = ajv.compile(closed(structuredClone(v.schema.openAPIV3Schema)));
    }
  }
}

// apiVersion "group/version" or "version" → the kubernetes-models module of the kind (ES modules)
const models = dirname(require.resolve("kubernetes-models/package.json"));
function modelFile(apiVersion, kind, ext) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  return join(models, group === "" ? version : `${group}/${version}`, `${kind}${ext}`);
}
async function model(apiVersion, kind) {
  const file = modelFile(apiVersion, kind, ".js");
  try {
    statSync(file);
  } catch (e) {
    return null;
  }
  return (await import(pathToFileURL(file).href))[kind];
}

// Kubernetes kinds closed too: the API server drops a field it does not know (or, with
// kubectl's strict field validation, refuses it), so a misspelt field would be lost without a
// word. kubernetes-models' compiled validators let such fields pass; their type declarations
// (.d.ts) name every field of every type, and are read here to find the ones no type defines.
const declarations = new Map(); // .d.ts file → { fields: Map(name → type text), imports: Map(type → file) }
function declaration(file) {
  if (declarations.has(file)) return declarations.get(file);
  let text = null;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    // no declaration: the type is not checked for unknown fields
  }
  let d = null;
  const body = text && /export interface I\w+(?: extends [\w, ]+)? \{\n([\s\S]*?)\n\}/.exec(text);
  if (body) {
    const fields = new Map();
    const noComments = body[1].replace(/\/\*\*[\s\S]*?\*\//g, "");
    for (const m of noComments.matchAll(/^ {4}"([^"]+)"\??: (.+?);?$/gm)) fields.set(m[1], m[2]);
    const imports = new Map();
    for (const m of text.matchAll(/^import \{ (\w+) \} from "([^"]+)";$/gm)) {
      const spec = m[2].replace(/\.js$/, "") + ".d.ts";
      imports.set(m[1], spec.startsWith(".") ? join(dirname(file), spec) : join(dirname(require.resolve("kubernetes-models/package.json")), "..", spec));
    }
    d = { fields, imports };
  }
  declarations.set(file, d);
  return d;
}
function unknownFields(value, file, path, out) {
  const d = declaration(file);
  if (!d || value === null || typeof value !== "object" || Array.isArray(value)) return;
  for (const [k, v] of Object.entries(value)) {
    const type = d.fields.get(k);
    if (type === undefined) {
      out.push(`${path}.${k} is not a field of ${basename(file, ".d.ts")}`);
      continue;
    }
    const named = /^(?:Array<(\w+)>|(\w+))$/.exec(type);
    const inner = named && (named[1] || named[2]);
    const next = inner && d.imports.get(inner);
    if (!next) continue; // a string, a number, a map or a union: the compiled validator checks it
    if (named[1]) (Array.isArray(v) ? v : []).forEach((e, i) => unknownFields(e, next, `${path}.${k}[${i}]`, out));
    else unknownFields(v, next, `${path}.${k}`, out);
  }
}

let problems = 0, valid = 0;
const targets = process.argv.slice(2);
if (targets.length === 0) targets.push(here);
for (const f of files(targets)) {
  for (const [i, doc] of YAML.parseAllDocuments(readFileSync(f, "utf8")).entries()) {
    const where = `${f} document ${i + 1}`;
    if (doc.errors.length) {
      console.log(`${where}: not YAML: ${doc.errors[0].message}`);
      problems++;
      continue;
    }
    const obj = doc.toJSON();
    if (obj === null) continue;
    const name = `${obj.kind} ${obj.metadata && obj.metadata.name}`;
    if (!obj.apiVersion || !obj.kind) {
      console.log(`${where}: no apiVersion or kind`);
      problems++;
      continue;
    }
    const crd = crdValidators[`${obj.apiVersion}/${obj.kind}`];
    if (crd) {
      if (!crd(obj)) {
        console.log(`${where} (${name}): ${ajv.errorsText(crd.errors, { dataVar: obj.kind })}`);
        problems++;
        continue;
      }
    } else {
      const M = await model(obj.apiVersion, obj.kind);
      if (!M) {
        console.log(`${where} (${name}): ${obj.apiVersion} ${obj.kind} is no Kubernetes kind known here`);
        problems++;
        continue;
      }
      try {
        new M(obj).validate();
      } catch (e) {
        console.log(`${where} (${name}): ${e.message}`);
        problems++;
        continue;
      }
      const unknown = [];
      unknownFields(obj, modelFile(obj.apiVersion, obj.kind, ".d.ts"), obj.kind, unknown);
      if (unknown.length) {
        console.log(`${where} (${name}): ${unknown.join("; ")}`);
        problems++;
        continue;
      }
    }
    valid++;
  }
}
console.log(`${valid} documents valid, ${problems} with problems`);
process.exit(problems ? 1 : 0);
