// swift-tools-version: 6.1
import PackageDescription

let package = Package(
  name: "reconcile",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "reconcile", targets: ["reconcile"]),
    .library(name: "Numerics", targets: ["Numerics"]),
    .library(name: "Statistics", targets: ["Statistics"]),
    .library(name: "Figures", targets: ["Figures"]),
    .library(name: "Reports", targets: ["Reports"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
  ],
  targets: [
    .systemLibrary(
      name: "CLAPACK",
      path: "Sources/CLAPACK",
      providers: [.apt(["liblapack-dev", "libopenblas-dev", "liblapacke-dev"])]
    ),
    // log and exp of whole arrays: glibc's AVX2 vector math (libmvec) where the CPU has it.
    .target(
      name: "CVectorMath",
      linkerSettings: [.linkedLibrary("mvec", .when(platforms: [.linux]))]
    ),
    .target(name: "Numerics", dependencies: ["CLAPACK", "CVectorMath"]),
    // The samplers and fitters are optimised in debug builds too: the tests run the trajectory's
    // MCMC (parity with Stan, the report's trajectories) and count-joinpoint searches, which take
    // minutes unoptimised. Optimisation keeps IEEE semantics (no reassociation, no contraction),
    // so debug and release give the same bits.
    .target(
      name: "Statistics", dependencies: ["Numerics", "CLAPACK"],
      swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),
    // Record ends of CSV by quote parity, 64 bytes at a time (SSE2).
    .target(name: "CScan"),
    .target(name: "Figures", dependencies: ["CScan"]),
    .target(name: "StRD"),
    .executableTarget(name: "nist-lre", dependencies: ["StRD", "Statistics", "Numerics"]),
    // Times the trajectory model's fit (issue #28) on a synthetic problem of 50 statements.
    .executableTarget(name: "trajectory-bench", dependencies: ["Statistics", "Numerics", "StanParity"]),
    // Our fit against Stan's reference samples (issue #28): shared by TrajectoryParityTests and
    // trajectory-parity (scripts/trajectory-parity: release builds, the long references' draws).
    .target(
      name: "StanParity", dependencies: ["Statistics", "TestSupport"],
      swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),
    .executableTarget(name: "trajectory-parity", dependencies: ["StanParity"]),
    // Simulation-based calibration of the trajectory model (issue #28): scripts/trajectory-calibration.
    .executableTarget(name: "trajectory-calibration", dependencies: ["Statistics"]),
    // libFuzzer targets (scripts/fuzz builds them with -sanitize=fuzzer,address -DFUZZING);
    // in ordinary builds they replay files given as arguments.
    .target(name: "FuzzSupport"),
    .executableTarget(name: "fuzz-csv", dependencies: ["Figures", "FuzzSupport"]),
    .executableTarget(name: "fuzz-figures", dependencies: ["Figures", "FuzzSupport"]),
    .executableTarget(name: "fuzz-streaming", dependencies: ["Figures", "FuzzSupport", "CScan"]),
    .executableTarget(name: "fuzz-expression", dependencies: ["Statistics", "FuzzSupport"]),
    .executableTarget(name: "fuzz-json", dependencies: ["Reports", "Figures", "FuzzSupport"]),
    .executableTarget(name: "fuzz-claims", dependencies: ["Reports", "Figures", "FuzzSupport"]),
    // snprintf's %.*e for the CSV writer (no CVarArg boxing per number).
    .target(name: "CFormat"),
    .target(name: "Reports", dependencies: ["Numerics", "Statistics", "Figures", "CFormat"]),
    .executableTarget(
      name: "reconcile",
      dependencies: [
        "Reports", "Figures", "Statistics", "Numerics",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      // The Swift runtime and FoundationEssentials linked in, not loaded: the dynamic
      // linker's symbol binding was a third of a small command's start, and calls into the
      // runtime (retain/release, arrays) go direct. Measured, interleaved medians of 21:
      // `validate` on a seed file 23.3 → 16.0 ms, the seed report 107 → 93 ms, `ranges` on
      // 100 MB 871 → 820 ms. Linux only: Apple platforms ship the runtime with the system.
      swiftSettings: [.unsafeFlags(["-static-stdlib"], .when(platforms: [.linux]))],
      linkerSettings: [.unsafeFlags(["-static-stdlib"], .when(platforms: [.linux]))]
    ),
    // Shared by every test target: closeness of doubles and the fixtures under Tests/Fixtures.
    .target(name: "TestSupport", path: "Tests/TestSupport"),
    .testTarget(name: "NumericsTests", dependencies: ["Numerics", "StRD", "TestSupport"]),
    .testTarget(
      name: "StatisticsTests", dependencies: ["Statistics", "Numerics", "StRD", "TestSupport", "StanParity"]),
    .testTarget(name: "FiguresTests", dependencies: ["Figures", "TestSupport"]),
    .testTarget(name: "ReportsTests", dependencies: ["Reports", "Figures", "Statistics", "Numerics", "TestSupport"]),
    .testTarget(name: "CLITests", dependencies: ["Reports", "Figures", "Statistics", "TestSupport"]),
  ]
)
