/* Presentation mode (navbar switch): the `presentation` class on <body> hides the controls and
 * enlarges the type (assets/02-dashboard.css), and every chart is redrawn in a 16:9 box as wide as
 * its card allows (CSS caps that width so that the box fits the screen height).
 *
 * A chart is resized through its Dash `figure` prop (dash_clientside.set_props), never behind
 * Dash's back: the figures place their title and legend at fixed pixel distances computed for
 * their own height (figures/theme.py `frame`), so those are moved to hold at the new height, as
 * the slide export does (dashboard/presentation/render.py `export_figure`). The original geometry
 * travels in `layout.meta.npnruOwn`; leaving the mode puts it back. Charts displayed or replaced
 * later (another page, a filter change) are fitted as they appear. */
(function () {
    var CLASS = "presentation";
    // Thickest bar, as a share of the chart height (as MAX_BAR_SHARE in presentation/render.py).
    var MAX_BAR = 0.14;

    function active() {
        return document.body.classList.contains(CLASS);
    }

    function figureOf(id) {
        // The `figure` prop of a graph, from the Dash store (what set_props itself updates).
        var stores = window.dash_stores;
        if (!stores || !stores.length) {
            return null;
        }
        var state = stores[0].getState();
        var path = state.paths && state.paths.strs && state.paths.strs[id];
        if (!path) {
            return null;
        }
        var node = state.layout;
        for (var i = 0; i < path.length && node; i++) {
            node = node[path[i]];
        }
        return node && node.props ? node.props.figure : null;
    }

    function marker(layout) {
        return layout && layout.meta && typeof layout.meta === "object" ? layout.meta.npnruOwn : null;
    }

    function copy(object) {
        return Object.assign({}, object || {});
    }

    function fitted(figure, width, height) {
        var layout = copy(figure.layout);
        var own = {
            width: layout.width === undefined ? null : layout.width,
            height: layout.height || 450,
            autosize: layout.autosize === undefined ? null : layout.autosize,
            titleY: layout.title ? layout.title.y : undefined,
            legendY: layout.legend ? layout.legend.y : undefined,
        };
        var margin = layout.margin || {};
        var vertical = (margin.t || 0) + (margin.b || 0);
        layout.width = width;
        layout.height = height;
        layout.autosize = false;
        if (typeof own.titleY === "number") {
            layout.title = copy(layout.title);
            layout.title.y = 1 - ((1 - own.titleY) * own.height) / height;
        }
        if (typeof own.legendY === "number" && own.legendY < 0) {
            layout.legend = copy(layout.legend);
            layout.legend.y = (own.legendY * Math.max(own.height - vertical, 1)) / Math.max(height - vertical, 1);
        }
        // Few horizontal bars stretched over a screen would draw slabs: widen the gaps instead.
        var data = figure.data || [];
        var bars = data.filter(function (t) {
            return t.type === "bar" && t.orientation === "h" && Array.isArray(t.y);
        });
        if (bars.length && bars.length === data.length && !layout.xaxis2) {
            var categories = {};
            bars.forEach(function (t) {
                t.y.forEach(function (y) {
                    categories[String(y)] = true;
                });
            });
            var gap = 1 - (MAX_BAR * height * Object.keys(categories).length) / Math.max(height - vertical, 1);
            var current = typeof layout.bargap === "number" ? layout.bargap : 0.2;
            if (gap > current) {
                own.bargap = layout.bargap === undefined ? null : layout.bargap;
                layout.bargap = Math.min(gap, 0.75);
            }
        }
        layout.meta = Object.assign(copy(layout.meta), { npnruOwn: own, npnruSize: width + "x" + height });
        return Object.assign(copy(figure), { layout: layout });
    }

    function restored(figure) {
        var layout = copy(figure.layout);
        var own = marker(layout);
        ["width", "autosize", "bargap"].forEach(function (key) {
            if (own[key] === undefined) {
                return;
            }
            if (own[key] === null) {
                delete layout[key];
            } else {
                layout[key] = own[key];
            }
        });
        layout.height = own.height;
        if (typeof own.titleY === "number") {
            layout.title = copy(layout.title);
            layout.title.y = own.titleY;
        }
        if (typeof own.legendY === "number") {
            layout.legend = copy(layout.legend);
            layout.legend.y = own.legendY;
        }
        layout.meta = copy(layout.meta);
        delete layout.meta.npnruOwn;
        delete layout.meta.npnruSize;
        return Object.assign(copy(figure), { layout: layout });
    }

    function each(action) {
        var api = window.dash_clientside;
        if (!api || !api.set_props) {
            return;
        }
        document.querySelectorAll(".chart-card .dash-graph[id]").forEach(function (graph) {
            var figure = figureOf(graph.id);
            if (figure && figure.layout) {
                var next = action(graph, figure);
                if (next) {
                    // The graph's box has the figure's height (components/chart_card.py): both change.
                    api.set_props(graph.id, { figure: next, style: { height: next.layout.height + "px" } });
                }
            }
        });
    }

    function fit(graph, figure) {
        var width = Math.round(graph.getBoundingClientRect().width);
        if (width < 50) {
            return null;
        }
        var height = Math.round((width * 9) / 16);
        var own = marker(figure.layout);
        if (own) {
            if (figure.layout.meta.npnruSize === width + "x" + height) {
                return null;
            }
            figure = restored(figure);
        }
        return fitted(figure, width, height);
    }

    function unfit(graph, figure) {
        return marker(figure.layout) ? restored(figure) : null;
    }

    window.npnruPresentation = function (state) {
        document.body.classList.toggle(CLASS, state);
        // The CSS change resizes the cards first; measure them on the next frame.
        window.requestAnimationFrame(function () {
            each(state ? fit : unfit);
        });
    };

    var pending = false;
    function refit() {
        if (pending || !active()) {
            return;
        }
        pending = true;
        window.setTimeout(function () {
            pending = false;
            if (active()) {
                each(fit);
            }
        }, 150);
    }
    new MutationObserver(refit).observe(document.documentElement, { childList: true, subtree: true });
    window.addEventListener("resize", refit);
})();
