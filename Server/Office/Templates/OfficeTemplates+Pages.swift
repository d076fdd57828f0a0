/// The signed-in pages. Numbers a test compares with the API carry a
/// `data-metric` attribute.
extension OfficeTemplates {
    static let pipeline = """
        {{#chrome}}{{> header}}{{/chrome}}
        <div class="cards"><div class="card"><span class="n" data-metric="accounts">{{accounts}}</span><span class="l">accounts</span></div></div>
        {{#chart}}{{> bars}}{{/chart}}
        <h2>By stage</h2>
        <div class="table-wrap"><table>
        <thead><tr><th>Stage</th><th></th><th class="num">Accounts</th><th class="num">Average share</th><th class="num">With a share</th></tr></thead>
        <tbody>{{#stages}}<tr><td><a href="/office/accounts?stage={{stage}}">{{stage}}</a></td><td>{{chinese}}</td><td class="num" data-metric="stage-{{stage}}">{{accounts}}</td><td class="num">{{averageShare}}</td><td class="num">{{withShare}}</td></tr>
        {{/stages}}</tbody>
        </table></div>
        <h2>By owner</h2>
        <div class="table-wrap"><table>
        <thead><tr><th>Owner</th>{{#stageNames}}<th class="num">{{.}}</th>{{/stageNames}}<th class="num">All</th></tr></thead>
        <tbody>{{#owners}}<tr><td>{{#href}}<a href="{{href}}">{{name}}</a>{{/href}}{{^href}}<span class="muted">{{name}}</span>{{/href}}</td>{{#counts}}<td class="num">{{.}}</td>{{/counts}}<td class="num" data-metric="owner-{{name}}">{{accounts}}</td></tr>
        {{/owners}}</tbody>
        </table></div>
        {{> footer}}
        """

    static let accounts = """
        {{#chrome}}{{> header}}{{/chrome}}
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        <form class="filters" method="get" action="/office/accounts">
        <label>Search<input type="search" name="text" value="{{text}}" placeholder="name, industry, region, notes"></label>
        <label>Stage<select name="stage"><option value="">any</option>{{#stages}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/stages}}</select></label>
        <label>Tier<select name="tier"><option value="">any</option>{{#tiers}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/tiers}}</select></label>
        <label>Owner<input name="owner" value="{{owner}}" size="10"></label>
        <label>Region<input name="region" value="{{region}}" size="10"></label>
        <label class="check"><span>Needs review</span><input type="checkbox" name="has-conflicts" value="true"{{#conflicts}} checked{{/conflicts}}></label>
        <button type="submit">Filter</button>
        <a href="{{csvHref}}" download>Download CSV</a>
        </form>
        <p class="muted"><span data-metric="total">{{total}}</span> accounts{{#hasRows}}, showing {{first}}–{{last}}{{/hasRows}}</p>
        <div class="table-wrap"><table>
        <thead><tr><th>Name</th><th>Stage</th><th class="num">Share</th><th>Owner</th><th>Region</th><th>Tier</th><th></th></tr></thead>
        <tbody>{{#rows}}<tr><td><a href="{{href}}" data-account="{{id}}">{{name}}</a></td><td>{{stage}}</td><td class="num">{{share}}</td><td>{{owner}}</td><td>{{region}}</td><td>{{tier}}</td><td>{{#review}}<span class="flag">needs review</span>{{/review}}</td></tr>
        {{/rows}}</tbody>
        </table></div>
        <p class="pager">{{#previous}}<a href="{{previous}}" rel="prev">← previous</a>{{/previous}}{{#next}}<a href="{{next}}" rel="next">next →</a>{{/next}}</p>
        {{> footer}}
        """

