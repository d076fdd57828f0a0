import KAMProtocol

extension OfficeViews {
    /// Everything on one account.
    struct AccountPage: Sendable {
        struct Fact: Sendable {
            var label: String
            var value: String
            var metric: String?
        }

        struct Conflict: Sendable {
            var record: String
            var field: String
            var values: String
        }

        struct ContactRow: Sendable {
            var name, title, role, email, phone: String
        }

        struct ShareRow: Sendable {
            var period, spend, sales, share: String
        }

        struct StageRow: Sendable {
            var when, from, to, share, by, reason: String
            var down: Bool
        }

        struct OwnerRow: Sendable {
            var when, from, to, by: String
        }

        struct OpportunityRow: Sendable {
            var kind, status, note: String
        }

        struct ActivityRow: Sendable {
            var date, kind, by, note: String
            var complaint: Bool
        }

        var chrome: OfficeChrome
        var id: String
        var deleted: Bool
        var facts: [Fact]
        var notes: String?
        var flags: [String]
        var risks: [String]
        var decline: String?
        var hasWarnings: Bool
        var conflicts: [Conflict]
        var hasConflicts: Bool
        var contacts: [ContactRow]
        var contactCount: Int
        var hasContacts: Bool
        var shareChart: BarChart?
        var shares: [ShareRow]
        var shareCount: Int
        var hasShares: Bool
        var stages: [StageRow]
        var hasStages: Bool
        var owners: [OwnerRow]
        var hasOwners: Bool
        var opportunities: [OpportunityRow]
        var hasOpportunities: Bool
        var activities: [ActivityRow]
        var activityCount: Int
        var hasActivities: Bool

        init(_ detail: AccountDetail, user: User) {
            let account = detail.account
            chrome = OfficeChrome(title: account.name, user: user, current: "/office/accounts")
            id = account.id.rawValue
            deleted = detail.deleted
            facts = [
                Fact(label: "Stage", value: "\(account.stage.rawValue) · \(account.stage.chineseName)", metric: "stage"),
                Fact(label: "Share", value: account.share?.description ?? "–", metric: "share"),
                Fact(label: "Owner", value: account.owner ?? "–"),
                Fact(label: "Industry", value: account.industry ?? "–"),
                Fact(label: "Region", value: account.region ?? "–"),
                Fact(label: "Tier", value: account.tier?.rawValue ?? "–"),
            ]
            notes = account.notes
            flags = detail.reviewFlags.map(\.message)
            risks = detail.risks.map(\.description)
            decline = detail.decline.map {
                "Declining (\($0.pace)): our sales fell from \($0.ourSalesFrom) to \($0.ourSalesTo) over \($0.periods) period(s) to \($0.period) while the customer's spend did not."
            }
            hasWarnings = !flags.isEmpty || !risks.isEmpty || decline != nil
            let names = Dictionary(
                [(account.id, account.name)] + detail.contacts.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
            conflicts = detail.conflicts.map { conflict in
                Conflict(
                    record: names[conflict.record] ?? "\(conflict.recordKind) \(conflict.record.rawValue.prefix(8))",
                    field: conflict.field ?? "deleted",
                    values: conflict.values.map { "\($0.value) (\($0.author ?? $0.replica.rawValue))" }.joined(separator: " | "))
            }
            hasConflicts = !conflicts.isEmpty
            contacts = detail.contacts.map {
                ContactRow(name: $0.name, title: $0.title ?? "", role: $0.role?.rawValue ?? "", email: $0.email ?? "", phone: $0.phone ?? "")
            }
            contactCount = contacts.count
            hasContacts = !contacts.isEmpty
            shares = detail.shareRecords.map {
                ShareRow(period: $0.period.text, spend: $0.customerSpend.description, sales: $0.ourSales.description, share: $0.share?.description ?? "–")
            }
            shareCount = shares.count
            hasShares = !shares.isEmpty
            shareChart = detail.shareRecords.isEmpty ? nil : BarChart(
                title: "Our share by period",
                items: detail.shareRecords.map { ($0.period.text, $0.share?.percent ?? 0, $0.share?.description ?? "–", "share") },
                maximum: 100, axis: OfficeViews.percentAxis)
            stages = detail.stageHistory.reversed().map {
                StageRow(when: OfficeViews.when($0.at), from: $0.from?.rawValue ?? "", to: $0.to.rawValue, share: $0.share?.description ?? "",
                         by: $0.author ?? "", reason: $0.reason ?? "", down: $0.isDecline)
            }
            hasStages = !stages.isEmpty
            owners = detail.ownerChanges.reversed().map {
                OwnerRow(when: OfficeViews.when($0.at), from: $0.from.isEmpty ? "(created)" : $0.from.joined(separator: ", "),
                         to: $0.to.joined(separator: ", "), by: $0.by)
            }
            hasOwners = !owners.isEmpty
            opportunities = detail.opportunities.map { OpportunityRow(kind: $0.kind.rawValue, status: $0.status.rawValue, note: $0.note ?? "") }
            hasOpportunities = !opportunities.isEmpty
            activities = detail.activities.map {
                ActivityRow(date: $0.date.text, kind: $0.kind.rawValue, by: $0.author ?? "", note: $0.note ?? "", complaint: $0.kind == .complaint)
            }
            activityCount = activities.count
            hasActivities = !activities.isEmpty
        }
    }
}
