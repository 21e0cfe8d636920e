/* The browser's own String.prototype.trim (and its variants), parseInt and parseFloat, back in place of
 * those of Dash's polyfill bundle.
 *
 * Dash serves the Babel polyfill (core-js 2) ahead of every script. core-js replaces these functions in
 * any browser that does not count U+180E as white space, as no current browser does (Unicode 6.3 took
 * it out), with versions built on two regular-expression replacements. plotly.js calls them at every
 * attribute and style it reads: they took a tenth of the time of drawing a chart. Assets run after the
 * polyfill; a blank frame, which the polyfill never ran in, lends the native functions. Each one is
 * put back only if it is core-js's (it trims U+180E, the native one does not). */
(function () {
    var MVS = "\u180e";
    var replaced = {
        trim: MVS.trim && MVS.trim() !== MVS,
        parseInt: parseInt(MVS + "08", 10) === 8,
        parseFloat: parseFloat(MVS + "1.5") === 1.5,
    };
    if (!(replaced.trim || replaced.parseInt || replaced.parseFloat) || !document.body) {
        return; // nothing replaced (no polyfill), or no document to borrow from
    }
    var frame = document.createElement("iframe");
    frame.style.display = "none";
    frame.setAttribute("aria-hidden", "true");
    document.body.appendChild(frame);
    try {
        var native = frame.contentWindow;
        if (!native) {
            return;
        }
        var put = function (target, name, value) {
            if (typeof value === "function") {
                Object.defineProperty(target, name, { value: value, writable: true, configurable: true, enumerable: false });
            }
        };
        if (replaced.trim && native.String.prototype.trim.call(MVS + " x ") === MVS + " x") {
            ["trim", "trimStart", "trimEnd", "trimLeft", "trimRight"].forEach(function (name) {
                if (name in String.prototype) {
                    put(String.prototype, name, native.String.prototype[name]);
                }
            });
        }
        if (replaced.parseInt && isNaN(native.parseInt(MVS + "08", 10))) {
            put(window, "parseInt", native.parseInt);
            put(Number, "parseInt", native.parseInt);
        }
        if (replaced.parseFloat && isNaN(native.parseFloat(MVS + "1.5"))) {
            put(window, "parseFloat", native.parseFloat);
            put(Number, "parseFloat", native.parseFloat);
        }
    } finally {
        document.body.removeChild(frame);
    }
})();
