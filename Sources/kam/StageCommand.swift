import ArgumentParser
import KAMClient
import KAMProtocol

extension Kam {
    struct StageCommand: KamCommand {
        static let configuration = CommandConfiguration(
            commandName: "stage",
            abstract: "Move an account to another relationship stage.",
            discussion: """
                Forward one stage at a time (development → initial → stable → strategic); back to any earlier stage with \
                a reason. The share (given with --share, or the current one) must fit the new stage's band: \
                development 0 %, initial under 50 %, stable 50 to under 80 %, strategic 80 to 100 %.
                """)

        @OptionGroup var home: HomeOptions
        @Argument(help: "The account: its name or id, or the start of either.") var account: String
        @Argument(help: "The stage to move to.") var stage: Stage
        @Option(help: "The purchase share in percent at the new stage.") var share: String?
        @Option(help: "Why: required when moving back.") var reason: String?

        func execute() async throws {
            let share = try self.share.map { text in try typed { () throws(DomainError) in try Share(parsing: text) } }
            let change = try home.replica().changeStage(account, to: stage, share: share, reason: reason)
            print("\(change.from.text) → \(change.to)\(change.share.map { " at \($0)" } ?? "")")
        }
    }
}
