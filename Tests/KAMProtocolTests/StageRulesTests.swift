import KAMProtocol
import Testing

@Suite("Stage rules")
struct StageRulesTests {
    @Test("moving forward one stage at a time is allowed", arguments: [
        (Stage.development, Stage.initial), (.initial, .stable), (.stable, .strategic),
    ])
    func forwardOneStep(from: Stage, to: Stage) throws {
        try StageRules.checkTransition(from: from, to: to, reason: nil)
    }

    @Test("skipping forward is refused", arguments: [
        (Stage.development, Stage.stable), (.development, .strategic), (.initial, .strategic),
    ])
    func skipForwardRefused(from: Stage, to: Stage) {
        #expect(throws: StageRuleError.skipsForward(from: from, to: to)) {
            try StageRules.checkTransition(from: from, to: to, reason: "big order")
        }
    }

    @Test("the refusal says which stage comes next")
    func skipMessage() {
        let message = StageRuleError.skipsForward(from: .development, to: .strategic).description
        #expect(message.contains("one stage at a time"))
        #expect(message.contains("move to initial first"))
    }

    @Test("decline to any earlier stage is allowed with a reason", arguments: [
        (Stage.strategic, Stage.development), (.strategic, .initial), (.stable, .initial), (.initial, .development),
    ])
    func declineWithReason(from: Stage, to: Stage) throws {
        try StageRules.checkTransition(from: from, to: to, reason: "lost the annual tender")
        #expect(StageRules.isDecline(from: from, to: to))
    }

    @Test("decline without a reason is refused", arguments: [nil, "", "   "])
    func declineNeedsReason(reason: String?) {
        #expect(throws: StageRuleError.declineNeedsReason(from: .stable, to: .initial)) {
            try StageRules.checkTransition(from: .stable, to: .initial, reason: reason)
        }
    }

    @Test("staying at the same stage is not a change")
    func unchanged() {
        #expect(throws: StageRuleError.unchanged(.stable)) {
            try StageRules.checkTransition(from: .stable, to: .stable, reason: "x")
        }
    }

    @Test("share bands: lower bound in, upper bound out, strategic up to 100 %")
    func bands() throws {
        func share(_ percent: Double) throws -> Share { try Share(percent: percent) }
        #expect(Stage.development.band.contains(.zero))
        #expect(!Stage.development.band.contains(try share(0.01)))
        #expect(Stage.initial.band.contains(.zero))
        #expect(Stage.initial.band.contains(try share(49.99)))
        #expect(!Stage.initial.band.contains(try share(50)))
        #expect(Stage.stable.band.contains(try share(50)))
        #expect(Stage.stable.band.contains(try share(79.99)))
        #expect(!Stage.stable.band.contains(try share(80)))
        #expect(Stage.strategic.band.contains(try share(80)))
        #expect(Stage.strategic.band.contains(.full))
        #expect(Stage.stages(for: try share(65)) == [.stable])
        #expect(Stage.stages(for: .zero) == [.development, .initial])
    }

    @Test("a typed share outside the band is rejected, and the message names the band")
    func typedShareChecked() throws {
        try StageRules.checkShare(try Share(percent: 65), fits: .stable)
        let share = try Share(percent: 30)
        #expect(throws: StageRuleError.shareOutsideBand(stage: .stable, share: share)) {
            try StageRules.checkShare(share, fits: .stable)
        }
        let message = StageRuleError.shareOutsideBand(stage: .stable, share: share).description
        #expect(message.contains("50 % to under 80 %"))
        #expect(message.contains("initial"))
    }
}
