#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A named place in the sync where a process may be made to die on the spot,
/// to prove that a crash there loses nothing.
///
/// `KAM_CRASH_AT=<point>` in a process's environment arms one point; the
/// variable is read once, the first time any point is reached, and is inert
/// when unset. A process that reaches its armed point writes
/// `kam crash point reached: <point>` to standard error and kills itself with
/// `SIGKILL`: no cleanup, no flush, no transaction commit, as `kill -9` would.
///
/// docs/RELIABILITY.md says what each point proves.
public enum CrashPoint: String, CaseIterable, Sendable {
    // kam-server
    /// Inside a push's write transaction, after the merge is written, before it commits.
    case beforePushCommit = "before-push-commit"
    /// A push is committed; its acknowledgement has not been sent.
    case afterPushCommit = "after-push-commit"
    /// A pull page is read; it has not been sent.
    case afterPullRead = "after-pull-read"
    /// Inside a registration's write transaction, before it commits.
    case beforeRegisterCommit = "before-register-commit"
    /// A registration is committed; the answer has not been sent.
    case afterRegisterCommit = "after-register-commit"

    // kam
    /// A push batch is read from the replica; it has not been sent.
    case beforePushSend = "before-push-send"
    /// The server acknowledged a push; the replica has not recorded it.
    case afterPushAnswer = "after-push-answer"
    /// Inside the transaction storing a pull page, after its records are written, before its cursor and the commit.
    case afterPullPageStored = "after-pull-page-stored"
    /// A pull page and its cursor are committed; the sync goes on with the next step.
    case afterPullCommit = "after-pull-commit"
    /// The server registered the replica; the replica has not recorded it.
    case afterRegisterAnswer = "after-register-answer"

    /// The environment variable naming the armed point.
    public static let environmentVariable = "KAM_CRASH_AT"

    /// The point armed in this process, if any; read once.
    public static let armed: CrashPoint? = {
        guard let value = getenv(environmentVariable) else { return nil }
        return CrashPoint(rawValue: String(cString: value))
    }()

    /// The value of `KAM_CRASH_AT` when it names no point, so a program can
    /// refuse to start with a misspelt one; `nil` when unset, empty or valid.
    public static var unknownArmedName: String? {
        guard let value = getenv(environmentVariable).map({ String(cString: $0) }), !value.isEmpty else { return nil }
        return CrashPoint(rawValue: value) == nil ? value : nil
    }

    /// Dies here, like `kill -9`, when this point is armed; does nothing otherwise.
    @inline(__always)
    public func reach() {
        guard let armed = Self.armed, armed == self else { return }
        Self.die(at: self)
    }

    private static func die(at point: CrashPoint) -> Never {
        let line = Array("kam crash point reached: \(point.rawValue)\n".utf8)
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        raise(SIGKILL)
        _exit(137)
    }
}
