/// How big each benchmark's workload is.
///
/// `full` is what the goals are stated against; `smoke` is small
/// enough to run in CI on every change, so the benchmarks keep working, and
/// its figures are not judged against the goals.
public struct BenchScale: Sendable, Hashable {
    /// The accounts in the large territory (each with a contact and an activity).
    public var largeTerritory: Int
    /// The accounts in the small territory of the incremental-sync benchmark.
    public var smallTerritory: Int
    /// Single-field updates in the merge-engine benchmark, split over two replicas.
    public var mergeUpdates: Int
    /// Distinct records in the merge-engine benchmark (ten fields each).
    public var mergeRecords: Int
    /// Concurrent clients against one server.
    public var clients: Int
    /// How long each many-clients phase runs, in seconds.
    public var clientSeconds: Int
    /// Repetitions of the timed whole-process and incremental runs (the median is reported).
    public var repetitions: Int
    /// Whether the figures are judged against the goals.
    public var judged: Bool

    public static let full = BenchScale(
        largeTerritory: 100_000, smallTerritory: 1_000, mergeUpdates: 100_000, mergeRecords: 1_000,
        clients: 200, clientSeconds: 10, repetitions: 9, judged: true)

    public static let smoke = BenchScale(
        largeTerritory: 400, smallTerritory: 40, mergeUpdates: 2_000, mergeRecords: 1_000,
        clients: 8, clientSeconds: 1, repetitions: 2, judged: false)
}
