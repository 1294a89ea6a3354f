// @ts-nocheck
// ajv standalone code for CONFIG_SCHEMA (src/config/schema.ts), written by npm run generate:config
// (test/config/generated.test.ts fails when it drifts from the schema or the installed ajv). Do not edit.
"use strict";
export const validate = validate10;
export default validate10;
const schema11 = {"type":"object","additionalProperties":false,"description":"The configuration file (YAML). Every key is optional; an empty file means the embedded default (Docker Hub through `harbor.ingress.local/proxy_cache` with the pull secret `regcred-harbor`).","properties":{"mode":{"type":"string","enum":["enforce","audit"],"default":"enforce","description":"`enforce` patches Pods; `audit` never patches, only reports (warnings, audit annotations, logs, metrics)."},"rules":{"type":"array","minItems":1,"maxItems":256,"items":{"type":"object","additionalProperties":false,"required":["registry"],"oneOf":[{"required":["proxy"]},{"required":["proxies"]}],"properties":{"registry":{"type":"string","minLength":1,"maxLength":300,"pattern":"^(?:(?:localhost|(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))+|\\[(?:[a-fA-F0-9:]+)\\])(?::[0-9]+)?|(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*:[0-9]+)$","errorMessage":"is not a registry host (expected a host name with a dot or a port, localhost, or an IP, e.g. docker.io, quay.io, localhost:5000)","description":"Normalized upstream registry, lowercase: `docker.io` (also for `index.docker.io` and images without a registry), `ghcr.io`, `quay.io`, `registry.k8s.io`, `localhost:5000`, `[::1]:5000`."},"match":{"type":"array","minItems":1,"maxItems":64,"items":{"type":"string","minLength":1,"maxLength":512},"description":"Narrows the rule to repositories: globs over the normalized repository (`docker.io/bitnami/redis`, no tag), `*` any run of characters including `/`, `?` one character. Rules for one registry are tried in order, first match wins; a rule without `match` takes the rest.","examples":[["docker.io/bitnami/*"]]},"proxy":{"type":"string","minLength":1,"maxLength":512,"pattern":"^(?:(?:localhost|(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))+|\\[(?:[a-fA-F0-9:]+)\\])(?::[0-9]+)?|(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*:[0-9]+)(/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*)?$","errorMessage":"must be host[:port] (a cache serving its upstream at the root) or host[:port]/path (e.g. harbor.example.com/proxy_cache): no scheme, a host with a dot or a port (or localhost), a lowercase path","description":"Where the images go: `host[:port]/path` puts the image path under a prefix (Harbor's `<host>/<project>`, ECR, Artifactory, Nexus path-based); `host[:port]` alone puts it at the root (Docker's registry in proxy mode, Zot, a Nexus connector port). No scheme, no tag.","examples":["harbor.example.com/proxy_cache","mirror.local:5000"]},"proxies":{"type":"array","minItems":1,"maxItems":8,"uniqueItems":true,"items":{"type":"string","minLength":1,"maxLength":512,"pattern":"^(?:(?:localhost|(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))+|\\[(?:[a-fA-F0-9:]+)\\])(?::[0-9]+)?|(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*:[0-9]+)(/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*)?$","errorMessage":"must be host[:port] (a cache serving its upstream at the root) or host[:port]/path (e.g. harbor.example.com/proxy_cache): no scheme, a host with a dot or a port (or localhost), a lowercase path"},"description":"Instead of `proxy`: failover targets in priority order. With `health` off the first is used; with it on, the first healthy one; none healthy leaves the image as written.","examples":[["harbor-a.example.com/proxy_cache","harbor-b.example.com/proxy_cache"]]},"stripPrefix":{"type":"string","maxLength":255,"pattern":"^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*/$","errorMessage":"must be a lowercase repository path ending in \"/\" (e.g. library/)","description":"A leading path removed from the image path before it goes under the proxy, when present: `library/` for a cache that serves Docker Hub official images without it, `<org>/` for a cache scoped to one upstream organization (with `match`). Default: the path is kept.","examples":["library/"]},"pullSecrets":{"type":"array","items":{"type":"string","minLength":1,"maxLength":253,"pattern":"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$","errorMessage":"is not a valid Secret name (lowercase RFC 1123 subdomain)"},"uniqueItems":true,"maxItems":64,"description":"Pull secrets this rule's images need; overrides the top-level list."},"probe":{"type":"object","additionalProperties":false,"description":"How this rule's proxy hosts are probed (`health`) and reached (`verify`). Rules whose proxies share a host share one probe: give it on one of them (or identically on all).","properties":{"url":{"type":"string","maxLength":2048,"pattern":"^[hH][tT][tT][pP][sS]?://","errorMessage":"must be an https:// or http:// URL (e.g. https://harbor.example.com/api/v2.0/health)","description":"Probed URL; a host is healthy when it answers 200 (with Harbor's `/api/v2.0/health`, a body whose `status` is `healthy`) or 401 from a registry `/v2/` URL. No credentials.","examples":["https://harbor.example.com/api/v2.0/health"]},"caFile":{"type":"string","minLength":1,"maxLength":4096,"description":"PEM bundle in the container to trust instead of the system CAs."},"insecureSkipVerify":{"type":"boolean","default":false,"description":"Skip TLS verification."}}}}},"description":"Upstream registry → proxy. An image whose registry has no rule is left as written, as is one already under a rule's proxy (rewriting is idempotent).","default":[{"registry":"docker.io","proxy":"harbor.ingress.local/proxy_cache"}]},"exclude":{"type":"object","additionalProperties":false,"description":"What is never rewritten.","properties":{"images":{"type":"array","maxItems":256,"items":{"type":"string","minLength":1,"maxLength":512},"default":[],"description":"Globs over the normalized reference or repository (`*` crosses `/`), starting with a registry: `docker.io/library/postgres`, `*/cloudnative-pg/*`."},"owners":{"type":"array","maxItems":64,"default":[],"description":"Pods whose controller owner matches are never rewritten, e.g. `{apiGroup: postgresql.cnpg.io, kind: Cluster}` for operators that recreate Pods whose image differs from their spec.","items":{"type":"object","additionalProperties":false,"required":["kind"],"properties":{"apiGroup":{"type":"string","maxLength":253,"default":"","description":"API group of the owner; `\"\"` for the core group."},"kind":{"type":"string","minLength":1,"maxLength":253,"description":"Kind of the owner."}}}}}},"pullSecrets":{"type":"array","items":{"type":"string","minLength":1,"maxLength":253,"pattern":"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$","errorMessage":"is not a valid Secret name (lowercase RFC 1123 subdomain)"},"uniqueItems":true,"maxItems":64,"description":"Pull secrets added to a Pod (only if absent) when at least one of its images was rewritten, unless its rule names its own.","default":["regcred-harbor"]},"health":{"type":"object","additionalProperties":false,"description":"Background probing of each distinct proxy host; images of an unhealthy one go to the next healthy `proxies` entry, or are left as written.","properties":{"enabled":{"type":"boolean","default":false,"description":"Probe the proxy hosts."},"intervalSeconds":{"type":"number","minimum":0.05,"maximum":3600,"default":10,"description":"Seconds between two probes of a host; probes never overlap."},"timeoutSeconds":{"type":"number","minimum":0.05,"maximum":60,"default":2,"description":"Seconds a probe may take."},"failureThreshold":{"type":"integer","minimum":1,"maximum":100,"default":3,"description":"Consecutive failed probes that make a healthy host unhealthy."},"successThreshold":{"type":"integer","minimum":1,"maximum":100,"default":1,"description":"Consecutive good probes that make an unhealthy host healthy."}}},"verify":{"type":"object","additionalProperties":false,"description":"Per-image verification: a manifest HEAD through the proxy before an image is rewritten; what cannot be verified within the budget is left as written.","properties":{"enabled":{"type":"boolean","default":false,"description":"Verify images before rewriting them."},"credentialsSecret":{"type":"object","additionalProperties":false,"required":["namespace","name"],"description":"A `kubernetes.io/dockerconfigjson` Secret read through the API (needs `get` on it). Not with `credentialsFile`.","properties":{"namespace":{"type":"string","minLength":1,"maxLength":63,"pattern":"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$","errorMessage":"is not a valid namespace (lowercase RFC 1123 label)","description":"Namespace of the Secret."},"name":{"type":"string","minLength":1,"maxLength":253,"pattern":"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$","errorMessage":"is not a valid Secret name (lowercase RFC 1123 subdomain)","description":"Name of the Secret."}}},"credentialsFile":{"type":"string","minLength":1,"maxLength":4096,"description":"A mounted dockerconfigjson file (preferred: no Secret RBAC). Neither: anonymous requests."},"ttlSeconds":{"type":"number","minimum":1,"maximum":86400,"default":300,"description":"How long a found / not-found answer is trusted."},"budgetMilliseconds":{"type":"integer","minimum":1,"maximum":10000,"default":300,"description":"The longest one review waits for verification."},"caFile":{"type":"string","minLength":1,"maxLength":4096,"description":"CA bundle for manifest requests; default: the host's `probe.caFile`, else the system CAs."},"insecureSkipVerify":{"type":"boolean","default":false,"description":"Skip TLS verification."}}}}};
const func2 = (function ucs2length(str) {
    const len = str.length;
    let length = 0;
    let pos = 0;
    let value;
    while (pos < len) {
        length++;
        value = str.charCodeAt(pos++);
        if (value >= 0xd800 && value <= 0xdbff && pos < len) {
            // high surrogate, and there is a next character
            value = str.charCodeAt(pos);
            if ((value & 0xfc00) === 0xdc00)
                pos++; // low surrogate
        }
    }
    return length;
});
const pattern0 = new RegExp("^(?:(?:localhost|(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))+|\\[(?:[a-fA-F0-9:]+)\\])(?::[0-9]+)?|(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*:[0-9]+)$", "u");
const pattern1 = new RegExp("^(?:(?:localhost|(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))+|\\[(?:[a-fA-F0-9:]+)\\])(?::[0-9]+)?|(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*:[0-9]+)(/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*)?$", "u");
const pattern3 = new RegExp("^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*/$", "u");
const pattern4 = new RegExp("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", "u");
const pattern5 = new RegExp("^[hH][tT][tT][pP][sS]?://", "u");
const pattern7 = new RegExp("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", "u");

