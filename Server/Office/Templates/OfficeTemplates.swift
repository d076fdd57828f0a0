import Mustache

/// The dashboard's Mustache templates, kept in the binary so that a copied
/// `kam-server` serves its pages with no files beside it. Every value is
/// HTML-escaped by `{{…}}`; nothing is built as HTML by hand.
enum OfficeTemplates {
    /// Every template by name, parsed once.
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        let all: [String: String] = [
            "head": head, "header": header, "footer": footer, "bars": bars, "pyramid-chart": pyramidChart,
            "sign-in": signIn, "error": error, "pipeline": pipeline, "accounts": accounts, "account": account,
            "pyramid": pyramid, "movements": movements, "declining": declining, "risks": risks, "complaints": complaints,
        ]
        for (name, text) in all {
            // The templates are part of the program: one that does not parse is a bug caught by the first test.
            try! library.register(text, named: name)
        }
        return library
    }()

    /// The document's head, for every page: `title` names the page.
    static let head = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · kam office</title>
        <link rel="icon" href="data:,">
        <link rel="stylesheet" href="/office/static/office.css">
        </head>
        <body>
        """

    /// The top of every signed-in page: `chrome` is a ``OfficeChrome``.
    static let header = """
        {{> head}}
        <header class="top">
        <a class="brand" href="/office/">kam office</a>
        <nav>{{#nav}}<a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a>{{/nav}}</nav>
        <form method="post" action="/office/sign-out" class="signout"><span class="who">{{user}} · {{role}}</span><button class="plain" type="submit">Sign out</button></form>
        </header>
        <main>
        <h1>{{title}}</h1>
        """

    static let footer = """
        </main>
        </body>
        </html>
        """

    /// A bar chart: `chart` is a ``BarChart``.
    static let bars = """
        <figure class="chart">
        <svg viewBox="0 0 {{width}} {{height}}" role="img" aria-label="{{title}}" xmlns="http://www.w3.org/2000/svg">
        <title>{{title}}</title>
        {{#gridLines}}<line class="grid" x1="{{x1}}" y1="{{y}}" x2="{{x2}}" y2="{{y}}"/><text class="axis" x="{{labelX}}" y="{{labelY}}" text-anchor="end">{{label}}</text>
        {{/gridLines}}
        {{#bars}}<rect class="bar {{kind}}" x="{{x}}" y="{{y}}" width="{{width}}" height="{{height}}"><title>{{label}}: {{value}}</title></rect>
        <text class="value" x="{{centerX}}" y="{{valueY}}" text-anchor="middle">{{value}}</text>
        <text class="label" x="{{centerX}}" y="{{labelY}}" text-anchor="middle">{{label}}</text>
        {{/bars}}
        </svg>
        <figcaption>{{title}}</figcaption>
        </figure>
        """

    /// The value pyramid: `chart` is a ``PyramidChart``.
    static let pyramidChart = """
        <figure class="chart pyramid">
        <svg viewBox="0 0 {{width}} {{height}}" role="img" aria-label="{{title}}" xmlns="http://www.w3.org/2000/svg">
        <title>{{title}}</title>
        {{#layers}}<polygon class="tier {{tier}}" points="{{points}}"><title>{{tier}}: {{accounts}} accounts, {{sales}}</title></polygon>
        <text class="tier-label" x="{{textX}}" y="{{textY}}" text-anchor="middle">{{tier}} · {{accounts}} · {{sales}}</text>
        {{/layers}}
        </svg>
        <figcaption>{{title}}</figcaption>
        </figure>
        """

    static let error = """
        {{#chrome}}{{> header}}{{/chrome}}
        <p class="error">{{message}}</p>
        <p><a href="/office/">Back to the pipeline</a></p>
        {{> footer}}
        """

    static let signIn = """
        {{> head}}
        <main class="signin">
        <h1>kam office</h1>
        <p class="muted">The merged picture of every key account, read-only. Sign in with your kam token once; the browser keeps a session for a working day.</p>
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        <form method="post" action="/office/sign-in">
        <label for="token">Token</label>
        <input id="token" name="token" type="password" autocomplete="off" placeholder="kam_…" required autofocus>
        <input type="hidden" name="next" value="{{next}}">
        <p><button type="submit">Sign in</button></p>
        </form>
        <p class="muted">No token? An administrator makes one with <code>kam-server user add NAME --role office</code>.</p>
        </main>
        </body>
        </html>
        """
}
