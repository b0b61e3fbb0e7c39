// A long statement is shown 500 paragraphs a page (?page=k). A link to #pN made before
// that (or by hand) for a paragraph on another page is sent on to that page's anchor.
(function () {
  function follow() {
    var m = /^#p(\d+)$/.exec(location.hash);
    if (!m || document.getElementById("p" + m[1])) return;
    var nav = document.querySelector("nav[data-per-page]");
    if (!nav) return;
    var page = Math.floor((Number(m[1]) - 1) / Number(nav.dataset.perPage)) + 1;
    if (page > Number(nav.dataset.pages)) return;
    var url = new URL(location.href);
    if (page > 1) url.searchParams.set("page", String(page)); else url.searchParams.delete("page");
    location.replace(url.pathname + url.search + location.hash);
  }
  follow();
  window.addEventListener("hashchange", follow);
})();
