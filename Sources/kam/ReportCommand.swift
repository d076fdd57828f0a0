import ArgumentParser
import KAMClient
import KAMProtocol

extension Kam {
    struct ReportCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report", abstract: "Reports over the accounts on this laptop.", subcommands: [Pipeline.self, Pyramid.self, Movements.self, Declining.self, Risks.self, Complaints.self])
    }
}

extension Kam.ReportCommand {
    struct Pipeline: KamCommand {
        static let configuration = CommandConfiguration(commandName: "pipeline", abstract: "Accounts and average share per stage, over all and per owner.")

        @OptionGroup var home: HomeOptions
        @OptionGroup var output: JSONOption

        func execute() async throws {
            let report = try home.replica().pipeline()
            if output.json { return try printJSON(report) }
            func rows(_ stages: [PipelineReport.Row]) -> [[String]] {
                stages.map { [$0.stage.rawValue, String($0.accounts), $0.averageShare.text, String($0.withShare)] }
            }
            table(["STAGE", "ACCOUNTS", "AVG SHARE", "WITH SHARE"], rows(report.stages) + [["total", String(report.accounts), "", ""]])
            for owner in report.owners {
                print("\n" + terminal.bold(owner.owner.map { safe($0) } ?? "(no owner)"))
                table(["STAGE", "ACCOUNTS", "AVG SHARE", "WITH SHARE"], rows(owner.stages).filter { $0[1] != "0" })
            }
        }
    }
}
