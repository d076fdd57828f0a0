/// The stage of a key-account relationship, defined by our purchase share.
///
/// | stage | purchase share |
/// |---|---|
/// | development | 0 % (no business yet) |
/// | initial | from 0 % to under 50 % |
/// | stable | from 50 % to under 80 % |
/// | strategic | from 80 % to 100 % |
///
/// Each band includes its lower bound; a share of exactly 50 % is stable and
/// one of exactly 80 % is strategic.
public enum Stage: String, CaseIterable, Comparable, Hashable, Sendable, Codable, CustomStringConvertible {
    case development
    case initial
    case stable
    case strategic

    /// The Chinese name used in the source material.
    public var chineseName: String {
        switch self {
        case .development: "开发阶段"
        case .initial: "初期合作阶段"
        case .stable: "稳定合作阶段"
        case .strategic: "战略合作阶段"
        }
    }

    /// The purchase shares that agree with this stage.
    public var band: ShareBand {
        switch self {
        case .development: ShareBand(lower: .zero, upper: .zero, includesUpper: true)
        case .initial: ShareBand(lower: .zero, upper: Share(basisPoints: 5_000), includesUpper: false)
        case .stable: ShareBand(lower: Share(basisPoints: 5_000), upper: Share(basisPoints: 8_000), includesUpper: false)
        case .strategic: ShareBand(lower: Share(basisPoints: 8_000), upper: .full, includesUpper: true)
        }
    }

    /// The stages whose band holds `share`, lowest first (0 % is both development and initial).
    public static func stages(for share: Share) -> [Stage] {
        allCases.filter { $0.band.contains(share) }
    }

    /// The stage one step up, or `nil` at strategic.
    public var next: Stage? {
        Stage.allCases.firstIndex(of: self).flatMap { index in
            index + 1 < Stage.allCases.count ? Stage.allCases[index + 1] : nil
        }
    }

    var order: Int { Stage.allCases.firstIndex(of: self)! }

    public static func < (lhs: Stage, rhs: Stage) -> Bool { lhs.order < rhs.order }

    public var description: String { rawValue }
}

/// A range of purchase shares.
public struct ShareBand: Hashable, Sendable, CustomStringConvertible {
    public let lower: Share
    public let upper: Share
    /// Whether `upper` itself is in the band.
    public let includesUpper: Bool

    public func contains(_ share: Share) -> Bool {
        share >= lower && (includesUpper ? share <= upper : share < upper)
    }

    public var description: String {
        if lower == upper { return "\(lower)" }
        return includesUpper ? "\(lower) to \(upper)" : "\(lower) to under \(upper)"
    }
}
