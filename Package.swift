// swift-tools-version: 6.1
import PackageDescription

// Layering (DESIGN.md section 1): each target imports only the targets listed before it, and only what it declares
// here (scripts/check-layers checks the declarations and DESIGN's table of who may import what).
let package = Package(
    name: "oauthtop",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "oauthtop", targets: ["oauthtop"]),
        .executable(name: "oauthtop-bench", targets: ["oauthtop-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
        .package(url: "https://github.com/pointfreeco/swift-clocks", from: "1.1.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        .target(name: "Health"),
        // Only OAuth speaks HTTP to providers; Crypto for PKCE's SHA-256 (DESIGN.md section 1).
        .target(name: "OAuth", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // Only TokenStore touches the database (DESIGN.md section 1).
        .target(name: "TokenStore", dependencies: [.product(name: "GRDB", package: "GRDB.swift")]),
        // libsecret's few calls, through dlopen: neither building nor running oauthtop needs libsecret (see
        // Sources/CSecretShim/secret_shim.c). libdl is part of glibc since 2.34; named for older ones.
        .target(name: "CSecretShim", linkerSettings: [.linkedLibrary("dl")]),
        // Tokens at rest: the AES-GCM sealer TokenStore is given, and where its key lives (keyring or key file).
        .target(
            name: "AtRest",
            dependencies: ["TokenStore", "CSecretShim", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "RefreshEngine",
            dependencies: [
                "Health", "OAuth", "TokenStore", "CTimerFD",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        // Browser sign-in as a library (DESIGN.md section 4, `login`): the steps from discovery to the stored
        // session, the loopback callback server (FlyingFox on 127.0.0.1) and the browser opener. Requests to
        // providers go through OAuth; the executable maps its config to `SignInSettings`.
        .target(
            name: "SignIn",
            dependencies: [
                "Health", "OAuth", "TokenStore", "RefreshEngine", "LoopbackHTTP",
                .product(name: "FlyingFox", package: "FlyingFox"),
                .product(name: "FlyingSocks", package: "FlyingFox"),
            ]
        ),
        .target(
            name: "Telemetry",
            dependencies: [
                "LoopbackHTTP",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "FlyingFox", package: "FlyingFox"),
                .product(name: "FlyingSocks", package: "FlyingFox"),
            ]
        ),
        // The bounded HTTP/1.1 server on 127.0.0.1 under the sign-in callback and /metrics (docs/security.md):
        // FlyingSocks' sockets and FlyingFox's requests, responses and routes, with the head read within limits.
        .target(
            name: "LoopbackHTTP",
            dependencies: [
                .product(name: "FlyingFox", package: "FlyingFox"),
                .product(name: "FlyingSocks", package: "FlyingFox"),
            ]
        ),
        // ncursesw as a system library. No pkgConfig: Debian's ncursesw.pc only adds -D flags that SwiftPM drops with
        // a warning; libncursesw.so is a linker script that brings libtinfo along.
        .systemLibrary(name: "CNcursesw", providers: [.apt(["libncurses-dev"])]),
        // timerfd(2) from libc, for the engine's wall-clock watcher (Glibc's module map leaves it out).
        .systemLibrary(name: "CTimerFD"),
        .target(name: "Dashboard", dependencies: ["Health", "RefreshEngine", "CNcursesw"]),
        .target(
            name: "DemoProvider",
            dependencies: ["OAuth", .product(name: "FlyingFox", package: "FlyingFox")]
        ),
        .executableTarget(
            name: "oauthtop",
            dependencies: [
                "Health", "OAuth", "TokenStore", "AtRest", "RefreshEngine", "SignIn", "Telemetry", "Dashboard",
                "DemoProvider",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "oauthtop-bench",
            dependencies: [
                "Health", "OAuth", "TokenStore", "AtRest", "RefreshEngine", "Dashboard",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Test doubles shared by the test targets: a clock you advance by hand, a scripted token endpoint.
        .target(
            name: "OAuthTopTesting",
            dependencies: [
                "OAuth", "TokenStore", "RefreshEngine",
                .product(name: "Clocks", package: "swift-clocks"),
            ],
            path: "Tests/OAuthTopTesting"
        ),
        .testTarget(name: "HealthTests", dependencies: ["Health"]),
        .testTarget(
            name: "TokenStoreTests",
            dependencies: [
                "TokenStore", "AtRest", "OAuthTopTesting", .product(name: "GRDB", package: "GRDB.swift"),
            ]),
        .testTarget(name: "AtRestTests", dependencies: ["AtRest", "TokenStore"]),
        .testTarget(
            name: "OAuthTests",
            dependencies: [
                "OAuth",
                .product(name: "FlyingFox", package: "FlyingFox"),
                .product(name: "FlyingSocks", package: "FlyingFox"),
            ]
        ),
        .testTarget(name: "DashboardTests", dependencies: ["Dashboard", "Health", "RefreshEngine"]),
        .testTarget(name: "DemoProviderTests", dependencies: ["DemoProvider", "OAuth"]),
        .testTarget(
            name: "RefreshEngineTests",
            dependencies: [
                "RefreshEngine", "OAuthTopTesting", "Health", "OAuth", "TokenStore",
                .product(name: "Clocks", package: "swift-clocks"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "OAuthTopTests",
            dependencies: [
                "oauthtop", "OAuthTopTesting", "SignIn", "Health", "OAuth", "TokenStore", "RefreshEngine",
                .product(name: "FlyingFox", package: "FlyingFox"),
            ]
        ),
        // The sign-in end to end in process: the real callback server, DemoProvider as the authorization server.
        .testTarget(
            name: "SignInTests",
            dependencies: [
                "SignIn", "DemoProvider", "OAuthTopTesting", "OAuth", "TokenStore", "RefreshEngine", "LoopbackHTTP",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "TelemetryTests",
            dependencies: [
                "Telemetry", "LoopbackHTTP", "OAuthTopTesting",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
