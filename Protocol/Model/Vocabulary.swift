/// A place in the customer pyramid by value: platinum is the top 1 % of
/// customers, gold the next 4 %, iron the next 15 %, lead the remaining 80 %.
public enum Tier: String, CaseIterable, Hashable, Sendable, Codable, CustomStringConvertible {
    case platinum
    case gold
    case iron
    case lead

    public var description: String { rawValue }
}

/// A contact's role in buying.
public enum BuyingRole: String, CaseIterable, Hashable, Sendable, Codable, CustomStringConvertible {
    case decisionMaker = "decision-maker"
    case influencer
    case user
    case gatekeeper
    /// 内线: someone inside who explains the organisation and the buying process.
    case insideCoach = "inside-coach"

    public var description: String { rawValue }
}

/// What kind of contact with the account an activity records.
public enum ActivityKind: String, CaseIterable, Hashable, Sendable, Codable, CustomStringConvertible {
    case visit
    case call
    case meeting
    case email
    case complaint
    case note

    public var description: String { rawValue }
}

/// The eight openings for displacing the incumbent supplier.
public enum OpportunityKind: String, CaseIterable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// A new product launch: every supplier starts from zero.
    case newProduct = "new-product"
    /// The customer's annual supplier review or purchasing window.
    case supplierReview = "supplier-review"
    /// A personnel change at the competitor or among the customer's key people.
    case personnelChange = "personnel-change"
    /// A quality problem with the competitor's product.
    case competitorQuality = "competitor-quality"
    /// Service complaints about the main supplier.
    case serviceComplaint = "service-complaint"
    /// The incumbent depends on a single contact.
    case weakRelationship = "weak-relationship"
    /// Unresolved complaints or unmet personal needs at the incumbent.
    case deterioratingRelationship = "deteriorating-relationship"
    /// Cost-reduction pressure on the customer.
    case costReduction = "cost-reduction"

    public var description: String { rawValue }
}

/// Where an opportunity stands.
public enum OpportunityStatus: String, CaseIterable, Hashable, Sendable, Codable, CustomStringConvertible {
    case open
    case won
    case lost
    case dropped

    public var description: String { rawValue }
}
