"""/docs: a self-contained page (no CDN; the machine may be offline). It asks for the
token, reads /openapi.json with it, lists every route with its schemas, and has a small
"try it" form per route. The token stays in this tab's sessionStorage.
"""

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Provider Studio automation API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:980px;padding:1.5em;
color:#222;background:#fafafa}
h1{font-size:1.4em}code,pre,textarea,input{font:12.5px ui-monospace,monospace}
details{background:#fff;border:1px solid #ddd;border-radius:6px;margin:.5em 0;padding:.4em .8em}
summary{cursor:pointer}.m{display:inline-block;width:4.2em;font-weight:600}
.GET{color:#1565c0}.POST{color:#2e7d32}pre{background:#f3f3f3;padding:.6em;overflow:auto;
max-height:22em}textarea{width:100%;min-height:8em}input.p{width:22em}
.out{white-space:pre-wrap}.muted{color:#777}
</style></head><body>
<h1>Provider Studio automation API</h1>
<p class="muted">Loopback only. Every route except <code>/health</code> and this page needs
<code>Authorization: Bearer &lt;token&gt;</code>; the token is in the app under Settings &gt;
Automation API, or printed by <code>studio-cli serve</code>.</p>
<p><label>Token <input id="token" type="password" class="p" autocomplete="off"></label>
<button id="load">Load routes</button> <span id="status" class="muted"></span></p>
<div id="ops"></div>
<script>
const $ = (t, a = {}, ...kids) => { const e = document.createElement(t);
  Object.assign(e, a); kids.forEach(k => e.append(k)); return e; };
const tokenBox = document.getElementById("token");
tokenBox.value = sessionStorage.getItem("studio-token") || "";
const headers = () => ({Authorization: "Bearer " + tokenBox.value.trim()});
function resolve(schema, doc, depth = 0) {
  if (!schema || depth > 6) return schema;
  if (schema.$ref) return resolve(doc.components.schemas[schema.$ref.split("/").pop()],
                                  doc, depth + 1);
  return schema;
}
function example(schema, doc) {
  schema = resolve(schema, doc);
  if (schema && schema.examples) return schema.examples[0];
  const out = {};
  for (const name of (schema && schema.required) || []) out[name] = "";
  return out;
}
function operation(path, method, op, doc) {
  const params = op.parameters || [];
  const inputs = {};
  const form = $("div");
  for (const p of params) {
    const hint = p.in + (p.required ? " (required)" : "");
    inputs[p.name] = $("input", {className: "p", placeholder: hint});
    form.append($("div", {}, $("label", {}, p.name + " "), inputs[p.name]));
  }
  const bodySchema = op.requestBody && op.requestBody.content["application/json"].schema;
  const body = bodySchema ? $("textarea") : null;
  if (body) { body.value = JSON.stringify(example(bodySchema, doc), null, 2); form.append(body); }
  const out = $("pre", {className: "out"});
  const send = $("button", {textContent: "Send"});
  send.onclick = async () => {
    let url = path; const query = new URLSearchParams();
    for (const p of params) {
      const v = inputs[p.name].value.trim(); if (!v) continue;
      if (p.in === "path") url = url.replace("{" + p.name + "}", encodeURIComponent(v));
      else query.set(p.name, v);
    }
    if ([...query].length) url += "?" + query;
    const init = {method: method.toUpperCase(), headers: headers()};
    if (body) { init.body = body.value; init.headers["Content-Type"] = "application/json"; }
    try {
      const r = await fetch(url, init);
      const type = r.headers.get("content-type") || "";
      out.textContent = r.status + " " + r.statusText + "\\n" + (type.includes("json")
        ? JSON.stringify(await r.json(), null, 2) : "(" + type + ", "
        + (await r.blob()).size + " bytes)");
    } catch (e) { out.textContent = String(e); }
  };
  const schemas = $("pre");
  const ok = Object.entries(op.responses).find(([c]) => c < "300");
  const okSchema = ok && ok[1].content && Object.values(ok[1].content)[0].schema;
  schemas.textContent = (bodySchema ? "Request: " + JSON.stringify(resolve(bodySchema, doc),
    null, 2) + "\\n\\n" : "") + "Response " + (ok ? ok[0] : "") + ": "
    + JSON.stringify(resolve(okSchema, doc) || "(no body)", null, 2);
  return $("details", {}, $("summary", {}, $("span", {className: "m " + method.toUpperCase(),
    textContent: method.toUpperCase()}), $("code", {textContent: path}), " " + op.summary),
    schemas, form, send, out);
}
async function load() {
  sessionStorage.setItem("studio-token", tokenBox.value.trim());
  const status = document.getElementById("status");
  const r = await fetch("/openapi.json", {headers: headers()});
  if (!r.ok) {
    status.textContent = r.status === 401 ? "Wrong token." : "Error " + r.status; return;
  }
  const doc = await r.json();
  const box = document.getElementById("ops"); box.replaceChildren();
  for (const [path, item] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(item)) box.append(operation(path, method, op, doc));
  status.textContent = Object.keys(doc.paths).length + " paths, schemas from /openapi.json";
}
document.getElementById("load").onclick = load;
if (tokenBox.value) load();
</script></body></html>
"""
