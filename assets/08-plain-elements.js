/* npnru.PlainElements (dashboard/components/plain_elements.py): small blocks of text drawn by one React
 * component from plain data, so that a callback updates them with one property instead of new Dash
 * components. Props: `elements` (a list of elements or strings), `className` and `id` of the <div>.
 * An element is {tag, className, id, href, background, accent, children}; only the tags below are
 * drawn, text only: React escapes it. A background and an accent (left border) are #rrggbb colours.
 * A link's href must be a path within the dashboard ("/qualite"), else it is dropped; it opens as
 * dcc.Link does, without reloading the page. */
(function () {
    var h = window.React.createElement;
    var TAGS = {
        div: true, span: true, strong: true, small: true, p: true, q: true, ul: true, li: true, a: true,
        h3: true, table: true, tbody: true, tr: true, td: true,
    };

    function colour(value) {
        return typeof value === "string" && /^#[0-9A-Fa-f]{6}$/.test(value);
    }

    function internal(href) {
        return typeof href === "string" && /^\/(?!\/)[^:\\]*$/.test(href);
    }

    // As dcc.Link: a plain click changes the address and lets Dash's router draw the page; with a
    // modifier key (new tab, new window) the browser does as usual.
    function navigate(event) {
        if (event.metaKey || event.shiftKey || event.altKey || event.ctrlKey || event.button !== 0) {
            return;
        }
        event.preventDefault();
        window.history.pushState({}, "", event.currentTarget.getAttribute("href"));
        window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
        window.scrollTo(0, 0);
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
            attributes.onClick = navigate;
        }
        var style = {};
        if (colour(node.background)) {
            style.backgroundColor = node.background;
        }
        if (colour(node.accent)) {
            style.borderLeftColor = node.accent;
        }
        if (style.backgroundColor || style.borderLeftColor) {
            attributes.style = style;
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
