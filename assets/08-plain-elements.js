/* npnru.PlainElements (dashboard/components/plain_elements.py): small blocks of text drawn by one React
 * component from plain data, so that a callback updates them with one property instead of new Dash
 * components. Props: `elements` (a list of elements or strings), `className` and `id` of the <div>.
 * An element is {tag, className, id, href, children}; only the tags below are drawn, text only: React
 * escapes it. A link's href must be a path within the dashboard ("/qualite"), else it is dropped. */
(function () {
    var h = window.React.createElement;
    var TAGS = { div: true, span: true, strong: true, small: true, p: true, q: true, ul: true, li: true, a: true };

    function internal(href) {
        return typeof href === "string" && /^\/(?!\/)[^:\\]*$/.test(href);
    }

    function draw(node, key) {
        if (typeof node === "string") {
            return node;
        }
        if (!node || typeof node !== "object" || !Object.prototype.hasOwnProperty.call(TAGS, node.tag)) {
            return null;
        }
        var attributes = {
            key: key,
            className: typeof node.className === "string" ? node.className : undefined,
            id: typeof node.id === "string" ? node.id : undefined,
        };
        if (node.tag === "a" && internal(node.href)) {
            attributes.href = node.href;
        }
        var children = Array.isArray(node.children) ? node.children.map(draw) : [];
        return h.apply(null, [node.tag, attributes].concat(children));
    }

    function PlainElements(props) {
        var elements = Array.isArray(props.elements) ? props.elements.map(draw) : [];
        return h.apply(
            null,
            ["div", { id: typeof props.id === "string" ? props.id : undefined, className: props.className }].concat(elements)
        );
    }

    window.npnru = Object.assign(window.npnru || {}, { PlainElements: PlainElements });
})();
