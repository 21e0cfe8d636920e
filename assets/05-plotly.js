/* plotly.js for the charts: a third of the full bundle, and already downloaded when the first chart needs it.
 *
 * Dash loads plotly.js lazily: only when the first dcc.Graph mounts, i.e. once the page content came back
 * from the server, does it add a <script> for the full bundle (4.8 MB), whose download and compilation (1 to
 * 1.5 s of main thread on this hardware) then delay every first page load. Instead the index page preloads,
 * at low priority, the partial bundle of the same plotly.js version with the trace types the figures use
 * (<link id="plotly-bundle" rel="preload">, see dashboard/app.py), and the first graph runs that one. A page
 * without charts never runs it.
 *
 * dcc.Graph takes `window.Plotly` when it is set. Until the bundle has run, `window.Plotly` is a thenable
 * that runs it, so that the graph waits for this bundle instead of adding the full one. Should the partial
 * bundle fail to load, the full one Dash would have used (window._dashPlotlyJSURL) is loaded instead. */
(function () {
    var link = document.getElementById("plotly-bundle");
    if (!link || window.Plotly) {
        return; // no bundle preloaded: Dash's own lazy loading applies
    }
    var loading = null;

    function inject(src) {
        return new Promise(function (resolve, reject) {
            var script = document.createElement("script");
            script.src = src;
            script.async = true;
            script.onload = function () {
                resolve();
            };
            script.onerror = function () {
                reject(new Error("plotly.js did not load: " + src));
            };
            document.head.appendChild(script);
        });
    }

    function settle(value) {
        // The bundle ends with `window.Plotly = Plotly`: from then on a plain property.
        Object.defineProperty(window, "Plotly", { value: value, writable: true, configurable: true, enumerable: true });
    }

    function loaded() {
        var property = Object.getOwnPropertyDescriptor(window, "Plotly");
        if (!property || !("value" in property) || !property.value) {
            throw new Error("plotly.js did not define window.Plotly");
        }
        skipNoOpResizes(property.value);
        drawEachFigureOnce(property.value);
    }

    /* A page's update callback answers every chart of the page, and dcc.Graph hands each new figure
     * to Plotly.react, which redraws the whole chart (a new data array is new data to plotly.js) even
     * when the figure is the one already drawn, e.g. the /suivi charts other than the flows one when
     * "par an" is picked. A figure the server marked with a revision (`layout.datarevision`, a
     * digest of its content: components/chart_card.py `with_revision`) that is, in full, the one the
     * chart was last drawn from (data, layout and config, compared as JSON before plotly.js sees
     * them) is not drawn again. Anything else goes through: a figure changed in the browser keeps
     * its revision (presentation mode resizes charts through their figure), and is drawn.
     *
     * A figure that is drawn is laid out afresh: plotly.js keeps, from the chart's previous draw, the
     * room each margin pusher (axis labels with `automargin`, the legend) asked for, lays the new
     * figure out with it, and once the new labels and legend are drawn finds the margins changed and
     * draws the whole chart a second time. That happened at each filter change that shortens the
     * labels or changes the chart's height (every /prets territory chart on a region pick). Forgetting
     * it (`_fullLayout._pushmargin`, rebuilt by every draw) starts from the figure's own margins, as
     * a first draw does: the same drawing, once, and a second pass only where the new labels
     * overflow them (the server sizes them: figures/label_width.py). */
    function drawEachFigureOnce(Plotly) {
        var react = Plotly && Plotly.react;
        if (typeof react !== "function" || react.npnruSkipsUnchanged) {
            return;
        }
        Plotly.react = function (gd, data, layout, config) {
            var node = typeof gd === "string" ? document.getElementById(gd) : gd;
            var figure = data && typeof data === "object" && !Array.isArray(data)
                ? data
                : { data: data, layout: layout, config: config };
            var revision = figure.layout && figure.layout.datarevision;
            var frames = figure.frames && figure.frames.length;
            var drawn = null;
            if (typeof revision === "string" && revision && !frames) {
                try {
                    drawn = JSON.stringify([figure.data, figure.layout, figure.config || null]);
                } catch (error) {
                    drawn = null; // not JSON (a cycle): always drawn
                }
            }
            if (drawn !== null && node && node._fullLayout && node.npnruDrawnFigure === drawn) {
                return Promise.resolve(node);
            }
            if (node) {
                node.npnruDrawnFigure = drawn;
                if (node._fullLayout && node._fullLayout._pushmargin) {
                    node._fullLayout._pushmargin = {};
                }
            }
            return react.apply(this, arguments);
        };
        Plotly.react.npnruSkipsUnchanged = true;
    }

    /* dcc.Graph asks plotly.js to resize a chart after its first draw and whenever its box changes
     * size, which it does each time a callback gives the chart a new height (the box follows the
     * figure: components/chart_card.py). plotly.js waits 100 ms, then relayouts the chart at the
     * size of its box: the size it was just drawn at. A resize to the current size is answered at
     * once instead; any other (window, card, presentation mode) goes through. */
    function skipNoOpResizes(Plotly) {
        var plots = Plotly && Plotly.Plots;
        if (!plots || typeof plots.resize !== "function" || plots.resize.npnruSkipsNoOp) {
            return;
        }
        var resize = plots.resize;
        plots.resize = function (gd) {
            var node = typeof gd === "string" ? document.getElementById(gd) : gd;
            var full = node && node._fullLayout;
            if (full && node.offsetParent !== null && !node._redrawTimer) {
                var style = window.getComputedStyle(node);
                var width = parseFloat(style.width);
                var height = parseFloat(style.height);
                if (Math.abs(width - full.width) < 1 && Math.abs(height - full.height) < 1) {
                    return Promise.resolve(node);
                }
            }
            return resize.apply(this, arguments);
        };
        plots.resize.npnruSkipsNoOp = true;
    }

    function load() {
        if (!loading) {
            loading = inject(link.href)
                .then(loaded)
                .catch(function () {
                    settle(undefined);
                    return inject(window._dashPlotlyJSURL).then(loaded);
                });
        }
        return loading;
    }

    var pending = {
        then: function (onLoaded, onFailed) {
            return load().then(onLoaded, onFailed);
        },
    };
    Object.defineProperty(window, "Plotly", {
        configurable: true,
        enumerable: true,
        get: function () {
            return pending;
        },
        set: settle,
    });
})();
