/* npnru.Table (dashboard/components/table.py): a read-only table rendered by one React component from
 * plain data, instead of one Dash component (and its wrapper, re-rendered at every update of the page)
 * per cell. Props: `head` (rows of cells), `rows` ({cells, className, region}), `className` (of the
 * <table>), `id`. A cell is {text, className, colSpan, rowSpan, strong, quote}; text only: React
 * escapes it. */
(function () {
    var h = window.React.createElement;

    function content(cell) {
        var parts = [];
        if (cell.quote !== undefined && cell.quote !== null) {
            parts.push(h("q", { key: "q", className: "quote" }, String(cell.quote)));
        }
        if (cell.text !== undefined && cell.text !== null) {
            var text = String(cell.text);
            parts.push(cell.strong ? h("strong", { key: "t" }, text) : text);
        }
        return parts;
    }

    function cells(tag, list) {
        return (Array.isArray(list) ? list : []).map(function (cell, index) {
            cell = cell || {};
            var attributes = {
                key: index,
                className: typeof cell.className === "string" ? cell.className : undefined,
                colSpan: Number.isInteger(cell.colSpan) ? cell.colSpan : undefined,
                rowSpan: Number.isInteger(cell.rowSpan) ? cell.rowSpan : undefined,
            };
            return h.apply(null, [tag, attributes].concat(content(cell)));
        });
    }

    function Table(props) {
        var head = (Array.isArray(props.head) ? props.head : []).map(function (row, index) {
            return h("tr", { key: index }, cells("th", row));
        });
        var body = (Array.isArray(props.rows) ? props.rows : []).map(function (row, index) {
            row = row || {};
            var attributes = { key: index, className: typeof row.className === "string" ? row.className : undefined };
            if (typeof row.region === "string") {
                attributes["data-region"] = row.region;
            }
            return h("tr", attributes, cells("td", row.cells));
        });
        var id = typeof props.id === "string" ? props.id : undefined;
        return h(
            "div",
            { id: id, className: "table-responsive" },
            h("table", { className: props.className }, head.length ? h("thead", null, head) : null, h("tbody", null, body))
        );
    }

    window.npnru = Object.assign(window.npnru || {}, { Table: Table });
})();