    static let account = """
        {{#chrome}}{{> header}}{{/chrome}}
        <p class="muted">{{id}}</p>
        {{#deleted}}<p class="error">Deleted on one laptop while edited on another: a person has to settle it.</p>{{/deleted}}
        <dl class="facts">{{#facts}}<dt>{{label}}</dt><dd{{#metric}} data-metric="{{metric}}"{{/metric}}>{{value}}</dd>{{/facts}}</dl>
        {{#notes}}<h2>Notes</h2><p class="note">{{notes}}</p>{{/notes}}
        {{#hasWarnings}}<h2>To look at</h2><ul class="warnings">
        {{#flags}}<li class="flag">{{.}}</li>{{/flags}}{{#risks}}<li class="flag">{{.}}</li>{{/risks}}{{#decline}}<li class="bad">{{decline}}</li>{{/decline}}
        </ul>{{/hasWarnings}}
        {{#hasConflicts}}<h2>Conflicts</h2><div class="table-wrap"><table><thead><tr><th>Record</th><th>Field</th><th>Values</th></tr></thead><tbody>
        {{#conflicts}}<tr><td>{{record}}</td><td>{{field}}</td><td>{{values}}</td></tr>{{/conflicts}}
        </tbody></table></div>{{/hasConflicts}}
        <h2>Contacts <span class="muted" data-metric="contacts">{{contactCount}}</span></h2>
        {{#hasContacts}}<div class="table-wrap"><table><thead><tr><th>Name</th><th>Title</th><th>Buying role</th><th>Email</th><th>Phone</th></tr></thead><tbody>
        {{#contacts}}<tr><td>{{name}}</td><td>{{title}}</td><td>{{role}}</td><td>{{email}}</td><td>{{phone}}</td></tr>{{/contacts}}
        </tbody></table></div>{{/hasContacts}}{{^hasContacts}}<p class="muted">No contacts known.</p>{{/hasContacts}}
        <h2>Share by period <span class="muted" data-metric="share-records">{{shareCount}}</span></h2>
        {{#shareChart}}{{> bars}}{{/shareChart}}
        {{#hasShares}}<div class="table-wrap"><table><thead><tr><th>Period</th><th class="num">Customer spend</th><th class="num">Our sales</th><th class="num">Share</th></tr></thead><tbody>
        {{#shares}}<tr><td>{{period}}</td><td class="num">{{spend}}</td><td class="num">{{sales}}</td><td class="num">{{share}}</td></tr>{{/shares}}
        </tbody></table></div>{{/hasShares}}{{^hasShares}}<p class="muted">No share records.</p>{{/hasShares}}
        <h2>Stage history</h2>
        {{#hasStages}}<div class="table-wrap"><table><thead><tr><th>When</th><th>From</th><th>To</th><th class="num">Share</th><th>By</th><th>Why</th></tr></thead><tbody>
        {{#stages}}<tr><td>{{when}}</td><td>{{from}}</td><td{{#down}} class="bad"{{/down}}>{{to}}</td><td class="num">{{share}}</td><td>{{by}}</td><td class="note">{{reason}}</td></tr>{{/stages}}
        </tbody></table></div>{{/hasStages}}{{^hasStages}}<p class="muted">No stage changes recorded.</p>{{/hasStages}}
        {{#hasOwners}}<h2>Owner changes</h2><div class="table-wrap"><table><thead><tr><th>When</th><th>From</th><th>To</th><th>By</th></tr></thead><tbody>
        {{#owners}}<tr><td>{{when}}</td><td>{{from}}</td><td>{{to}}</td><td>{{by}}</td></tr>{{/owners}}
        </tbody></table></div>{{/hasOwners}}
        <h2>Opportunities</h2>
        {{#hasOpportunities}}<div class="table-wrap"><table><thead><tr><th>Kind</th><th>Status</th><th>Note</th></tr></thead><tbody>
        {{#opportunities}}<tr><td>{{kind}}</td><td>{{status}}</td><td class="note">{{note}}</td></tr>{{/opportunities}}
        </tbody></table></div>{{/hasOpportunities}}{{^hasOpportunities}}<p class="muted">None recorded.</p>{{/hasOpportunities}}
        <h2>Activities <span class="muted" data-metric="activities">{{activityCount}}</span></h2>
        {{#hasActivities}}<div class="table-wrap"><table><thead><tr><th>Date</th><th>Kind</th><th>By</th><th>Note</th></tr></thead><tbody>
        {{#activities}}<tr><td>{{date}}</td><td{{#complaint}} class="flag"{{/complaint}}>{{kind}}</td><td>{{by}}</td><td class="note">{{note}}</td></tr>{{/activities}}
        </tbody></table></div>{{/hasActivities}}{{^hasActivities}}<p class="muted">No activities logged.</p>{{/hasActivities}}
        {{> footer}}
        """

    static let pyramid = """
        {{#chrome}}{{> header}}{{/chrome}}
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        <form class="filters" method="get" action="/office/pyramid">
        <label>From<input name="from" value="{{from}}" placeholder="2026-Q1 or 2026-01" size="10"></label>
        <label>To<input name="to" value="{{to}}" placeholder="2026-Q4 or 2026-12" size="10"></label>
        <button type="submit">Show</button>
        </form>
        <p class="muted">Our sales from the share records of {{from}} to {{to}}: <strong data-metric="sales">{{sales}}</strong>. Platinum is the top 1 % of accounts by our sales, gold the next 4 %, iron the next 15 %, lead the other 80 %.</p>
        {{#chart}}{{> pyramid-chart}}{{/chart}}
        <div class="table-wrap"><table>
        <thead><tr><th>Tier</th><th class="num">Accounts</th><th class="num">Our sales</th><th class="num">Of our sales</th><th class="num">Recorded as this tier</th></tr></thead>
        <tbody>{{#tiers}}<tr><td>{{tier}}</td><td class="num" data-metric="tier-{{tier}}">{{accounts}}</td><td class="num">{{sales}}</td><td class="num">{{shareOfSales}}</td><td class="num">{{recorded}}</td></tr>
        {{/tiers}}</tbody>
        </table></div>
        <h2>Accounts</h2>
        <div class="table-wrap"><table>
        <thead><tr><th>Account</th><th>Owner</th><th class="num">Our sales</th><th>Tier by sales</th><th>Recorded tier</th></tr></thead>
        <tbody>{{#accounts}}<tr><td><a href="{{href}}">{{name}}</a></td><td>{{owner}}</td><td class="num">{{sales}}</td><td>{{tier}}</td><td{{#differs}} class="flag"{{/differs}}>{{recorded}}{{#differs}} (differs){{/differs}}</td></tr>
        {{/accounts}}</tbody>
        </table></div>
        {{> footer}}
        """

