// Validates Kubernetes manifests: every document of every .yaml file given (or found under the
// directories given, crds/ aside) against the Kubernetes API's own schemas (the npm package
// kubernetes-models, generated from Kubernetes' OpenAPI document), and snapshot.storage.k8s.io
// objects against the openAPIV3Schema of the snapshot CRDs in crds/ (external-snapshotter v8),
// where a field the CRD does not define is an error too. Exits 1 naming each problem.
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
async function model(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const file = join(models, group === "" ? version : `${group}/${version}`, `${kind}.js`);
  try {
    statSync(file);
  } catch (e) {
    return null;
  }
  return (await import(pathToFileURL(file).href))[kind];
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
    }
    valid++;
  }
}
console.log(`${valid} documents valid, ${problems} with problems`);
process.exit(problems ? 1 : 0);
