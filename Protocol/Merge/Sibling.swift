/// One current value of a register, with the dot of the write that made it.
public struct Sibling<Value: Hashable & Sendable>: Hashable, Sendable {
    /// The write that produced this value; unique in the whole system.
    public let dot: Dot
    public let value: Value
    /// When the writer's clock says the write happened. Shown, never used to decide.
    public let at: Timestamp

    public init(dot: Dot, value: Value, at: Timestamp) {
        self.dot = dot
        self.value = value
        self.at = at
    }
}

extension Sibling: Codable where Value: Codable {
    enum CodingKeys: String, CodingKey {
        case dot = "d"
        case value = "v"
        case at = "t"
    }
}
