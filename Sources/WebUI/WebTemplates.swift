import Foundation
import Mustache
import Reports

/// The pages' Mustache templates, compiled once. They are part of the program (no files to
/// install): every value is escaped by `ReportHTML.escape` (`VIGIL_HTML`), and the only
/// unescaped values (`{{{…}}}`) are HTML the program built itself.
struct WebTemplates: Sendable {
    let library: MustacheLibrary

    /// HTML escaping that also replaces control characters, which HTML text may not hold.
    struct Escaping: MustacheContentType {
        func escapeText(_ text: String) -> String { ReportHTML.escape(text) }
    }

    init() {
        MustacheContentTypes.register(Escaping(), named: "VIGIL_HTML")
        var library = MustacheLibrary()
        for (name, text) in Self.sources {
            do {
                try library.register("{{% CONTENT_TYPE: VIGIL_HTML}}" + text, named: name)
            } catch {
                preconditionFailure("template \(name) does not parse: \(error)")
            }
        }
        self.library = library
    }

    /// A page: the body template rendered with its values, inside the layout.
    func page(_ template: String, _ values: Any, chrome: PageChrome) -> String {
        let body = library.render(values, withTemplate: template) ?? ""
        return library.render(LayoutValues(chrome: chrome, body: body), withTemplate: "layout") ?? ""
    }

    struct LayoutValues {
        var chrome: PageChrome
        var body: String
    }

    static let sources: [(String, String)] = [
        ("layout", layout), ("login", login), ("cases", cases), ("case", casePage), ("findings", findings), ("findings-block", findingsBlock),
        ("intel", intel), ("intel-object", intelObject), ("search", search), ("error", error),
    ]

