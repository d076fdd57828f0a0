import Foundation
import KAMProtocol

/// What every signed-in page shows around its content: the title, who is
/// signed in, and the navigation.
struct OfficeChrome: Sendable {
    struct Link: Sendable {
        var href: String
        var label: String
        var current: Bool
    }

    var title: String
    var user: String
    var role: String
    var nav: [Link]

    static let pages: [(path: String, label: String)] = [
        ("/office/", "Pipeline"), ("/office/accounts", "Accounts"), ("/office/pyramid", "Pyramid"),
        ("/office/movements", "Movements"), ("/office/declining", "Declining"), ("/office/risks", "Risks"),
        ("/office/complaints", "Complaints"),
    ]

    init(title: String, user: User, current: String) {
        self.title = title
        self.user = user.name
        role = user.role.rawValue
        nav = Self.pages.map { Link(href: $0.path, label: $0.label, current: $0.path == current) }
    }
}

/// The page models the templates render: every value already formatted as text.
enum OfficeViews {
    static func accountHref(_ id: RecordID) -> String {
        "/office/accounts/" + (id.rawValue.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? id.rawValue)
    }

    /// A link to `path` with query parameters, each name and value percent-encoded
    /// but for letters, digits and `-._~`, so `&`, `+` and spaces in a value survive.
    static func href(_ path: String, _ items: [(String, String)]) -> String {
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        let query = items.map { name, value in
            "\(name.addingPercentEncoding(withAllowedCharacters: allowed) ?? name)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)"
        }
        return items.isEmpty ? path : path + "?" + query.joined(separator: "&")
    }

    static func when(_ at: Timestamp) -> String {
        let text = at.description
        return text.hasSuffix("Z") ? String(text.prefix(16)).replacingOccurrences(of: "T", with: " ") : text
    }

    static func percentAxis(_ value: Double) -> String { "\(Int(value.rounded())) %" }

    struct PipelinePage: Sendable {
        struct StageRow: Sendable {
            var stage: String
            var chinese: String
            var accounts: Int
            var averageShare: String
            var withShare: Int
        }

        struct OwnerRow: Sendable {
            var name: String
            var href: String?
            var counts: [Int]
            var accounts: Int
        }

        var chrome: OfficeChrome
        var accounts: Int
        var chart: BarChart
        var stages: [StageRow]
        var stageNames: [String]
        var owners: [OwnerRow]

        init(_ report: PipelineReport, chrome: OfficeChrome) {
            self.chrome = chrome
            accounts = report.accounts
            chart = BarChart(
                title: "Accounts per stage", items: report.stages.map { ($0.stage.rawValue, Double($0.accounts), String($0.accounts), $0.stage.rawValue) },
                axis: { String(Int($0.rounded())) })
            stages = report.stages.map {
                StageRow(stage: $0.stage.rawValue, chinese: $0.stage.chineseName, accounts: $0.accounts,
                         averageShare: $0.averageShare?.description ?? "–", withShare: $0.withShare)
            }
            stageNames = Stage.allCases.map(\.rawValue)
            owners = report.owners.map { owner in
                OwnerRow(
                    name: owner.owner ?? "(no owner)",
                    href: owner.owner.map { OfficeViews.href("/office/accounts", [("owner", $0)]) },
                    counts: Stage.allCases.map { stage in owner.stages.first { $0.stage == stage }?.accounts ?? 0 },
                    accounts: owner.accounts)
            }
        }
    }

    struct Option: Sendable {
        var value: String
        var label: String
        var selected: Bool
    }

    struct AccountsPage: Sendable {
        /// Accounts on one page of the list unless `limit` says otherwise.
        static let pageSize = 50

        struct Row: Sendable {
            var id: String
            var href: String
            var name: String
            var stage: String
            var share: String
            var owner: String
            var region: String
            var tier: String
            var review: Bool
        }

        var chrome: OfficeChrome
        var error: String?
        var text: String
        var owner: String
        var region: String
        var conflicts: Bool
        var stages: [Option]
        var tiers: [Option]
        var total: Int
        var hasRows: Bool
        var first: Int
        var last: Int
        var rows: [Row]
        var previous: String?
        var next: String?
        var csvHref: String

        init(_ list: AccountList, query: AccountQuery, chrome: OfficeChrome, error: String? = nil) {
            self.chrome = chrome
            self.error = error
            text = query.text ?? ""
            owner = query.owner ?? ""
            region = query.region ?? ""
            conflicts = query.hasConflicts
            stages = Stage.allCases.map { Option(value: $0.rawValue, label: "\($0.rawValue) \($0.chineseName)", selected: $0 == query.stage) }
            tiers = Tier.allCases.map { Option(value: $0.rawValue, label: $0.rawValue, selected: $0 == query.tier) }
            total = list.total
            hasRows = !list.accounts.isEmpty
            first = list.offset + 1
            last = list.offset + list.accounts.count
            rows = list.accounts.map { account in
                Row(id: account.id.rawValue, href: OfficeViews.accountHref(account.id), name: account.name, stage: account.stage.rawValue,
                    share: account.share?.description ?? "", owner: account.owner ?? "", region: account.region ?? "",
                    tier: account.tier?.rawValue ?? "", review: account.needsResolution || !account.flags.isEmpty)
            }
            func href(_ path: String, offset: Int?) -> String {
                var items: [(String, String)] = []
                if let text = query.text { items.append(("text", text)) }
                if let stage = query.stage { items.append(("stage", stage.rawValue)) }
                if let tier = query.tier { items.append(("tier", tier.rawValue)) }
                if let owner = query.owner { items.append(("owner", owner)) }
                if let region = query.region { items.append(("region", region)) }
                if query.hasConflicts { items.append(("has-conflicts", "true")) }
                if let offset {
                    if list.limit != Self.pageSize { items.append(("limit", String(list.limit))) }
                    if offset > 0 { items.append(("offset", String(offset))) }
                }
                return OfficeViews.href(path, items)
            }
            previous = list.offset > 0 ? href("/office/accounts", offset: max(list.offset - list.limit, 0)) : nil
            next = list.offset + list.accounts.count < list.total ? href("/office/accounts", offset: list.offset + list.limit) : nil
            csvHref = href("/office/accounts.csv", offset: nil)
        }
    }
}
