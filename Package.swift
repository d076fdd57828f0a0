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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    ],
    targets: [
        // The shared model and the merge: pure code, no I/O, used by both sides.
        .target(name: "KAMProtocol", path: "Protocol"),
        .target(
            name: "KAMServer",
            dependencies: [
                "KAMProtocol",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Server"
        ),
        .target(
            name: "KAMClient",
            dependencies: [
                "KAMProtocol",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Client"
        ),
        .executableTarget(
            name: "kam",
            dependencies: [
                "KAMClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/kam"
        ),
        .executableTarget(
            name: "kam-server",
            dependencies: [
                "KAMServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/kam-server"
        ),
        .testTarget(
            name: "KAMProtocolTests",
            dependencies: [
                "KAMProtocol",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            path: "Tests/KAMProtocolTests"
        ),
        .testTarget(name: "KAMServerTests", dependencies: ["KAMServer"], path: "Tests/KAMServerTests"),
        .testTarget(name: "KAMClientTests", dependencies: ["KAMClient"], path: "Tests/KAMClientTests"),
    ]
)