    static let layout = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{#chrome}}{{#tlp}}{{label}} · {{/tlp}}{{title}}{{/chrome}} · Vigil</title>
        <style>
        {{{chrome.style}}}</style>
        </head>
        <body>
        {{#chrome}}
        {{#tlp}}{{{top}}}{{/tlp}}
        <nav class="bar" aria-label="Vigil">
        <p class="brand"><a href="/ui/">Vigil</a></p>
        {{#user}}
        <ul>
        <li><a href="/ui/"{{#onCases}} class="current"{{/onCases}}>Cases{{#onCases}}<span class="visually-hidden"> (this part)</span>{{/onCases}}</a></li>
        <li><a href="/ui/intel"{{#onIntel}} class="current"{{/onIntel}}>Intel{{#onIntel}}<span class="visually-hidden"> (this part)</span>{{/onIntel}}</a></li>
        </ul>
        <form class="search" role="search" action="/ui/search" method="get">
        <label for="search-text">Search cases and intel</label>
        <input id="search-text" name="q" type="search" value="{{query}}" maxlength="200">
        <button type="submit">Search</button>
        </form>
        <form class="account" action="/ui/logout" method="post">
        <p>{{user}} · clearance {{clearance}}</p>
        <input type="hidden" name="csrf" value="{{csrf}}">
        <button type="submit">Sign out</button>
        </form>
        {{/user}}
        </nav>
        {{/chrome}}
        <main id="content">
        {{{body}}}
        </main>
        {{#chrome.tlp}}{{{bottom}}}{{/chrome.tlp}}
        </body>
        </html>

        """

    static let login = """
        <h1>Sign in</h1>
        {{#problem}}<p class="problem" role="alert">{{problem}}</p>{{/problem}}
        <form class="login" action="/ui/login" method="post">
        <input type="hidden" name="next" value="{{next}}">
        <p><label for="login-user">User name</label><br><input id="login-user" name="user" autocomplete="username" required maxlength="200" value="{{user}}"></p>
        <p><label for="login-password">Password</label><br><input id="login-password" name="password" type="password" autocomplete="current-password" required maxlength="1000"></p>
        <p><button type="submit">Sign in</button></p>
        </form>
        <p class="note">The same users as the TAXII server (<code>vigil users add</code>).</p>

        """

    static let cases = """
        <h1>Cases</h1>
        {{#empty}}<p>No case you may see. Cases are made by <code>vigil investigate</code> and <code>vigil case new</code>.</p>{{/empty}}
        {{^empty}}
        <div class="scroll"><table id="cases">
        <caption>{{count}} case{{plural}} within your clearance</caption>
        <thead><tr><th scope="col">Case</th><th scope="col">TLP</th><th scope="col">Findings</th><th scope="col">Created</th><th scope="col">Description</th></tr></thead>
        <tbody>
        {{#rows}}<tr><th scope="row"><a href="{{href}}">{{name}}</a></th><td><span class="chip" style="{{tlpStyle}}">{{tlp}}</span></td><td class="number">{{findings}}</td><td>{{created}}</td><td>{{description}}</td></tr>
        {{/rows}}
        </tbody>
        </table></div>
        {{/empty}}

        """

    static let casePage = """
        <h1>Case {{name}}</h1>
        <p class="meta">Marked {{tlp}} · created {{created}} · {{findings}} finding{{plural}}{{#drafted}} · drawn up {{drafted}}{{/drafted}}</p>
        {{#description}}<p>{{description}}</p>{{/description}}
        <nav aria-label="On this page" class="sections">
        <ul>
        <li><a href="#summary">Assessment</a></li>
        {{#hasTimeline}}<li><a href="#timeline">Timeline</a></li>{{/hasTimeline}}
        {{#hasHeatMap}}<li><a href="#heatmap">Techniques</a></li>{{/hasHeatMap}}
        <li><a href="#findings-table">Findings</a></li>
        {{#hasRanking}}<li><a href="#attribution">Attribution</a></li>{{/hasRanking}}
        {{#hasEvidence}}<li><a href="#evidence">Evidence</a></li>{{/hasEvidence}}
        <li><a href="#notes">Notes</a></li>
        <li><a href="#downloads">Downloads</a></li>
        </ul>
        </nav>
        {{{withheld}}}
        {{{summary}}}
        {{{timeline}}}
        {{{heatMap}}}
        {{{findingsBlock}}}
        {{{ranking}}}
        {{{sightings}}}
        {{{evidence}}}
        <section id="notes" aria-labelledby="notes-title">
        <h2 id="notes-title">Notes and assertions</h2>
        {{^notes}}<p>No notes yet.</p>{{/notes}}
        {{#hasNotes}}<ul class="notes">
        {{#notes}}<li><strong>{{author}}</strong>, {{at}}: <span class="note-text">{{text}}</span></li>
        {{/notes}}
        </ul>{{/hasNotes}}
        {{#canWrite}}
        <div class="forms">
        <form action="{{notesHref}}" method="post" class="note-form">
        <h3 id="add-note">Add a note</h3>
        <input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="kind" value="note">
        <p><label for="note-text">Note</label><br><textarea id="note-text" name="text" rows="3" required maxlength="20000"></textarea></p>
        <p><button type="submit">Add the note</button></p>
        </form>
        <form action="{{notesHref}}" method="post" class="note-form">
        <h3 id="add-assertion">Assert a technique or software</h3>
        <input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="kind" value="assertion">
        <p><label for="assertion-id">ATT&amp;CK id (T1566.002 or S0154)</label><br><input id="assertion-id" name="text" required maxlength="20" pattern="[TtSs][0-9]{4}(\\.[0-9]{3})?"></p>
        <p><label for="assertion-comment">Why</label><br><input id="assertion-comment" name="comment" maxlength="20000"></p>
        <p><button type="submit">Add the assertion</button></p>
        </form>
        </div>
        {{/canWrite}}
        {{^canWrite}}<p class="note">You may read this case; adding notes needs the write right <code>cases</code>.</p>{{/canWrite}}
        </section>
        <section id="downloads" aria-labelledby="downloads-title">
        <h2 id="downloads-title">Downloads</h2>
        <p>Drawn up for your clearance ({{ceiling}}): what is marked above it is left out.</p>
        <ul>
        {{#downloads}}<li><a href="{{href}}" download>{{label}}</a></li>
        {{/downloads}}
        </ul>
        </section>

        """

    static let findings = """
        <p class="crumbs"><a href="{{caseHref}}">Case {{name}}</a></p>
        <h1>Findings of case {{name}}</h1>
        <p class="meta">Marked {{tlp}}</p>
        {{{findingsBlock}}}

        """

    static let findingsBlock = """
        <section id="findings-table" aria-labelledby="findings-title">
        <h2 id="findings-title">Findings</h2>
        <form class="filters" action="{{action}}" method="get">
        <fieldset>
        <legend>Show findings</legend>
        <p><label for="filter-level">Level</label><br><select id="filter-level" name="level">{{#levels}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/levels}}</select></p>
        <p><label for="filter-tactic">Tactic</label><br><select id="filter-tactic" name="tactic">{{#tactics}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/tactics}}</select></p>
        <p><label for="filter-technique">Technique</label><br><input id="filter-technique" name="technique" value="{{technique}}" size="10" maxlength="20" placeholder="T1059"></p>
        <p><label for="filter-host">Host</label><br><input id="filter-host" name="host" value="{{host}}" size="18" maxlength="300"></p>
        <p><label for="filter-from">From (UTC)</label><br><input id="filter-from" name="from" value="{{from}}" size="20" maxlength="40" placeholder="2024-03-01T00:00:00Z"></p>
        <p><label for="filter-to">To (UTC)</label><br><input id="filter-to" name="to" value="{{to}}" size="20" maxlength="40"></p>
        <p><button type="submit">Show</button></p>
        </fieldset>
        </form>
        <p id="findings-count">{{total}} finding{{plural}} match{{#filtered}} · <a href="{{clearHref}}">all findings</a>{{/filtered}}</p>
        {{#hasRows}}
        <div class="scroll"><table id="findings">
        <caption>Findings {{first}}–{{last}} of {{total}}, in time order</caption>
        <thead><tr><th scope="col">Time (UTC)</th><th scope="col">Level</th><th scope="col">Rule</th><th scope="col">Techniques</th><th scope="col">Host</th><th scope="col">Event</th><th scope="col">Details</th></tr></thead>
        <tbody>
        {{#rows}}<tr class="level-{{levelClass}}"><td>{{time}}</td><td>{{level}}</td><td>{{rule}}</td><td>{{techniques}}</td><td>{{host}}</td><td>{{event}}</td><td>{{#hasFields}}<details><summary>{{fieldCount}} field{{fieldsPlural}}</summary><dl>{{#fields}}<dt>{{name}}</dt><dd>{{value}}</dd>{{/fields}}</dl></details>{{/hasFields}}<span class="hash" title="evidence">{{evidence}}</span></td></tr>
        {{/rows}}
        </tbody>
        </table></div>
        {{/hasRows}}
        <nav aria-label="Pages of findings" class="pages"><ul>
        {{#firstHref}}<li><a href="{{firstHref}}">First page</a></li>{{/firstHref}}
        {{#nextHref}}<li><a href="{{nextHref}}" rel="next">Next {{pageSize}}</a></li>{{/nextHref}}
        </ul></nav>
        </section>

        """

    static let intel = """
        <h1>Intel: {{title}}</h1>
        <nav aria-label="Kinds of intel" class="sections"><ul>
        {{#kinds}}<li><a href="{{href}}"{{#current}} class="current"{{/current}}>{{label}}{{#current}}<span class="visually-hidden"> (shown)</span>{{/current}}</a></li>{{/kinds}}
        </ul></nav>
        {{#empty}}<p>Nothing of this kind within your clearance. ATT&amp;CK comes with <code>vigil update</code>.</p>{{/empty}}
        {{^empty}}
        <div class="scroll"><table id="intel">
        <caption>{{count}} {{title}} within your clearance</caption>
        <thead><tr><th scope="col">ATT&amp;CK</th><th scope="col">Name</th><th scope="col">Type</th><th scope="col">TLP</th><th scope="col">Also known as</th></tr></thead>
        <tbody>
        {{#rows}}<tr><td>{{attackID}}</td><th scope="row"><a href="{{href}}">{{name}}</a></th><td>{{type}}</td><td>{{tlp}}</td><td>{{aliases}}</td></tr>
        {{/rows}}
        </tbody>
        </table></div>
        {{/empty}}

        """

    static let intelObject = """
        <p class="crumbs"><a href="{{kindHref}}">Intel: {{kindTitle}}</a></p>
        <h1>{{name}}</h1>
        <dl class="facts">
        <dt>Type</dt><dd>{{type}}</dd>
        {{#attackID}}<dt>ATT&amp;CK</dt><dd>{{attackID}}</dd>{{/attackID}}
        <dt>TLP</dt><dd>{{tlp}}</dd>
        {{#aliases}}<dt>Also known as</dt><dd>{{aliases}}</dd>{{/aliases}}
        <dt>Versions</dt><dd>{{versions}}</dd>
        <dt>Modified</dt><dd>{{modified}}</dd>
        <dt>STIX id</dt><dd><code>{{id}}</code></dd>
        {{#extras}}<dt>{{name}}</dt><dd>{{value}}</dd>{{/extras}}
        </dl>
        {{#description}}<section aria-labelledby="description-title"><h2 id="description-title">Description</h2><p class="prose">{{description}}</p></section>{{/description}}
        <section id="relationships" aria-labelledby="relationships-title">
        <h2 id="relationships-title">Relationships</h2>
        {{^groups}}<p>None within your clearance.</p>{{/groups}}
        {{#groups}}
        <h3 id="{{anchor}}">{{title}} ({{count}})</h3>
        <div class="scroll"><table aria-labelledby="{{anchor}}">
        <thead><tr><th scope="col">ATT&amp;CK</th><th scope="col">Name</th><th scope="col">Type</th><th scope="col">How</th></tr></thead>
        <tbody>
        {{#rows}}<tr><td>{{attackID}}</td><th scope="row"><a href="{{href}}">{{name}}</a></th><td>{{type}}</td><td>{{how}}</td></tr>
        {{/rows}}
        </tbody>
        </table></div>
        {{/groups}}
        </section>
        {{#hasSources}}<section aria-labelledby="sources-title"><h2 id="sources-title">Sources</h2><ul class="sources">
        {{#sources}}<li>{{#url}}<a href="{{url}}" rel="noreferrer">{{name}}</a>{{/url}}{{^url}}{{name}}{{/url}}</li>{{/sources}}
        </ul></section>{{/hasSources}}

        """

    static let search = """
        <h1>Search{{#query}}: {{query}}{{/query}}</h1>
        {{^query}}<p>Type a name, an alias, an ATT&amp;CK id or a word of a description in the search box.</p>{{/query}}
        {{#query}}
        <section aria-labelledby="found-cases">
        <h2 id="found-cases">Cases ({{caseCount}})</h2>
        {{^cases}}<p>No case within your clearance matches.</p>{{/cases}}
        {{#hasCases}}<ul>{{#cases}}<li><a href="{{href}}">{{name}}</a> ({{tlp}}){{#description}}: {{description}}{{/description}}</li>{{/cases}}</ul>{{/hasCases}}
        </section>
        <section aria-labelledby="found-intel">
        <h2 id="found-intel">Intel ({{objectCount}})</h2>
        {{^objects}}<p>No intel within your clearance matches.</p>{{/objects}}
        {{#hasObjects}}
        <div class="scroll"><table id="search-intel">
        <caption>Intel objects within your clearance, best matches first</caption>
        <thead><tr><th scope="col">ATT&amp;CK</th><th scope="col">Name</th><th scope="col">Type</th><th scope="col">TLP</th></tr></thead>
        <tbody>
        {{#objects}}<tr><td>{{attackID}}</td><th scope="row"><a href="{{href}}">{{name}}</a></th><td>{{type}}</td><td>{{tlp}}</td></tr>
        {{/objects}}
        </tbody>
        </table></div>
        {{/hasObjects}}
        </section>
        {{/query}}

        """

    static let error = """
        <h1>{{title}}</h1>
        <p class="problem" role="alert">{{message}}</p>
        <p><a href="/ui/">Back to the cases</a></p>

        """
}