    static let movements = """
        {{#chrome}}{{> header}}{{/chrome}}
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        <form class="filters" method="get" action="/office/movements">
        <label>From<input type="date" name="from" value="{{from}}"></label>
        <label>To<input type="date" name="to" value="{{to}}"></label>
        <button type="submit">Show</button>
        </form>
        <div class="cards">
        <div class="card"><span class="n" data-metric="up">{{up}}</span><span class="l">moved up</span></div>
        <div class="card"><span class="n bad" data-metric="down">{{down}}</span><span class="l">fell back</span></div>
        <div class="card"><span class="n" data-metric="movements">{{count}}</span><span class="l">stage changes</span></div>
        </div>
        <div class="table-wrap"><table>
        <thead><tr><th>When</th><th>Account</th><th>From</th><th>To</th><th></th><th class="num">Share</th><th>By</th><th>Why</th></tr></thead>
        <tbody>{{#rows}}<tr><td>{{when}}</td><td><a href="{{href}}">{{name}}</a></td><td>{{from}}</td><td>{{to}}</td><td{{#down}} class="bad"{{/down}}>{{direction}}</td><td class="num">{{share}}</td><td>{{by}}</td><td class="note">{{reason}}</td></tr>
        {{/rows}}</tbody>
        </table></div>
        {{> footer}}
        """

    static let declining = """
        {{#chrome}}{{> header}}{{/chrome}}
        <p class="muted">Accounts whose sales to us fall while the customer's spend in our category holds, the largest fall first.</p>
        <div class="cards"><div class="card"><span class="n bad" data-metric="declining">{{count}}</span><span class="l">declining</span></div></div>
        <div class="table-wrap"><table>
        <thead><tr><th>Account</th><th>Owner</th><th>Stage</th><th>Periods</th><th>Pace</th><th class="num">Our sales</th><th class="num">Customer spend</th><th class="num">Fall</th></tr></thead>
        <tbody>{{#rows}}<tr><td><a href="{{href}}">{{name}}</a></td><td>{{owner}}</td><td>{{stage}}</td><td>{{periods}}</td><td>{{pace}}</td><td class="num">{{sales}}</td><td class="num">{{spend}}</td><td class="num bad">{{drop}}</td></tr>
        {{/rows}}</tbody>
        </table></div>
        {{> footer}}
        """

    static let risks = """
        {{#chrome}}{{> header}}{{/chrome}}
        <p class="muted">When a relationship hangs on one contact, or nobody who decides is known, any departure can hand the account to a competitor.</p>
        <div class="cards">
        <div class="card"><span class="n" data-metric="single-contact">{{singleContact}}</span><span class="l">single-threaded</span></div>
        <div class="card"><span class="n" data-metric="no-decision-maker">{{noDecisionMaker}}</span><span class="l">no decision maker known</span></div>
        </div>
        <div class="table-wrap"><table>
        <thead><tr><th>Account</th><th>Owner</th><th>Stage</th><th>Tier</th><th class="num">Contacts</th><th>Risks</th></tr></thead>
        <tbody>{{#rows}}<tr><td><a href="{{href}}">{{name}}</a></td><td>{{owner}}</td><td>{{stage}}</td><td>{{tier}}</td><td class="num">{{contacts}}</td><td class="flag">{{risks}}</td></tr>
        {{/rows}}</tbody>
        </table></div>
        {{> footer}}
        """

    static let complaints = """
        {{#chrome}}{{> header}}{{/chrome}}
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        <form class="filters" method="get" action="/office/complaints">
        <label>From<input type="date" name="from" value="{{from}}"></label>
        <label>To<input type="date" name="to" value="{{to}}"></label>
        <button type="submit">Show</button>
        </form>
        <div class="cards"><div class="card"><span class="n" data-metric="complaints">{{total}}</span><span class="l">complaints from every rep</span></div></div>
        {{#accounts}}<section class="complaints">
        <h2><a href="{{href}}">{{name}}</a> <span class="muted">{{owner}} · {{count}}</span></h2>
        <div class="table-wrap"><table><thead><tr><th>Date</th><th>By</th><th>Complaint</th></tr></thead><tbody>
        {{#complaints}}<tr><td>{{date}}</td><td>{{by}}</td><td class="note">{{note}}</td></tr>{{/complaints}}
        </tbody></table></div>
        </section>
        {{/accounts}}
        {{^accounts}}<p class="muted">No complaints in this range.</p>{{/accounts}}
        {{> footer}}
        """
}
