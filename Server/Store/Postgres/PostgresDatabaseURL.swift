import Foundation
import NIOSSL
import PostgresNIO

/// A PostgreSQL address as `kam-server --database` takes it:
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=MODE]`.
///
/// `sslmode` follows libpq's words: `disable`, `prefer` (the default: TLS
/// when the server offers it), `require` (TLS, the certificate not checked),
/// `verify-ca` and `verify-full` (TLS, the certificate checked against the
/// system's roots, `verify-full` also its name). A `host` query item that is
/// a path connects over the Unix socket in that folder.
public struct PostgresDatabaseURL: Sendable, Hashable, CustomStringConvertible {
    /// The server's host name or address (`localhost` when the URL names none).
    public var host: String
    /// The server's TCP port (5432 when the URL names none).
    public var port: Int
    /// The folder of the server's Unix socket, when connecting through one.
    public var socketDirectory: String?
    /// The user to connect as.
    public var user: String
    /// The user's password, when the URL gives one; never shown in ``description``.
    public var password: String?
    /// The database's name.
    public var database: String
    /// How the connection uses TLS.
    public var sslMode: SSLMode

    /// How a connection uses TLS, in libpq's words.
    public enum SSLMode: String, Sendable, Hashable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    /// Whether `text` is meant as a PostgreSQL address (its scheme), valid or not.
    public static func isPostgres(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Parses `text`; throws ``PostgresDatabaseURLError`` saying what is wrong.
    public init(_ text: String) throws {
        guard Self.isPostgres(text) else { throw PostgresDatabaseURLError("it must start with postgres:// or postgresql://") }
        guard let components = URLComponents(string: text) else { throw PostgresDatabaseURLError("it is not a URL") }
        let items = Dictionary(
            (components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        guard let user = components.percentEncodedUser.flatMap({ $0.removingPercentEncoding }) ?? items["user"], !user.isEmpty
        else { throw PostgresDatabaseURLError("it names no user: write postgres://USER@HOST/DB") }
        let database = String(components.percentEncodedPath.drop(while: { $0 == "/" })).removingPercentEncoding ?? ""
        guard !database.isEmpty, !database.contains("/") else {
            throw PostgresDatabaseURLError("it names no database: write postgres://USER@HOST/DB")
        }
        var host = components.percentEncodedHost.flatMap { $0.removingPercentEncoding } ?? ""
        if let socket = items["host"], socket.hasPrefix("/") {
            socketDirectory = socket
        } else if let named = items["host"], !named.isEmpty {
            host = named
        }
        if host.isEmpty, socketDirectory == nil { host = "localhost" }
        if let port = components.port {
            guard (1...65_535).contains(port) else { throw PostgresDatabaseURLError("port \(port) is not a TCP port") }
            self.port = port
        } else if let port = items["port"] {
            guard let number = Int(port), (1...65_535).contains(number) else { throw PostgresDatabaseURLError("port \(port) is not a TCP port") }
            self.port = number
        } else {
            self.port = 5432
        }
        let mode = items["sslmode"] ?? SSLMode.prefer.rawValue
        guard let sslMode = SSLMode(rawValue: mode) else {
            throw PostgresDatabaseURLError(
                "sslmode=\(mode) is not one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.host = host
        self.user = user
        self.password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding } ?? items["password"]
        self.database = database
        self.sslMode = sslMode
    }

    /// The address without its password, for logs and messages.
    public var description: String {
        let location = socketDirectory.map { "[\($0)]" } ?? "\(host):\(port)"
        return "postgres://\(user)@\(location)/\(database)?sslmode=\(sslMode.rawValue)"
    }

    /// What every connection kam opens asks of its session. JIT compilation
    /// is off: kam's statements touch a few rows each, and a plan the
    /// statistics overprice (they lag while a territory streams in) would
    /// spend ten milliseconds compiling a statement that runs in half of one.
    static let sessionSettings = [("jit", "off")]

    /// postgres-nio's configuration for a pool of at most `connections`.
    public func clientConfiguration(connections: Int) throws -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if let socketDirectory {
            let path = (socketDirectory as NSString).appendingPathComponent(".s.PGSQL.\(port)")
            configuration = .init(unixSocketPath: path, username: user, password: password, database: database)
        } else {
            configuration = .init(host: host, port: port, username: user, password: password, database: database, tls: try tls())
        }
        configuration.options.maximumConnections = connections
        configuration.options.minimumConnections = 0
        configuration.options.additionalStartupParameters = Self.sessionSettings
        return configuration
    }

    func tls() throws -> PostgresClient.Configuration.TLS {
        switch sslMode {
        case .disable: return .disable
        case .allow, .prefer:
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .none
            return .prefer(tls)
        case .require:
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .none
            return .require(tls)
        case .verifyCA:
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .noHostnameVerification
            return .require(tls)
        case .verifyFull:
            return .require(.makeClientConfiguration())
        }
    }
}

/// A `--database` address that cannot be used, and why.
public struct PostgresDatabaseURLError: Error, CustomStringConvertible, Sendable {
    /// What is wrong with the address.
    public var reason: String
    init(_ reason: String) { self.reason = reason }
    public var description: String { "the database address is not usable: \(reason)" }
}
