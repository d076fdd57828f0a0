/// What one benchmark measured: its figures beside their same-run
/// references, and how they compare with the goals.
public struct BenchmarkReport: Sendable {
    /// One measured figure, beside the reference taken in the same run.
    public struct Row: Sendable {
        public var measure: String
        public var kam: String
        public var reference: String
        public var ratio: String

        public init(_ measure: String, kam: String, reference: String = "", ratio: String = "") {
            self.measure = measure
            self.kam = kam
            self.reference = reference
            self.ratio = ratio
        }
    }

    /// One goal from the issue and whether this run met it (`nil` when not judged).
    public struct Goal: Sendable {
        public var statement: String
        public var measured: String
        public var met: Bool?

        public init(_ statement: String, measured: String, met: Bool?) {
            self.statement = statement
            self.measured = measured
            self.met = met
        }

        public var verdict: String {
            switch met {
            case .some(true): "met"
            case .some(false): "missed"
            case .none: "not judged"
            }
        }
    }

    public var number: Int
    public var title: String
    public var workload: String
    public var rows: [Row] = []
    public var goals: [Goal] = []
    /// What the run or a profile showed: causes of misses, caveats.
    public var notes: [String] = []

    public init(number: Int, title: String, workload: String) {
        self.number = number
        self.title = title
        self.workload = workload
    }

    mutating func goal(_ statement: String, measured: String, met: Bool, judged: Bool) {
        goals.append(Goal(statement, measured: measured, met: judged ? met : nil))
    }
}
