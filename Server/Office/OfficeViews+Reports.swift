import KAMProtocol

extension OfficeViews {
    struct PyramidPage: Sendable {
        struct TierRow: Sendable {
            var tier: String
            var accounts: Int
            var sales, shareOfSales: String
            var recorded: Int
        }

        struct Row: Sendable {
            var href, name, owner, sales, tier, recorded: String
            var differs: Bool
        }

        var chrome: OfficeChrome
        var error: String?
        var from, to, sales: String
        var chart: PyramidChart
        var tiers: [TierRow]
        var accounts: [Row]

        init(_ report: PyramidReport, chrome: OfficeChrome, error: String? = nil) {
            self.chrome = chrome
            self.error = error
            from = report.range.from.text
            to = report.range.to.text
            sales = report.ourSales.description
            chart = PyramidChart(title: "Accounts by tier, \(from) to \(to)", report: report)
            tiers = report.tiers.map {
                TierRow(tier: $0.tier.rawValue, accounts: $0.accounts, sales: $0.ourSales.description,
                        shareOfSales: $0.shareOfSales?.description ?? "–", recorded: $0.recorded)
            }
            accounts = report.accounts.map {
                Row(href: OfficeViews.accountHref($0.account.id), name: $0.account.name, owner: $0.account.owner ?? "",
                    sales: $0.ourSales.description, tier: $0.tier.rawValue, recorded: $0.recordedTier?.rawValue ?? "–", differs: $0.differs)
            }
        }
    }

    struct MovementsPage: Sendable {
        struct Row: Sendable {
            var when, href, name, from, to, direction, share, by, reason: String
            var down: Bool
        }

        var chrome: OfficeChrome
        var error: String?
        var from, to: String
        var up, down, count: Int
        var rows: [Row]

        init(_ report: MovementReport, chrome: OfficeChrome, error: String? = nil) {
            self.chrome = chrome
            self.error = error
            from = report.range.from?.text ?? ""
            to = report.range.to?.text ?? ""
            up = report.up
            down = report.down
            count = report.movements.count
            rows = report.movements.reversed().map {
                Row(when: OfficeViews.when($0.at), href: OfficeViews.accountHref($0.account.id), name: $0.account.name,
                    from: $0.from?.rawValue ?? "", to: $0.to.rawValue, direction: $0.direction.rawValue, share: $0.share?.description ?? "",
                    by: $0.author ?? "", reason: $0.reason ?? "", down: $0.direction == .down)
            }
        }
    }

    struct DecliningPage: Sendable {
        struct Row: Sendable {
            var href, name, owner, stage, periods, pace, sales, spend, drop: String
        }

        var chrome: OfficeChrome
        var count: Int
        var rows: [Row]

        init(_ report: DecliningReport, chrome: OfficeChrome) {
            self.chrome = chrome
            count = report.accounts.count
            rows = report.accounts.map {
                Row(href: OfficeViews.accountHref($0.account.id), name: $0.account.name, owner: $0.account.owner ?? "",
                    stage: $0.account.stage.rawValue, periods: "\($0.fromPeriod) – \($0.toPeriod)", pace: $0.pace,
                    sales: "\($0.ourSalesFrom) → \($0.ourSalesTo)", spend: "\($0.customerSpendFrom) → \($0.customerSpendTo)",
                    drop: $0.drop.description)
            }
        }
    }

    struct RisksPage: Sendable {
        struct Row: Sendable {
            var href, name, owner, stage, tier: String
            var contacts: Int
            var risks: String
        }

        var chrome: OfficeChrome
        var singleContact, noDecisionMaker: Int
        var rows: [Row]

        init(_ report: RiskReport, chrome: OfficeChrome) {
            self.chrome = chrome
            singleContact = report.singleContact
            noDecisionMaker = report.noDecisionMaker
            rows = report.accounts.map {
                Row(href: OfficeViews.accountHref($0.account.id), name: $0.account.name, owner: $0.account.owner ?? "",
                    stage: $0.account.stage.rawValue, tier: $0.tier?.rawValue ?? "", contacts: $0.contacts,
                    risks: $0.risks.map(\.description).joined(separator: "; "))
            }
        }
    }

    struct ComplaintsPage: Sendable {
        struct Complaint: Sendable {
            var date, by, note: String
        }

        struct Group: Sendable {
            var href, name, owner: String
            var count: Int
            var complaints: [Complaint]
        }

        var chrome: OfficeChrome
        var error: String?
        var from, to: String
        var total: Int
        var accounts: [Group]

        init(_ report: ComplaintReport, chrome: OfficeChrome, error: String? = nil) {
            self.chrome = chrome
            self.error = error
            from = report.range.from?.text ?? ""
            to = report.range.to?.text ?? ""
            total = report.total
            accounts = report.accounts.map { group in
                Group(href: OfficeViews.accountHref(group.account.id), name: group.account.name, owner: group.account.owner ?? "(no owner)",
                      count: group.complaints.count,
                      complaints: group.complaints.map { Complaint(date: $0.date.text, by: $0.author ?? "", note: $0.note ?? "") })
            }
        }
    }

    struct SignInPage: Sendable {
        var title = "Sign in"
        var error: String?
        var next: String
    }

    struct ErrorPage: Sendable {
        var chrome: OfficeChrome
        var message: String
    }
}
