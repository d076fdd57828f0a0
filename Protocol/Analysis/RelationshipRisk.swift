/// A risk in who the relationship hangs on: when it depends on one contact,
/// or nobody who decides is known, any departure can hand the account to a
/// competitor.
public enum RelationshipRisk: String, Hashable, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// Only one contact is known at the account.
    case singleContact = "single-contact"
    /// No contact is known to be a decision maker.
    case noDecisionMaker = "no-decision-maker"

    public var description: String {
        switch self {
        case .singleContact: "single-threaded: the relationship hangs on one contact"
        case .noDecisionMaker: "no decision maker known"
        }
    }

    /// The risks of an account with these contacts.
    public static func evaluate(contacts: [Contact]) -> [RelationshipRisk] {
        var risks: [RelationshipRisk] = []
        if contacts.count == 1 { risks.append(.singleContact) }
        if !contacts.contains(where: { $0.role == .decisionMaker }) { risks.append(.noDecisionMaker) }
        return risks
    }
}
