/* The browser's own String.prototype.trim, back in place of the one of Dash's polyfill bundle.
 *
 * Dash serves the Babel polyfill (core-js 2) ahead of every script. core-js replaces `trim` in any browser
 * that does not count U+180E as white space, as no current browser does (Unicode 6.3 took it out), with a
 * version made of two regular-expression replacements. plotly.js calls `trim` at every attribute it reads:
 * that replacement alone took a tenth of the time of drawing a chart. Assets run after the polyfill; a
 * blank frame, which the polyfill never ran in, lends the native function. */
(function () {
    if ("\u180e".trim() === "\u180e" || !document.body) {
        return; // the native trim is in place (no polyfill), or no document to borrow it from
    }
    var frame = document.createElement("iframe");
    frame.style.display = "none";
    frame.setAttribute("aria-hidden", "true");
    document.body.appendChild(frame);
    try {
        var native = frame.contentWindow && frame.contentWindow.String.prototype.trim;
        if (typeof native === "function" && native.call("\u180e x ") === "\u180e x") {
            Object.defineProperty(String.prototype, "trim", {
                value: native,
                writable: true,
                configurable: true,
                enumerable: false,
            });
        }
    } finally {
        document.body.removeChild(frame);
    }
})();
