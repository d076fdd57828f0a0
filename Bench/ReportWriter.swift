import Foundation
import KAMClient

/// Writes the reports as a terminal table and as BENCHMARKS.md.
public enum ReportWriter {
    /// One table of every figure, for the terminal.
    public static func table(_ reports: [BenchmarkReport]) -> String {
        var rows: [[String]] = []
        for report in reports {
            for row in report.rows {
                rows.append(["\(report.number) \(report.title)", row.measure, row.kam, row.reference, row.ratio])
            }
            for goal in report.goals {
                rows.append(["\(report.number) \(report.title)", "goal: \(goal.statement)", goal.measured, "", goal.verdict])
            }
        }
        return TextTable(headers: ["benchmark", "measure", "kam", "reference", "ratio / verdict"], rows: rows).render()
    }

    /// The whole report as Markdown.
    public static func markdown(_ reports: [BenchmarkReport], machine: Machine, command: String, findings: String) -> String {
        var text = """
            # kam benchmarks

            Measured on \(machine.date) by `\(command)` on one machine: \(machine.cpu), \(machine.cores) cores, \(machine.memory) of memory, \(machine.system), \(machine.swift). Every reference was measured in the same run as the figure beside it, so the ratios hold even where the machine is noisy; the absolute figures are this machine's.

            Reproduce with `make bench` (release builds, about 25 minutes; benchmarks 8 and 9 on a throwaway PostgreSQL cluster it starts). `make bench-smoke` runs the same code on tiny data, as CI does, and judges nothing.

            ## Summary

            | # | benchmark | goal | measured | verdict |
            |---|---|---|---|---|

            """
        for report in reports {
            for goal in report.goals {
                text += "| \(report.number) | \(report.title) | \(goal.statement) | \(goal.measured) | **\(goal.verdict)** |\n"
            }
        }
        for report in reports {
            text += "\n## \(report.number). \(report.title)\n\n\(report.workload)\n\n"
            text += "| measure | kam | reference | ratio |\n|---|---|---|---|\n"
            for row in report.rows {
                text += "| \(row.measure) | \(row.kam) | \(row.reference) | \(row.ratio) |\n"
            }
            if !report.notes.isEmpty {
                text += "\n" + report.notes.map { "- \($0)" }.joined(separator: "\n") + "\n"
            }
        }
        if !findings.isEmpty { text += "\n## What the profiles show\n\n\(findings)\n" }
        return text
    }
}
