// The reference: citeproc-js under node, used the way its manual shows, on CSL-JSON items.
// stdin: {"processor": path of citeproc_commonjs.js, "locale": path of locales-en-US.xml,
//         "styles": {label: path of a CSL file}, "cases": [{"item": CSL-JSON, "locator": str|null}]}
// stdout: [{label: {"bibliography": text, "citation": text}}] in the order of the cases.
const fs = require("fs");
const input = JSON.parse(fs.readFileSync(0, "utf8"));
const CSL = require(input.processor);
const locale = fs.readFileSync(input.locale, "utf8");
let current = {};
const sys = {
  retrieveLocale: (lang) => (lang === "en-US" ? locale : undefined),
  retrieveItem: (id) => current[id],
};
const engines = {};
for (const [label, path] of Object.entries(input.styles)) {
  engines[label] = new CSL.Engine(sys, fs.readFileSync(path, "utf8"), "en-US", true);
  engines[label].setOutputFormat("text");
}
const out = input.cases.map((c, i) => {
  const id = "case-" + i;
  current = {[id]: Object.assign({}, c.item, {id})};
  const result = {};
  for (const [label, engine] of Object.entries(engines)) {
    engine.updateItems([id]);
    const bib = engine.makeBibliography();
    const cite = {id};
    if (c.locator) Object.assign(cite, {locator: c.locator, label: "paragraph"});
    result[label] = {bibliography: bib ? bib[1].join("").replace(/\n$/, "") : "",
                     citation: engine.makeCitationCluster([cite])};
  }
  return result;
});
process.stdout.write(JSON.stringify(out));
