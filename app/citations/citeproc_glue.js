// The archive's glue around citeproc-js (app/citations/citeproc_js.py loads it after the processor).
// One engine per style, each entry rendered alone (no disambiguation against other entries),
// plain-text output. Locale: en-US only (LOCALE.en-US).
var ARCHIVE = (function () {
  var items = {}, engines = {}, styles = {}, locales = {}, serial = 0;
  var sys = {
    retrieveLocale: function (lang) { return locales[lang]; },
    retrieveItem: function (id) { return items[id]; }
  };
  function engine(name) {
    if (!engines[name]) {
      var e = new CSL.Engine(sys, styles[name], "en-US", true);
      e.setOutputFormat("text");
      engines[name] = e;
    }
    return engines[name];
  }
  function clusterText(e, cite) {
    return e.makeCitationCluster([cite]);
  }
  return {
    addLocale: function (lang, xml) { locales[lang] = xml; return true; },
    addStyle: function (name, xml) { styles[name] = xml; delete engines[name]; return true; },
    warm: function (name) { engine(name); return true; },
    // -> JSON {bibliography, citation, located}: the bibliography entry, the citation (note or
    // in-text) and, when a locator is given, the citation with it (label: a CSL locator term).
    render: function (name, itemJson, locator, label) {
      // a new id each time: the engine's registry keeps what it rendered for an id it knows
      var item = JSON.parse(itemJson), id = "item-" + (serial += 1);
      item.id = id;
      items = {};
      items[id] = item;
      var e = engine(name);
      e.updateItems([id]);
      var bib = e.makeBibliography();
      var out = {bibliography: bib ? bib[1].join("") : "", citation: clusterText(e, {id: id}), located: null};
      if (locator) out.located = clusterText(e, {id: id, locator: locator, label: label});
      return JSON.stringify(out);
    }
  };
})();
