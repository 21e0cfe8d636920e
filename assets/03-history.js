/* Back/forward between two states of the same page (only the query string, i.e. the filters,
 * differs): reload the page so that its layout is rebuilt from the URL. A change of page is left
 * to Dash's router. The filters callback keeps window.__npnruPath up to date when it pushes a URL. */
(function () {
    window.__npnruPath = window.location.pathname;
    window.addEventListener("popstate", function () {
        if (window.location.pathname === window.__npnruPath) {
            window.location.reload();
        } else {
            window.__npnruPath = window.location.pathname;
        }
    });
})();