function validate10(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!((((((key0 === "mode") || (key0 === "rules")) || (key0 === "exclude")) || (key0 === "pullSecrets")) || (key0 === "health")) || (key0 === "verify"))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema11,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.mode !== undefined){
let data0 = data.mode;
if(typeof data0 !== "string"){
const err1 = {instancePath:instancePath+"/mode",schemaPath:"#/properties/mode/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema11.properties.mode.type,parentSchema:schema11.properties.mode,data:data0};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if(!((data0 === "enforce") || (data0 === "audit"))){
const err2 = {instancePath:instancePath+"/mode",schemaPath:"#/properties/mode/enum",keyword:"enum",params:{allowedValues: schema11.properties.mode.enum},message:"must be equal to one of the allowed values",schema:schema11.properties.mode.enum,parentSchema:schema11.properties.mode,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data.rules !== undefined){
let data1 = data.rules;
if(Array.isArray(data1)){
if(data1.length > 256){
const err3 = {instancePath:instancePath+"/rules",schemaPath:"#/properties/rules/maxItems",keyword:"maxItems",params:{limit: 256},message:"must NOT have more than 256 items",schema:256,parentSchema:schema11.properties.rules,data:data1};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
if(data1.length < 1){
const err4 = {instancePath:instancePath+"/rules",schemaPath:"#/properties/rules/minItems",keyword:"minItems",params:{limit: 1},message:"must NOT have fewer than 1 items",schema:1,parentSchema:schema11.properties.rules,data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
const len0 = data1.length;
for(let i0=0; i0<len0; i0++){
let data2 = data1[i0];
const _errs8 = errors;
let valid3 = false;
let passing0 = null;
const _errs9 = errors;
if(data2 && typeof data2 == "object" && !Array.isArray(data2)){
if(data2.proxy === undefined){
const err5 = {instancePath:instancePath+"/rules/" + i0,schemaPath:"#/properties/rules/items/oneOf/0/required",keyword:"required",params:{missingProperty: "proxy"},message:"must have required property '"+"proxy"+"'",schema:schema11.properties.rules.items.oneOf[0].required,parentSchema:schema11.properties.rules.items.oneOf[0],data:data2};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
var _valid0 = _errs9 === errors;
if(_valid0){
valid3 = true;
passing0 = 0;
}
const _errs10 = errors;
if(data2 && typeof data2 == "object" && !Array.isArray(data2)){
if(data2.proxies === undefined){
const err6 = {instancePath:instancePath+"/rules/" + i0,schemaPath:"#/properties/rules/items/oneOf/1/required",keyword:"required",params:{missingProperty: "proxies"},message:"must have required property '"+"proxies"+"'",schema:schema11.properties.rules.items.oneOf[1].required,parentSchema:schema11.properties.rules.items.oneOf[1],data:data2};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
var _valid0 = _errs10 === errors;
if(_valid0 && valid3){
valid3 = false;
passing0 = [passing0, 1];
}
else {
if(_valid0){
valid3 = true;
passing0 = 1;
}
}
if(!valid3){
const err7 = {instancePath:instancePath+"/rules/" + i0,schemaPath:"#/properties/rules/items/oneOf",keyword:"oneOf",params:{passingSchemas: passing0},message:"must match exactly one schema in oneOf",schema:schema11.properties.rules.items.oneOf,parentSchema:schema11.properties.rules.items,data:data2};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
else {
errors = _errs8;
if(vErrors !== null){
if(_errs8){
vErrors.length = _errs8;
}
else {
vErrors = null;
}
}
}
if(data2 && typeof data2 == "object" && !Array.isArray(data2)){
if(data2.registry === undefined){
const err8 = {instancePath:instancePath+"/rules/" + i0,schemaPath:"#/properties/rules/items/required",keyword:"required",params:{missingProperty: "registry"},message:"must have required property '"+"registry"+"'",schema:schema11.properties.rules.items.required,parentSchema:schema11.properties.rules.items,data:data2};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
for(const key1 in data2){
if(!(((((((key1 === "registry") || (key1 === "match")) || (key1 === "proxy")) || (key1 === "proxies")) || (key1 === "stripPrefix")) || (key1 === "pullSecrets")) || (key1 === "probe"))){
const err9 = {instancePath:instancePath+"/rules/" + i0,schemaPath:"#/properties/rules/items/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema11.properties.rules.items,data:data2};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
if(data2.registry !== undefined){
let data3 = data2.registry;
if(typeof data3 === "string"){
if(func2(data3) > 300){
const err10 = {instancePath:instancePath+"/rules/" + i0+"/registry",schemaPath:"#/properties/rules/items/properties/registry/maxLength",keyword:"maxLength",params:{limit: 300},message:"must NOT have more than 300 characters",schema:300,parentSchema:schema11.properties.rules.items.properties.registry,data:data3};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
if(func2(data3) < 1){
const err11 = {instancePath:instancePath+"/rules/" + i0+"/registry",schemaPath:"#/properties/rules/items/properties/registry/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema11.properties.rules.items.properties.registry,data:data3};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
if(!pattern0.test(data3)){
const err12 = {instancePath:instancePath+"/rules/" + i0+"/registry",schemaPath:"#/properties/rules/items/properties/registry/pattern",keyword:"pattern",params:{pattern: "^(?:(?:localhost|(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))+|\\[(?:[a-fA-F0-9:]+)\\])(?::[0-9]+)?|(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*:[0-9]+)$"},message:"must match pattern \""+"^(?:(?:localhost|(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))+|\\[(?:[a-fA-F0-9:]+)\\])(?::[0-9]+)?|(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*:[0-9]+)$"+"\"",schema:"^(?:(?:localhost|(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))+|\\[(?:[a-fA-F0-9:]+)\\])(?::[0-9]+)?|(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*:[0-9]+)$",parentSchema:schema11.properties.rules.items.properties.registry,data:data3};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
else {
const err13 = {instancePath:instancePath+"/rules/" + i0+"/registry",schemaPath:"#/properties/rules/items/properties/registry/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema11.properties.rules.items.properties.registry.type,parentSchema:schema11.properties.rules.items.properties.registry,data:data3};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
if(data2.match !== undefined){
let data4 = data2.match;
if(Array.isArray(data4)){
if(data4.length > 64){
const err14 = {instancePath:instancePath+"/rules/" + i0+"/match",schemaPath:"#/properties/rules/items/properties/match/maxItems",keyword:"maxItems",params:{limit: 64},message:"must NOT have more than 64 items",schema:64,parentSchema:schema11.properties.rules.items.properties.match,data:data4};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
if(data4.length < 1){
const err15 = {instancePath:instancePath+"/rules/" + i0+"/match",schemaPath:"#/properties/rules/items/properties/match/minItems",keyword:"minItems",params:{limit: 1},message:"must NOT have fewer than 1 items",schema:1,parentSchema:schema11.properties.rules.items.properties.match,data:data4};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
const len1 = data4.length;
for(let i1=0; i1<len1; i1++){
let data5 = data4[i1];
if(typeof data5 === "string"){
if(func2(data5) > 512){
const err16 = {instancePath:instancePath+"/rules/" + i0+"/match/" + i1,schemaPath:"#/properties/rules/items/properties/match/items/maxLength",keyword:"maxLength",params:{limit: 512},message:"must NOT have more than 512 characters",schema:512,parentSchema:schema11.properties.rules.items.properties.match.items,data:data5};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
if(func2(data5) < 1){
const err17 = {instancePath:instancePath+"/rules/" + i0+"/match/" + i1,schemaPath:"#/properties/rules/items/properties/match/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema11.properties.rules.items.properties.match.items,data:data5};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
else {
const err18 = {instancePath:instancePath+"/rules/" + i0+"/match/" + i1,schemaPath:"#/properties/rules/items/properties/match/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema11.properties.rules.items.properties.match.items.type,parentSchema:schema11.properties.rules.items.properties.match.items,data:data5};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
}
else {
const err19 = {instancePath:instancePath+"/rules/" + i0+"/match",schemaPath:"#/properties/rules/items/properties/match/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema11.properties.rules.items.properties.match.type,parentSchema:schema11.properties.rules.items.properties.match,data:data4};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
if(data2.proxy !== undefined){
let data6 = data2.proxy;
if(typeof data6 === "string"){
if(func2(data6) > 512){
const err20 = {instancePath:instancePath+"/rules/" + i0+"/proxy",schemaPath:"#/properties/rules/items/properties/proxy/maxLength",keyword:"maxLength",params:{limit: 512},message:"must NOT have more than 512 characters",schema:512,parentSchema:schema11.properties.rules.items.properties.proxy,data:data6};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
if(func2(data6) < 1){
const err21 = {instancePath:instancePath+"/rules/" + i0+"/proxy",schemaPath:"#/properties/rules/items/properties/proxy/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema11.properties.rules.items.properties.proxy,data:data6};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
if(!pattern1.test(data6)){
const err22 = {instancePath:instancePath+"/rules/" + i0+"/proxy",schemaPath:"#/properties/rules/items/properties/proxy/pattern",keyword:"pattern",params:{pattern: "^(?:(?:localhost|(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))+|\\[(?:[a-fA-F0-9:]+)\\])(?::[0-9]+)?|(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*:[0-9]+)(/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*)?$"},message:"must match pattern \""+"^(?:(?:localhost|(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))+|\\[(?:[a-fA-F0-9:]+)\\])(?::[0-9]+)?|(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*:[0-9]+)(/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*)?$"+"\"",schema:"^(?:(?:localhost|(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))+|\\[(?:[a-fA-F0-9:]+)\\])(?::[0-9]+)?|(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*:[0-9]+)(/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*)?$",parentSchema:schema11.properties.rules.items.properties.proxy,data:data6};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
}
else {
const err23 = {instancePath:instancePath+"/rules/" + i0+"/proxy",schemaPath:"#/properties/rules/items/properties/proxy/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema11.properties.rules.items.properties.proxy.type,parentSchema:schema11.properties.rules.items.properties.proxy,data:data6};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
}
if(data2.proxies !== undefined){
let data7 = data2.proxies;
if(Array.isArray(data7)){
if(data7.length > 8){
const err24 = {instancePath:instancePath+"/rules/" + i0+"/proxies",schemaPath:"#/properties/rules/items/properties/proxies/maxItems",keyword:"maxItems",params:{limit: 8},message:"must NOT have more than 8 items",schema:8,parentSchema:schema11.properties.rules.items.properties.proxies,data:data7};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
if(data7.length < 1){
const err25 = {instancePath:instancePath+"/rules/" + i0+"/proxies",schemaPath:"#/properties/rules/items/properties/proxies/minItems",keyword:"minItems",params:{limit: 1},message:"must NOT have fewer than 1 items",schema:1,parentSchema:schema11.properties.rules.items.properties.proxies,data:data7};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
const len2 = data7.length;
for(let i2=0; i2<len2; i2++){
let data8 = data7[i2];
if(typeof data8 === "string"){
if(func2(data8) > 512){
const err26 = {instancePath:instancePath+"/rules/" + i0+"/proxies/" + i2,schemaPath:"#/properties/rules/items/properties/proxies/items/maxLength",keyword:"maxLength",params:{limit: 512},message:"must NOT have more than 512 characters",schema:512,parentSchema:schema11.properties.rules.items.properties.proxies.items,data:data8};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
if(func2(data8) < 1){
const err27 = {instancePath:instancePath+"/rules/" + i0+"/proxies/" + i2,schemaPath:"#/properties/rules/items/properties/proxies/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema11.properties.rules.items.properties.proxies.items,data:data8};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
if(!pattern1.test(data8)){
const err28 = {instancePath:instancePath+"/rules/" + i0+"/proxies/" + i2,schemaPath:"#/properties/rules/items/properties/proxies/items/pattern",keyword:"pattern",params:{pattern: "^(?:(?:localhost|(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))+|\\[(?:[a-fA-F0-9:]+)\\])(?::[0-9]+)?|(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*:[0-9]+)(/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*)?$"},message:"must match pattern \""+"^(?:(?:localhost|(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))+|\\[(?:[a-fA-F0-9:]+)\\])(?::[0-9]+)?|(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*:[0-9]+)(/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*)?$"+"\"",schema:"^(?:(?:localhost|(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))+|\\[(?:[a-fA-F0-9:]+)\\])(?::[0-9]+)?|(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*:[0-9]+)(/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*)?$",parentSchema:schema11.properties.rules.items.properties.proxies.items,data:data8};
if(vErrors === null){
vErrors = [err28];
}
else {
vErrors.push(err28);
}
errors++;
}
}
else {
const err29 = {instancePath:instancePath+"/rules/" + i0+"/proxies/" + i2,schemaPath:"#/properties/rules/items/properties/proxies/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema11.properties.rules.items.properties.proxies.items.type,parentSchema:schema11.properties.rules.items.properties.proxies.items,data:data8};
if(vErrors === null){
vErrors = [err29];
}
else {
vErrors.push(err29);
}
errors++;
}
}
let i3 = data7.length;
let j0;
if(i3 > 1){
const indices0 = {};
for(;i3--;){
let item0 = data7[i3];
if(typeof item0 !== "string"){
continue;
}
if(typeof indices0[item0] == "number"){
j0 = indices0[item0];
const err30 = {instancePath:instancePath+"/rules/" + i0+"/proxies",schemaPath:"#/properties/rules/items/properties/proxies/uniqueItems",keyword:"uniqueItems",params:{i: i3, j: j0},message:"must NOT have duplicate items (items ## "+j0+" and "+i3+" are identical)",schema:true,parentSchema:schema11.properties.rules.items.properties.proxies,data:data7};
if(vErrors === null){
vErrors = [err30];
}
else {
vErrors.push(err30);
}
errors++;
break;
}
indices0[item0] = i3;
}
}
}
else {
const err31 = {instancePath:instancePath+"/rules/" + i0+"/proxies",schemaPath:"#/properties/rules/items/properties/proxies/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema11.properties.rules.items.properties.proxies.type,parentSchema:schema11.properties.rules.items.properties.proxies,data:data7};
if(vErrors === null){
vErrors = [err31];
}
else {
vErrors.push(err31);
}
errors++;
}
}
if(data2.stripPrefix !== undefined){
let data9 = data2.stripPrefix;
if(typeof data9 === "string"){
if(func2(data9) > 255){
const err32 = {instancePath:instancePath+"/rules/" + i0+"/stripPrefix",schemaPath:"#/properties/rules/items/properties/stripPrefix/maxLength",keyword:"maxLength",params:{limit: 255},message:"must NOT have more than 255 characters",schema:255,parentSchema:schema11.properties.rules.items.properties.stripPrefix,data:data9};
if(vErrors === null){
vErrors = [err32];
}
else {
vErrors.push(err32);
}
errors++;
}
if(!pattern3.test(data9)){
const err33 = {instancePath:instancePath+"/rules/" + i0+"/stripPrefix",schemaPath:"#/properties/rules/items/properties/stripPrefix/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*/$"},message:"must match pattern \""+"^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*/$"+"\"",schema:"^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*/$",parentSchema:schema11.properties.rules.items.properties.stripPrefix,data:data9};
if(vErrors === null){
vErrors = [err33];
}
else {
vErrors.push(err33);
}
errors++;
}
}
else {
const err34 = {instancePath:instancePath+"/rules/" + i0+"/stripPrefix",schemaPath:"#/properties/rules/items/properties/stripPrefix/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema11.properties.rules.items.properties.stripPrefix.type,parentSchema:schema11.properties.rules.items.properties.stripPrefix,data:data9};
if(vErrors === null){
vErrors = [err34];
}
else {
vErrors.push(err34);
}
errors++;
}
}
if(data2.pullSecrets !== undefined){
let data10 = data2.pullSecrets;
if(Array.isArray(data10)){
if(data10.length > 64){
const err35 = {instancePath:instancePath+"/rules/" + i0+"/pullSecrets",schemaPath:"#/properties/rules/items/properties/pullSecrets/maxItems",keyword:"maxItems",params:{limit: 64},message:"must NOT have more than 64 items",schema:64,parentSchema:schema11.properties.rules.items.properties.pullSecrets,data:data10};
if(vErrors === null){
vErrors = [err35];
}
else {
vErrors.push(err35);
}
errors++;
}
const len3 = data10.length;
for(let i4=0; i4<len3; i4++){
let data11 = data10[i4];
if(typeof data11 === "string"){
if(func2(data11) > 253){
const err36 = {instancePath:instancePath+"/rules/" + i0+"/pullSecrets/" + i4,schemaPath:"#/properties/rules/items/properties/pullSecrets/items/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters",schema:253,parentSchema:schema11.properties.rules.items.properties.pullSecrets.items,data:data11};
if(vErrors === null){
vErrors = [err36];
}
else {
vErrors.push(err36);
}
errors++;
}
if(func2(data11) < 1){
const err37 = {instancePath:instancePath+"/rules/" + i0+"/pullSecrets/" + i4,schemaPath:"#/properties/rules/items/properties/pullSecrets/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema11.properties.rules.items.properties.pullSecrets.items,data:data11};
if(vErrors === null){
vErrors = [err37];
}
else {
vErrors.push(err37);
}
errors++;
}
if(!pattern4.test(data11)){
const err38 = {instancePath:instancePath+"/rules/" + i0+"/pullSecrets/" + i4,schemaPath:"#/properties/rules/items/properties/pullSecrets/items/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"},message:"must match pattern \""+"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"+"\"",schema:"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",parentSchema:schema11.properties.rules.items.properties.pullSecrets.items,data:data11};
if(vErrors === null){
vErrors = [err38];
}
else {
vErrors.push(err38);
}
errors++;
}
}
else {
const err39 = {instancePath:instancePath+"/rules/" + i0+"/pullSecrets/" + i4,schemaPath:"#/properties/rules/items/properties/pullSecrets/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema11.properties.rules.items.properties.pullSecrets.items.type,parentSchema:schema11.properties.rules.items.properties.pullSecrets.items,data:data11};
if(vErrors === null){
vErrors = [err39];
}
else {
vErrors.push(err39);
}
errors++;
}
}
let i5 = data10.length;
let j1;
if(i5 > 1){
const indices1 = {};
for(;i5--;){
let item1 = data10[i5];
if(typeof item1 !== "string"){
continue;
}
if(typeof indices1[item1] == "number"){
j1 = indices1[item1];
const err40 = {instancePath:instancePath+"/rules/" + i0+"/pullSecrets",schemaPath:"#/properties/rules/items/properties/pullSecrets/uniqueItems",keyword:"uniqueItems",params:{i: i5, j: j1},message:"must NOT have duplicate items (items ## "+j1+" and "+i5+" are identical)",schema:true,parentSchema:schema11.properties.rules.items.properties.pullSecrets,data:data10};
if(vErrors === null){
vErrors = [err40];
}
else {
vErrors.push(err40);
}
errors++;
break;
}
indices1[item1] = i5;
}
}
}
else {
const err41 = {instancePath:instancePath+"/rules/" + i0+"/pullSecrets",schemaPath:"#/properties/rules/items/properties/pullSecrets/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema11.properties.rules.items.properties.pullSecrets.type,parentSchema:schema11.properties.rules.items.properties.pullSecrets,data:data10};
if(vErrors === null){
vErrors = [err41];
}
else {
vErrors.push(err41);
}
errors++;
}
}
if(data2.probe !== undefined){
let data12 = data2.probe;
if(data12 && typeof data12 == "object" && !Array.isArray(data12)){
for(const key2 in data12){
if(!(((key2 === "url") || (key2 === "caFile")) || (key2 === "insecureSkipVerify"))){
const err42 = {instancePath:instancePath+"/rules/" + i0+"/probe",schemaPath:"#/properties/rules/items/properties/probe/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key2},message:"must NOT have additional properties",schema:false,parentSchema:schema11.properties.rules.items.properties.probe,data:data12};
if(vErrors === null){
vErrors = [err42];
}
else {
vErrors.push(err42);
}
errors++;
}
}
if(data12.url !== undefined){
let data13 = data12.url;
if(typeof data13 === "string"){
if(func2(data13) > 2048){
const err43 = {instancePath:instancePath+"/rules/" + i0+"/probe/url",schemaPath:"#/properties/rules/items/properties/probe/properties/url/maxLength",keyword:"maxLength",params:{limit: 2048},message:"must NOT have more than 2048 characters",schema:2048,parentSchema:schema11.properties.rules.items.properties.probe.properties.url,data:data13};
if(vErrors === null){
vErrors = [err43];
}
else {
vErrors.push(err43);
}
errors++;
}
if(!pattern5.test(data13)){
const err44 = {instancePath:instancePath+"/rules/" + i0+"/probe/url",schemaPath:"#/properties/rules/items/properties/probe/properties/url/pattern",keyword:"pattern",params:{pattern: "^[hH][tT][tT][pP][sS]?://"},message:"must match pattern \""+"^[hH][tT][tT][pP][sS]?://"+"\"",schema:"^[hH][tT][tT][pP][sS]?://",parentSchema:schema11.properties.rules.items.properties.probe.properties.url,data:data13};
if(vErrors === null){
vErrors = [err44];
}
else {
vErrors.push(err44);
}
errors++;
}
}
else {
const err45 = {instancePath:instancePath+"/rules/" + i0+"/probe/url",schemaPath:"#/properties/rules/items/properties/probe/properties/url/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema11.properties.rules.items.properties.probe.properties.url.type,parentSchema:schema11.properties.rules.items.properties.probe.properties.url,data:data13};
if(vErrors === null){
vErrors = [err45];
}
else {
vErrors.push(err45);
}
errors++;
}
}
if(data12.caFile !== undefined){
let data14 = data12.caFile;
if(typeof data14 === "string"){
if(func2(data14) > 4096){
const err46 = {instancePath:instancePath+"/rules/" + i0+"/probe/caFile",schemaPath:"#/properties/rules/items/properties/probe/properties/caFile/maxLength",keyword:"maxLength",params:{limit: 4096},message:"must NOT have more than 4096 characters",schema:4096,parentSchema:schema11.properties.rules.items.properties.probe.properties.caFile,data:data14};
if(vErrors === null){
vErrors = [err46];
}
else {
vErrors.push(err46);
}
errors++;
}
if(func2(data14) < 1){
const err47 = {instancePath:instancePath+"/rules/" + i0+"/probe/caFile",schemaPath:"#/properties/rules/items/properties/probe/properties/caFile/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema11.properties.rules.items.properties.probe.properties.caFile,data:data14};
if(vErrors === null){
vErrors = [err47];
}
else {
vErrors.push(err47);
}
errors++;
}
}
else {
const err48 = {instancePath:instancePath+"/rules/" + i0+"/probe/caFile",schemaPath:"#/properties/rules/items/properties/probe/properties/caFile/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema11.properties.rules.items.properties.probe.properties.caFile.type,parentSchema:schema11.properties.rules.items.properties.probe.properties.caFile,data:data14};
if(vErrors === null){
vErrors = [err48];
}
else {
vErrors.push(err48);
}
errors++;
}
}
if(data12.insecureSkipVerify !== undefined){
let data15 = data12.insecureSkipVerify;
if(typeof data15 !== "boolean"){
const err49 = {instancePath:instancePath+"/rules/" + i0+"/probe/insecureSkipVerify",schemaPath:"#/properties/rules/items/properties/probe/properties/insecureSkipVerify/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema11.properties.rules.items.properties.probe.properties.insecureSkipVerify.type,parentSchema:schema11.properties.rules.items.properties.probe.properties.insecureSkipVerify,data:data15};
if(vErrors === null){
vErrors = [err49];
}
else {
vErrors.push(err49);
}
errors++;
}
}
}
else {
const err50 = {instancePath:instancePath+"/rules/" + i0+"/probe",schemaPath:"#/properties/rules/items/properties/probe/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema11.properties.rules.items.properties.probe.type,parentSchema:schema11.properties.rules.items.properties.probe,data:data12};
if(vErrors === null){
vErrors = [err50];
}
else {
vErrors.push(err50);
}
errors++;
}
}
}
else {
const err51 = {instancePath:instancePath+"/rules/" + i0,schemaPath:"#/properties/rules/items/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema11.properties.rules.items.type,parentSchema:schema11.properties.rules.items,data:data2};
if(vErrors === null){
vErrors = [err51];
}
else {
vErrors.push(err51);
}
errors++;
}
}
}
else {
const err52 = {instancePath:instancePath+"/rules",schemaPath:"#/properties/rules/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema11.properties.rules.type,parentSchema:schema11.properties.rules,data:data1};
if(vErrors === null){
vErrors = [err52];
}
else {
vErrors.push(err52);
}
errors++;
}
}
if(data.exclude !== undefined){
let data16 = data.exclude;
if(data16 && typeof data16 == "object" && !Array.isArray(data16)){
for(const key3 in data16){
if(!((key3 === "images") || (key3 === "owners"))){
const err53 = {instancePath:instancePath+"/exclude",schemaPath:"#/properties/exclude/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key3},message:"must NOT have additional properties",schema:false,parentSchema:schema11.properties.exclude,data:data16};
if(vErrors === null){
vErrors = [err53];
}
else {
vErrors.push(err53);
}
errors++;
}
}
if(data16.images !== undefined){
let data17 = data16.images;
if(Array.isArray(data17)){
if(data17.length > 256){
const err54 = {instancePath:instancePath+"/exclude/images",schemaPath:"#/properties/exclude/properties/images/maxItems",keyword:"maxItems",params:{limit: 256},message:"must NOT have more than 256 items",schema:256,parentSchema:schema11.properties.exclude.properties.images,data:data17};
if(vErrors === null){
vErrors = [err54];
}
else {
vErrors.push(err54);
}
errors++;
}
const len4 = data17.length;
for(let i6=0; i6<len4; i6++){
let data18 = data17[i6];
if(typeof data18 === "string"){
if(func2(data18) > 512){
const err55 = {instancePath:instancePath+"/exclude/images/" + i6,schemaPath:"#/properties/exclude/properties/images/items/maxLength",keyword:"maxLength",params:{limit: 512},message:"must NOT have more than 512 characters",schema:512,parentSchema:schema11.properties.exclude.properties.images.items,data:data18};
if(vErrors === null){
vErrors = [err55];
}
else {
vErrors.push(err55);
}
errors++;
}
if(func2(data18) < 1){
const err56 = {instancePath:instancePath+"/exclude/images/" + i6,schemaPath:"#/properties/exclude/properties/images/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema11.properties.exclude.properties.images.items,data:data18};
if(vErrors === null){
vErrors = [err56];
}
else {
vErrors.push(err56);
}
errors++;
}
}
else {
const err57 = {instancePath:instancePath+"/exclude/images/" + i6,schemaPath:"#/properties/exclude/properties/images/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema11.properties.exclude.properties.images.items.type,parentSchema:schema11.properties.exclude.properties.images.items,data:data18};
if(vErrors === null){
vErrors = [err57];
}
else {
vErrors.push(err57);
}
errors++;
}
}
}
else {
const err58 = {instancePath:instancePath+"/exclude/images",schemaPath:"#/properties/exclude/properties/images/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema11.properties.exclude.properties.images.type,parentSchema:schema11.properties.exclude.properties.images,data:data17};
if(vErrors === null){
vErrors = [err58];
}
else {
vErrors.push(err58);
}
errors++;
}
}
if(data16.owners !== undefined){
let data19 = data16.owners;
if(Array.isArray(data19)){
if(data19.length > 64){
const err59 = {instancePath:instancePath+"/exclude/owners",schemaPath:"#/properties/exclude/properties/owners/maxItems",keyword:"maxItems",params:{limit: 64},message:"must NOT have more than 64 items",schema:64,parentSchema:schema11.properties.exclude.properties.owners,data:data19};
if(vErrors === null){
vErrors = [err59];
}
else {
vErrors.push(err59);
}
errors++;
}
const len5 = data19.length;
for(let i7=0; i7<len5; i7++){
let data20 = data19[i7];
if(data20 && typeof data20 == "object" && !Array.isArray(data20)){
if(data20.kind === undefined){
const err60 = {instancePath:instancePath+"/exclude/owners/" + i7,schemaPath:"#/properties/exclude/properties/owners/items/required",keyword:"required",params:{missingProperty: "kind"},message:"must have required property '"+"kind"+"'",schema:schema11.properties.exclude.properties.owners.items.required,parentSchema:schema11.properties.exclude.properties.owners.items,data:data20};
if(vErrors === null){
vErrors = [err60];
}
else {
vErrors.push(err60);
}
errors++;
}
for(const key4 in data20){
if(!((key4 === "apiGroup") || (key4 === "kind"))){
const err61 = {instancePath:instancePath+"/exclude/owners/" + i7,schemaPath:"#/properties/exclude/properties/owners/items/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key4},message:"must NOT have additional properties",schema:false,parentSchema:schema11.properties.exclude.properties.owners.items,data:data20};
if(vErrors === null){
vErrors = [err61];
}
else {
vErrors.push(err61);
}
errors++;
}
}
if(data20.apiGroup !== undefined){
let data21 = data20.apiGroup;
if(typeof data21 === "string"){
if(func2(data21) > 253){
const err62 = {instancePath:instancePath+"/exclude/owners/" + i7+"/apiGroup",schemaPath:"#/properties/exclude/properties/owners/items/properties/apiGroup/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters",schema:253,parentSchema:schema11.properties.exclude.properties.owners.items.properties.apiGroup,data:data21};
if(vErrors === null){
vErrors = [err62];
}
else {
vErrors.push(err62);
}
errors++;
}
}
else {
const err63 = {instancePath:instancePath+"/exclude/owners/" + i7+"/apiGroup",schemaPath:"#/properties/exclude/properties/owners/items/properties/apiGroup/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema11.properties.exclude.properties.owners.items.properties.apiGroup.type,parentSchema:schema11.properties.exclude.properties.owners.items.properties.apiGroup,data:data21};
if(vErrors === null){
vErrors = [err63];
}
else {
vErrors.push(err63);
}
errors++;
}
}
if(data20.kind !== undefined){
let data22 = data20.kind;
if(typeof data22 === "string"){
if(func2(data22) > 253){
const err64 = {instancePath:instancePath+"/exclude/owners/" + i7+"/kind",schemaPath:"#/properties/exclude/properties/owners/items/properties/kind/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters",schema:253,parentSchema:schema11.properties.exclude.properties.owners.items.properties.kind,data:data22};
if(vErrors === null){
vErrors = [err64];
}
else {
vErrors.push(err64);
}
errors++;
}
if(func2(data22) < 1){
const err65 = {instancePath:instancePath+"/exclude/owners/" + i7+"/kind",schemaPath:"#/properties/exclude/properties/owners/items/properties/kind/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema11.properties.exclude.properties.owners.items.properties.kind,data:data22};
if(vErrors === null){
vErrors = [err65];
}
else {
vErrors.push(err65);
}
errors++;
}
}
else {
const err66 = {instancePath:instancePath+"/exclude/owners/" + i7+"/kind",schemaPath:"#/properties/exclude/properties/owners/items/properties/kind/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema11.properties.exclude.properties.owners.items.properties.kind.type,parentSchema:schema11.properties.exclude.properties.owners.items.properties.kind,data:data22};
if(vErrors === null){
vErrors = [err66];
}
else {
vErrors.push(err66);
}
errors++;
}
}
}
else {
const err67 = {instancePath:instancePath+"/exclude/owners/" + i7,schemaPath:"#/properties/exclude/properties/owners/items/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema11.properties.exclude.properties.owners.items.type,parentSchema:schema11.properties.exclude.properties.owners.items,data:data20};
if(vErrors === null){
vErrors = [err67];
}
else {
vErrors.push(err67);
}
errors++;
}
}
}
else {
const err68 = {instancePath:instancePath+"/exclude/owners",schemaPath:"#/properties/exclude/properties/owners/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema11.properties.exclude.properties.owners.type,parentSchema:schema11.properties.exclude.properties.owners,data:data19};
if(vErrors === null){
vErrors = [err68];
}
else {
vErrors.push(err68);
}
errors++;
}
}
}
else {
const err69 = {instancePath:instancePath+"/exclude",schemaPath:"#/properties/exclude/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema11.properties.exclude.type,parentSchema:schema11.properties.exclude,data:data16};
if(vErrors === null){
vErrors = [err69];
}
else {
vErrors.push(err69);
}
errors++;
}
}
if(data.pullSecrets !== undefined){
let data23 = data.pullSecrets;
if(Array.isArray(data23)){
if(data23.length > 64){
const err70 = {instancePath:instancePath+"/pullSecrets",schemaPath:"#/properties/pullSecrets/maxItems",keyword:"maxItems",params:{limit: 64},message:"must NOT have more than 64 items",schema:64,parentSchema:schema11.properties.pullSecrets,data:data23};
if(vErrors === null){
vErrors = [err70];
}
else {
vErrors.push(err70);
}
errors++;
}
const len6 = data23.length;
for(let i8=0; i8<len6; i8++){
let data24 = data23[i8];
if(typeof data24 === "string"){
if(func2(data24) > 253){
const err71 = {instancePath:instancePath+"/pullSecrets/" + i8,schemaPath:"#/properties/pullSecrets/items/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters",schema:253,parentSchema:schema11.properties.pullSecrets.items,data:data24};
if(vErrors === null){
vErrors = [err71];
}
else {
vErrors.push(err71);
}
errors++;
}
if(func2(data24) < 1){
const err72 = {instancePath:instancePath+"/pullSecrets/" + i8,schemaPath:"#/properties/pullSecrets/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema11.properties.pullSecrets.items,data:data24};
if(vErrors === null){
vErrors = [err72];
}
else {
vErrors.push(err72);
}
errors++;
}
if(!pattern4.test(data24)){
const err73 = {instancePath:instancePath+"/pullSecrets/" + i8,schemaPath:"#/properties/pullSecrets/items/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"},message:"must match pattern \""+"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"+"\"",schema:"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",parentSchema:schema11.properties.pullSecrets.items,data:data24};
if(vErrors === null){
vErrors = [err73];
}
else {
vErrors.push(err73);
}
errors++;
}
}
else {
const err74 = {instancePath:instancePath+"/pullSecrets/" + i8,schemaPath:"#/properties/pullSecrets/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema11.properties.pullSecrets.items.type,parentSchema:schema11.properties.pullSecrets.items,data:data24};
if(vErrors === null){
vErrors = [err74];
}
else {
vErrors.push(err74);
}
errors++;
}
}
let i9 = data23.length;
let j2;
if(i9 > 1){
const indices2 = {};
for(;i9--;){
let item2 = data23[i9];
if(typeof item2 !== "string"){
continue;
}
if(typeof indices2[item2] == "number"){
j2 = indices2[item2];
const err75 = {instancePath:instancePath+"/pullSecrets",schemaPath:"#/properties/pullSecrets/uniqueItems",keyword:"uniqueItems",params:{i: i9, j: j2},message:"must NOT have duplicate items (items ## "+j2+" and "+i9+" are identical)",schema:true,parentSchema:schema11.properties.pullSecrets,data:data23};
if(vErrors === null){
vErrors = [err75];
}
else {
vErrors.push(err75);
}
errors++;
break;
}
indices2[item2] = i9;
}
}
}
else {
const err76 = {instancePath:instancePath+"/pullSecrets",schemaPath:"#/properties/pullSecrets/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema11.properties.pullSecrets.type,parentSchema:schema11.properties.pullSecrets,data:data23};
if(vErrors === null){
vErrors = [err76];
}
else {
vErrors.push(err76);
}
errors++;
}
}
if(data.health !== undefined){
let data25 = data.health;
if(data25 && typeof data25 == "object" && !Array.isArray(data25)){
for(const key5 in data25){
if(!(((((key5 === "enabled") || (key5 === "intervalSeconds")) || (key5 === "timeoutSeconds")) || (key5 === "failureThreshold")) || (key5 === "successThreshold"))){
const err77 = {instancePath:instancePath+"/health",schemaPath:"#/properties/health/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key5},message:"must NOT have additional properties",schema:false,parentSchema:schema11.properties.health,data:data25};
if(vErrors === null){
vErrors = [err77];
}
else {
vErrors.push(err77);
}
errors++;
}
}
if(data25.enabled !== undefined){
let data26 = data25.enabled;
if(typeof data26 !== "boolean"){
const err78 = {instancePath:instancePath+"/health/enabled",schemaPath:"#/properties/health/properties/enabled/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema11.properties.health.properties.enabled.type,parentSchema:schema11.properties.health.properties.enabled,data:data26};
if(vErrors === null){
vErrors = [err78];
}
else {
vErrors.push(err78);
}
errors++;
}
}
if(data25.intervalSeconds !== undefined){
let data27 = data25.intervalSeconds;
if((typeof data27 == "number") && (isFinite(data27))){
if(data27 > 3600 || isNaN(data27)){
const err79 = {instancePath:instancePath+"/health/intervalSeconds",schemaPath:"#/properties/health/properties/intervalSeconds/maximum",keyword:"maximum",params:{comparison: "<=", limit: 3600},message:"must be <= 3600",schema:3600,parentSchema:schema11.properties.health.properties.intervalSeconds,data:data27};
if(vErrors === null){
vErrors = [err79];
}
else {
vErrors.push(err79);
}
errors++;
}
if(data27 < 0.05 || isNaN(data27)){
const err80 = {instancePath:instancePath+"/health/intervalSeconds",schemaPath:"#/properties/health/properties/intervalSeconds/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0.05},message:"must be >= 0.05",schema:0.05,parentSchema:schema11.properties.health.properties.intervalSeconds,data:data27};
if(vErrors === null){
vErrors = [err80];
}
else {
vErrors.push(err80);
}
errors++;
}
}
else {
const err81 = {instancePath:instancePath+"/health/intervalSeconds",schemaPath:"#/properties/health/properties/intervalSeconds/type",keyword:"type",params:{type: "number"},message:"must be number",schema:schema11.properties.health.properties.intervalSeconds.type,parentSchema:schema11.properties.health.properties.intervalSeconds,data:data27};
if(vErrors === null){
vErrors = [err81];
}
else {
vErrors.push(err81);
}
errors++;
}
}
if(data25.timeoutSeconds !== undefined){
let data28 = data25.timeoutSeconds;
if((typeof data28 == "number") && (isFinite(data28))){
if(data28 > 60 || isNaN(data28)){
const err82 = {instancePath:instancePath+"/health/timeoutSeconds",schemaPath:"#/properties/health/properties/timeoutSeconds/maximum",keyword:"maximum",params:{comparison: "<=", limit: 60},message:"must be <= 60",schema:60,parentSchema:schema11.properties.health.properties.timeoutSeconds,data:data28};
if(vErrors === null){
vErrors = [err82];
}
else {
vErrors.push(err82);
}
errors++;
}
if(data28 < 0.05 || isNaN(data28)){
const err83 = {instancePath:instancePath+"/health/timeoutSeconds",schemaPath:"#/properties/health/properties/timeoutSeconds/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0.05},message:"must be >= 0.05",schema:0.05,parentSchema:schema11.properties.health.properties.timeoutSeconds,data:data28};
if(vErrors === null){
vErrors = [err83];
}
else {
vErrors.push(err83);
}
errors++;
}
}
else {
const err84 = {instancePath:instancePath+"/health/timeoutSeconds",schemaPath:"#/properties/health/properties/timeoutSeconds/type",keyword:"type",params:{type: "number"},message:"must be number",schema:schema11.properties.health.properties.timeoutSeconds.type,parentSchema:schema11.properties.health.properties.timeoutSeconds,data:data28};
if(vErrors === null){
vErrors = [err84];
}
else {
vErrors.push(err84);
}
errors++;
}
}
if(data25.failureThreshold !== undefined){
let data29 = data25.failureThreshold;
if(!(((typeof data29 == "number") && (!(data29 % 1) && !isNaN(data29))) && (isFinite(data29)))){
const err85 = {instancePath:instancePath+"/health/failureThreshold",schemaPath:"#/properties/health/properties/failureThreshold/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema11.properties.health.properties.failureThreshold.type,parentSchema:schema11.properties.health.properties.failureThreshold,data:data29};
if(vErrors === null){
vErrors = [err85];
}
else {
vErrors.push(err85);
}
errors++;
}
if((typeof data29 == "number") && (isFinite(data29))){
if(data29 > 100 || isNaN(data29)){
const err86 = {instancePath:instancePath+"/health/failureThreshold",schemaPath:"#/properties/health/properties/failureThreshold/maximum",keyword:"maximum",params:{comparison: "<=", limit: 100},message:"must be <= 100",schema:100,parentSchema:schema11.properties.health.properties.failureThreshold,data:data29};
if(vErrors === null){
vErrors = [err86];
}
else {
vErrors.push(err86);
}
errors++;
}
if(data29 < 1 || isNaN(data29)){
const err87 = {instancePath:instancePath+"/health/failureThreshold",schemaPath:"#/properties/health/properties/failureThreshold/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema11.properties.health.properties.failureThreshold,data:data29};
if(vErrors === null){
vErrors = [err87];
}
else {
vErrors.push(err87);
}
errors++;
}
}
}
if(data25.successThreshold !== undefined){
let data30 = data25.successThreshold;
if(!(((typeof data30 == "number") && (!(data30 % 1) && !isNaN(data30))) && (isFinite(data30)))){
const err88 = {instancePath:instancePath+"/health/successThreshold",schemaPath:"#/properties/health/properties/successThreshold/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema11.properties.health.properties.successThreshold.type,parentSchema:schema11.properties.health.properties.successThreshold,data:data30};
if(vErrors === null){
vErrors = [err88];
}
else {
vErrors.push(err88);
}
errors++;
}
if((typeof data30 == "number") && (isFinite(data30))){
if(data30 > 100 || isNaN(data30)){
const err89 = {instancePath:instancePath+"/health/successThreshold",schemaPath:"#/properties/health/properties/successThreshold/maximum",keyword:"maximum",params:{comparison: "<=", limit: 100},message:"must be <= 100",schema:100,parentSchema:schema11.properties.health.properties.successThreshold,data:data30};
if(vErrors === null){
vErrors = [err89];
}
else {
vErrors.push(err89);
}
errors++;
}
if(data30 < 1 || isNaN(data30)){
const err90 = {instancePath:instancePath+"/health/successThreshold",schemaPath:"#/properties/health/properties/successThreshold/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema11.properties.health.properties.successThreshold,data:data30};
if(vErrors === null){
vErrors = [err90];
}
else {
vErrors.push(err90);
}
errors++;
}
}
}
}
else {
const err91 = {instancePath:instancePath+"/health",schemaPath:"#/properties/health/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema11.properties.health.type,parentSchema:schema11.properties.health,data:data25};
if(vErrors === null){
vErrors = [err91];
}
else {
vErrors.push(err91);
}
errors++;
}
}
if(data.verify !== undefined){
let data31 = data.verify;
if(data31 && typeof data31 == "object" && !Array.isArray(data31)){
for(const key6 in data31){
if(!(((((((key6 === "enabled") || (key6 === "credentialsSecret")) || (key6 === "credentialsFile")) || (key6 === "ttlSeconds")) || (key6 === "budgetMilliseconds")) || (key6 === "caFile")) || (key6 === "insecureSkipVerify"))){
const err92 = {instancePath:instancePath+"/verify",schemaPath:"#/properties/verify/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key6},message:"must NOT have additional properties",schema:false,parentSchema:schema11.properties.verify,data:data31};
if(vErrors === null){
vErrors = [err92];
}
else {
vErrors.push(err92);
}
errors++;
}
}
if(data31.enabled !== undefined){
let data32 = data31.enabled;
if(typeof data32 !== "boolean"){
const err93 = {instancePath:instancePath+"/verify/enabled",schemaPath:"#/properties/verify/properties/enabled/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema11.properties.verify.properties.enabled.type,parentSchema:schema11.properties.verify.properties.enabled,data:data32};
if(vErrors === null){
vErrors = [err93];
}
else {
vErrors.push(err93);
}
errors++;
}
}
if(data31.credentialsSecret !== undefined){
let data33 = data31.credentialsSecret;
if(data33 && typeof data33 == "object" && !Array.isArray(data33)){
if(data33.namespace === undefined){
const err94 = {instancePath:instancePath+"/verify/credentialsSecret",schemaPath:"#/properties/verify/properties/credentialsSecret/required",keyword:"required",params:{missingProperty: "namespace"},message:"must have required property '"+"namespace"+"'",schema:schema11.properties.verify.properties.credentialsSecret.required,parentSchema:schema11.properties.verify.properties.credentialsSecret,data:data33};
if(vErrors === null){
vErrors = [err94];
}
else {
vErrors.push(err94);
}
errors++;
}
if(data33.name === undefined){
const err95 = {instancePath:instancePath+"/verify/credentialsSecret",schemaPath:"#/properties/verify/properties/credentialsSecret/required",keyword:"required",params:{missingProperty: "name"},message:"must have required property '"+"name"+"'",schema:schema11.properties.verify.properties.credentialsSecret.required,parentSchema:schema11.properties.verify.properties.credentialsSecret,data:data33};
if(vErrors === null){
vErrors = [err95];
}
else {
vErrors.push(err95);
}
errors++;
}
for(const key7 in data33){
if(!((key7 === "namespace") || (key7 === "name"))){
const err96 = {instancePath:instancePath+"/verify/credentialsSecret",schemaPath:"#/properties/verify/properties/credentialsSecret/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key7},message:"must NOT have additional properties",schema:false,parentSchema:schema11.properties.verify.properties.credentialsSecret,data:data33};
if(vErrors === null){
vErrors = [err96];
}
else {
vErrors.push(err96);
}
errors++;
}
}
if(data33.namespace !== undefined){
let data34 = data33.namespace;
if(typeof data34 === "string"){
if(func2(data34) > 63){
const err97 = {instancePath:instancePath+"/verify/credentialsSecret/namespace",schemaPath:"#/properties/verify/properties/credentialsSecret/properties/namespace/maxLength",keyword:"maxLength",params:{limit: 63},message:"must NOT have more than 63 characters",schema:63,parentSchema:schema11.properties.verify.properties.credentialsSecret.properties.namespace,data:data34};
if(vErrors === null){
vErrors = [err97];
}
else {
vErrors.push(err97);
}
errors++;
}
if(func2(data34) < 1){
const err98 = {instancePath:instancePath+"/verify/credentialsSecret/namespace",schemaPath:"#/properties/verify/properties/credentialsSecret/properties/namespace/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema11.properties.verify.properties.credentialsSecret.properties.namespace,data:data34};
if(vErrors === null){
vErrors = [err98];
}
else {
vErrors.push(err98);
}
errors++;
}
if(!pattern7.test(data34)){
const err99 = {instancePath:instancePath+"/verify/credentialsSecret/namespace",schemaPath:"#/properties/verify/properties/credentialsSecret/properties/namespace/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"},message:"must match pattern \""+"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"+"\"",schema:"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$",parentSchema:schema11.properties.verify.properties.credentialsSecret.properties.namespace,data:data34};
if(vErrors === null){
vErrors = [err99];
}
else {
vErrors.push(err99);
}
errors++;
}
}
else {
const err100 = {instancePath:instancePath+"/verify/credentialsSecret/namespace",schemaPath:"#/properties/verify/properties/credentialsSecret/properties/namespace/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema11.properties.verify.properties.credentialsSecret.properties.namespace.type,parentSchema:schema11.properties.verify.properties.credentialsSecret.properties.namespace,data:data34};
if(vErrors === null){
vErrors = [err100];
}
else {
vErrors.push(err100);
}
errors++;
}
}
if(data33.name !== undefined){
let data35 = data33.name;
if(typeof data35 === "string"){
if(func2(data35) > 253){
const err101 = {instancePath:instancePath+"/verify/credentialsSecret/name",schemaPath:"#/properties/verify/properties/credentialsSecret/properties/name/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters",schema:253,parentSchema:schema11.properties.verify.properties.credentialsSecret.properties.name,data:data35};
if(vErrors === null){
vErrors = [err101];
}
else {
vErrors.push(err101);
}
errors++;
}
if(func2(data35) < 1){
const err102 = {instancePath:instancePath+"/verify/credentialsSecret/name",schemaPath:"#/properties/verify/properties/credentialsSecret/properties/name/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema11.properties.verify.properties.credentialsSecret.properties.name,data:data35};
if(vErrors === null){
vErrors = [err102];
}
else {
vErrors.push(err102);
}
errors++;
}
if(!pattern4.test(data35)){
const err103 = {instancePath:instancePath+"/verify/credentialsSecret/name",schemaPath:"#/properties/verify/properties/credentialsSecret/properties/name/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"},message:"must match pattern \""+"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"+"\"",schema:"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",parentSchema:schema11.properties.verify.properties.credentialsSecret.properties.name,data:data35};
if(vErrors === null){
vErrors = [err103];
}
else {
vErrors.push(err103);
}
errors++;
}
}
else {
const err104 = {instancePath:instancePath+"/verify/credentialsSecret/name",schemaPath:"#/properties/verify/properties/credentialsSecret/properties/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema11.properties.verify.properties.credentialsSecret.properties.name.type,parentSchema:schema11.properties.verify.properties.credentialsSecret.properties.name,data:data35};
if(vErrors === null){
vErrors = [err104];
}
else {
vErrors.push(err104);
}
errors++;
}
}
}
else {
const err105 = {instancePath:instancePath+"/verify/credentialsSecret",schemaPath:"#/properties/verify/properties/credentialsSecret/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema11.properties.verify.properties.credentialsSecret.type,parentSchema:schema11.properties.verify.properties.credentialsSecret,data:data33};
if(vErrors === null){
vErrors = [err105];
}
else {
vErrors.push(err105);
}
errors++;
}
}
if(data31.credentialsFile !== undefined){
let data36 = data31.credentialsFile;
if(typeof data36 === "string"){
if(func2(data36) > 4096){
const err106 = {instancePath:instancePath+"/verify/credentialsFile",schemaPath:"#/properties/verify/properties/credentialsFile/maxLength",keyword:"maxLength",params:{limit: 4096},message:"must NOT have more than 4096 characters",schema:4096,parentSchema:schema11.properties.verify.properties.credentialsFile,data:data36};
if(vErrors === null){
vErrors = [err106];
}
else {
vErrors.push(err106);
}
errors++;
}
if(func2(data36) < 1){
const err107 = {instancePath:instancePath+"/verify/credentialsFile",schemaPath:"#/properties/verify/properties/credentialsFile/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema11.properties.verify.properties.credentialsFile,data:data36};
if(vErrors === null){
vErrors = [err107];
}
else {
vErrors.push(err107);
}
errors++;
}
}
else {
const err108 = {instancePath:instancePath+"/verify/credentialsFile",schemaPath:"#/properties/verify/properties/credentialsFile/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema11.properties.verify.properties.credentialsFile.type,parentSchema:schema11.properties.verify.properties.credentialsFile,data:data36};
if(vErrors === null){
vErrors = [err108];
}
else {
vErrors.push(err108);
}
errors++;
}
}
if(data31.ttlSeconds !== undefined){
let data37 = data31.ttlSeconds;
if((typeof data37 == "number") && (isFinite(data37))){
if(data37 > 86400 || isNaN(data37)){
const err109 = {instancePath:instancePath+"/verify/ttlSeconds",schemaPath:"#/properties/verify/properties/ttlSeconds/maximum",keyword:"maximum",params:{comparison: "<=", limit: 86400},message:"must be <= 86400",schema:86400,parentSchema:schema11.properties.verify.properties.ttlSeconds,data:data37};
if(vErrors === null){
vErrors = [err109];
}
else {
vErrors.push(err109);
}
errors++;
}
if(data37 < 1 || isNaN(data37)){
const err110 = {instancePath:instancePath+"/verify/ttlSeconds",schemaPath:"#/properties/verify/properties/ttlSeconds/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema11.properties.verify.properties.ttlSeconds,data:data37};
if(vErrors === null){
vErrors = [err110];
}
else {
vErrors.push(err110);
}
errors++;
}
}
else {
const err111 = {instancePath:instancePath+"/verify/ttlSeconds",schemaPath:"#/properties/verify/properties/ttlSeconds/type",keyword:"type",params:{type: "number"},message:"must be number",schema:schema11.properties.verify.properties.ttlSeconds.type,parentSchema:schema11.properties.verify.properties.ttlSeconds,data:data37};
if(vErrors === null){
vErrors = [err111];
}
else {
vErrors.push(err111);
}
errors++;
}
}
if(data31.budgetMilliseconds !== undefined){
let data38 = data31.budgetMilliseconds;
if(!(((typeof data38 == "number") && (!(data38 % 1) && !isNaN(data38))) && (isFinite(data38)))){
const err112 = {instancePath:instancePath+"/verify/budgetMilliseconds",schemaPath:"#/properties/verify/properties/budgetMilliseconds/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema11.properties.verify.properties.budgetMilliseconds.type,parentSchema:schema11.properties.verify.properties.budgetMilliseconds,data:data38};
if(vErrors === null){
vErrors = [err112];
}
else {
vErrors.push(err112);
}
errors++;
}
if((typeof data38 == "number") && (isFinite(data38))){
if(data38 > 10000 || isNaN(data38)){
const err113 = {instancePath:instancePath+"/verify/budgetMilliseconds",schemaPath:"#/properties/verify/properties/budgetMilliseconds/maximum",keyword:"maximum",params:{comparison: "<=", limit: 10000},message:"must be <= 10000",schema:10000,parentSchema:schema11.properties.verify.properties.budgetMilliseconds,data:data38};
if(vErrors === null){
vErrors = [err113];
}
else {
vErrors.push(err113);
}
errors++;
}
if(data38 < 1 || isNaN(data38)){
const err114 = {instancePath:instancePath+"/verify/budgetMilliseconds",schemaPath:"#/properties/verify/properties/budgetMilliseconds/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema11.properties.verify.properties.budgetMilliseconds,data:data38};
if(vErrors === null){
vErrors = [err114];
}
else {
vErrors.push(err114);
}
errors++;
}
}
}
if(data31.caFile !== undefined){
let data39 = data31.caFile;
if(typeof data39 === "string"){
if(func2(data39) > 4096){
const err115 = {instancePath:instancePath+"/verify/caFile",schemaPath:"#/properties/verify/properties/caFile/maxLength",keyword:"maxLength",params:{limit: 4096},message:"must NOT have more than 4096 characters",schema:4096,parentSchema:schema11.properties.verify.properties.caFile,data:data39};
if(vErrors === null){
vErrors = [err115];
}
else {
vErrors.push(err115);
}
errors++;
}
if(func2(data39) < 1){
const err116 = {instancePath:instancePath+"/verify/caFile",schemaPath:"#/properties/verify/properties/caFile/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema11.properties.verify.properties.caFile,data:data39};
if(vErrors === null){
vErrors = [err116];
}
else {
vErrors.push(err116);
}
errors++;
}
}
else {
const err117 = {instancePath:instancePath+"/verify/caFile",schemaPath:"#/properties/verify/properties/caFile/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema11.properties.verify.properties.caFile.type,parentSchema:schema11.properties.verify.properties.caFile,data:data39};
if(vErrors === null){
vErrors = [err117];
}
else {
vErrors.push(err117);
}
errors++;
}
}
if(data31.insecureSkipVerify !== undefined){
let data40 = data31.insecureSkipVerify;
if(typeof data40 !== "boolean"){
const err118 = {instancePath:instancePath+"/verify/insecureSkipVerify",schemaPath:"#/properties/verify/properties/insecureSkipVerify/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema11.properties.verify.properties.insecureSkipVerify.type,parentSchema:schema11.properties.verify.properties.insecureSkipVerify,data:data40};
if(vErrors === null){
vErrors = [err118];
}
else {
vErrors.push(err118);
}
errors++;
}
}
}
else {
const err119 = {instancePath:instancePath+"/verify",schemaPath:"#/properties/verify/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema11.properties.verify.type,parentSchema:schema11.properties.verify,data:data31};
if(vErrors === null){
vErrors = [err119];
}
else {
vErrors.push(err119);
}
errors++;
}
}
}
else {
const err120 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema11.type,parentSchema:schema11,data};
if(vErrors === null){
vErrors = [err120];
}
else {
vErrors.push(err120);
}
errors++;
}
validate10.errors = vErrors;
return errors === 0;
}

