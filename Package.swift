// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "kam",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "KAMProtocol", targets: ["KAMProtocol"]),
        .library(name: "KAMServer", targets: ["KAMServer"]),
        .library(name: "KAMClient", targets: ["KAMClient"]),
        .executable(name: "kam", targets: ["kam"]),
        .executable(name: "kam-server", targets: ["kam-server"]),
        .executable(name: "kam-bench", targets: ["kam-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/yaslab/CSV.swift.git", from: "2.5.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // The shared model and the merge: pure code, no I/O, used by both sides.
        .target(name: "KAMProtocol", path: "Protocol", exclude: ["openapi.yaml"]),
        // Records as CSV tables, both ways: the columns and the file form kam and kam-server share.
        .target(
            name: "KAMTables",
            dependencies: ["KAMProtocol", .product(name: "CSV", package: "CSV.swift")],
            path: "Tables"
        ),
        // What both SQLite stores share: the replica numbers their record rows hold.
        .target(
            name: "KAMSQLite",
            dependencies: [
                "KAMProtocol", "CSQLiteConfig", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            path: "SQLite"
        ),
        // Wrappers for SQLite's variadic configuration calls (the library comes with GRDB).
        .systemLibrary(name: "CSQLiteConfig", path: "Sources/CSQLiteConfig", providers: [.apt(["libsqlite3-dev"])]),
        // Named crash points for the crash tests (KAM_CRASH_AT); inert unless armed.
        .target(name: "KAMFaults", path: "Faults"),
        .target(
            name: "KAMServer",
            dependencies: [
                "KAMProtocol",
                "KAMSQLite",
                "KAMTables",
                "KAMFaults",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Server"
        ),
        .target(
            name: "KAMClient",
            dependencies: [
                "KAMProtocol",
                "KAMSQLite",
                "KAMTables",
                "KAMFaults",
                "CCurl",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Client"
        ),
        // The system libcurl's header, and wrappers that open the library when
        // kam first talks to a server (not linked: most commands never do).
        .systemLibrary(
            name: "CCurl", path: "Sources/CCurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .executableTarget(
            name: "kam",
            dependencies: [
                "KAMClient",
                "KAMTables",
                "KAMFaults",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/kam"
        ),
        .executableTarget(
            name: "kam-server",
            dependencies: [
                "KAMServer",
                "KAMFaults",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/kam-server"
        ),
        // The benchmarks behind `make bench`: workloads, references and the report.
        .target(
            name: "KAMBench",
            dependencies: [
                "KAMProtocol",
                "KAMServer",
                "KAMClient",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Bench"
        ),
        .executableTarget(
            name: "kam-bench",
            dependencies: [
                "KAMBench",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/kam-bench"
        ),
        // What several test targets share: the seeded generator.
        .target(name: "KAMTestSupport", path: "Tests/Support"),
        // What the server's and the end-to-end tests share: the databases they run against.
        .target(
            name: "KAMServerTestSupport",
            dependencies: [
                "KAMServer", .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/ServerSupport"
        ),
        .testTarget(
            name: "KAMProtocolTests",
            dependencies: [
                "KAMProtocol",
                "KAMTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            path: "Tests/KAMProtocolTests"
        ),
        .testTarget(
            name: "KAMServerTests",
            dependencies: [
                "KAMServer",
                "KAMSQLite",
                "KAMTestSupport",
                "KAMServerTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ],
            path: "Tests/KAMServerTests"
        ),
        .testTarget(
            name: "KAMClientTests",
            dependencies: [
                "KAMClient",
                "KAMServer",
                "KAMTables",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Tests/KAMClientTests"
        ),
        // Whole-system checks: replicas and the server's store together.
        .testTarget(
            name: "KAMEndToEndTests",
            dependencies: [
                "KAMClient",
                "KAMServer",
                "KAMTables",
                "KAMTestSupport",
                "KAMServerTestSupport",
                "KAMFaults",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            path: "Tests/KAMEndToEndTests"
        ),
    ]
)
