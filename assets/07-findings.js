/* npnru.Findings (dashboard/components/findings_list.py): the list of findings of /qualite, as a
 * Bootstrap accordion rendered by one React component from plain data, instead of about ten Dash
 * components per finding (each with its wrapper, re-rendered at every update of the page).
 *
 * Props: `items` (the collapsed findings: {id, badge, color, background, territory, measure, period,
 * rule, values}), `details` ({finding id: {stats: [[label, value]], message, description, facts:
 * [{role, territory, code, value, quote, section}]}}, filled by a callback), `active_item` (the
 * ids of the opened findings), `pending` (the opened ones without details yet: what the callback is
 * asked for), `highlight` (territory codes whose facts stand out: the selected ones), `loading_text`,
 * `empty_text` (shown in a light alert when there is no item), `className`, `id`. Text only: React
 * escapes it. */
(function () {
    var h = window.React.createElement;

    function text(value) {
        return value === undefined || value === null ? "" : String(value);
    }

    function list(value) {
        return Array.isArray(value) ? value : [];
    }

    function heading(item) {
        return [
            h(
                "span",
                {
                    key: "badge",
                    className: "badge finding-badge",
                    style: { backgroundColor: text(item.background) || "#8C8C8C", color: text(item.color) || undefined },
                },
                text(item.badge)
            ),
            h("span", { key: "territory", className: "fw-semibold ms-2" }, text(item.territory)),
            h("span", { key: "measure", className: "ms-1" }, text(item.measure)),
            h("span", { key: "period", className: "text-muted" }, text(item.period)),
            h(
                "span",
                { key: "values", className: "ms-auto ps-3 small text-muted text-nowrap d-none d-lg-inline" },
                h("span", { className: "finding-rule me-2" }, text(item.rule)),
                text(item.values)
            ),
        ];
    }

    function factsTable(facts, highlight) {
        var rows = list(facts).map(function (fact, index) {
            fact = fact || {};
            var selected = typeof fact.code === "string" && highlight.indexOf(fact.code) >= 0;
            return h(
                "tr",
                { key: index, className: selected ? "finding-fact-selected" : undefined },
                h("td", { className: "text-nowrap text-muted" }, text(fact.role)),
                h("td", { className: "text-nowrap" }, text(fact.territory)),
                h("td", { className: "text-end text-nowrap fw-semibold" }, text(fact.value)),
                h(
                    "td",
                    null,
                    h("q", { className: "quote" }, text(fact.quote)),
                    h("div", { className: "small text-muted" }, text(fact.section))
                )
            );
        });
        return h(
            "div",
            { className: "table-responsive" },
            h(
                "table",
                { className: "table table-sm small mb-0 finding-facts" },
                h(
                    "thead",
                    null,
                    h(
                        "tr",
                        null,
                        h("th", null, "Rôle"),
                        h("th", null, "Territoire"),
                        h("th", { className: "text-end" }, "Valeur imprimée"),
                        h("th", null, "Citation du rapport")
                    )
                ),
                h("tbody", null, rows)
            )
        );
    }

    function body(detail, loadingText, highlight) {
        if (!detail || typeof detail !== "object") {
            return h("div", { className: "finding-detail" }, h("div", { className: "small text-muted" }, text(loadingText)));
        }
        var stats = list(detail.stats).map(function (stat, index) {
            stat = list(stat);
            return h(
                "div",
                { key: index },
                h("div", { className: "kpi-label" }, text(stat[0])),
                h("div", { className: "finding-stat" }, text(stat[1]))
            );
        });
        return h(
            "div",
            { className: "finding-detail finding-detail-loaded" },
            h("div", { className: "d-flex flex-wrap gap-4 mb-2" }, stats),
            h("p", { className: "mb-1" }, text(detail.message)),
            h("p", { className: "small text-muted mb-2" }, text(detail.description)),
            factsTable(detail.facts, highlight)
        );
    }

    function Findings(props) {
        var items = list(props.items);
        var active = list(props.active_item);
        var details = props.details && typeof props.details === "object" ? props.details : {};
        var highlight = list(props.highlight).filter(function (code) { return typeof code === "string"; });

        function toggle(id) {
            var opened = active.indexOf(id) >= 0
                ? active.filter(function (other) { return other !== id; })
                : active.concat([id]);
            var update = { active_item: opened };
            var missing = opened.filter(function (other) { return !details[other]; });
            if (missing.length) {
                update.pending = missing;
            }
            props.setProps(update);
        }

        var children = items.map(function (item) {
            item = item || {};
            var id = text(item.id);
            var open = active.indexOf(id) >= 0;
            return h(
                "div",
                { key: id, className: "accordion-item", "data-finding": id },
                h(
                    "h2",
                    { className: "accordion-header" },
                    h(
                        "button",
                        {
                            type: "button",
                            className: "accordion-button" + (open ? "" : " collapsed"),
                            "aria-expanded": open ? "true" : "false",
                            onClick: function () { toggle(id); },
                        },
                        h("div", { className: "d-flex w-100 align-items-center me-2" }, heading(item))
                    )
                ),
                open
                    ? h(
                          "div",
                          { className: "accordion-collapse collapse show" },
                          h("div", { className: "accordion-body" }, body(details[id], props.loading_text, highlight))
                      )
                    : null
            );
        });
        var content = children.length || !text(props.empty_text)
            ? h("div", { className: "accordion findings-accordion" }, children)
            : h("div", { className: "alert alert-light mb-0", role: "alert" }, text(props.empty_text));
        return h(
            "div",
            { id: typeof props.id === "string" ? props.id : undefined, className: text(props.className) || undefined },
            content
        );
    }

    window.npnru = Object.assign(window.npnru || {}, { Findings: Findings });
})();
