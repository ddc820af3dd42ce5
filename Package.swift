// swift-tools-version: 6.1
import PackageDescription

/// Module graph (one-way, top to bottom):
///   smmu-emu (CLI) → Emulator → KCore → SMMUDevice → Stage2
///                      Emulator → Platform (machine description, device tree)
///                      Emulator → AArch64 → Stage2
///   CElf, CCapstone: system-library shims used by Emulator.
///   CUnicorn: system library used only by the lockstep differential tests.
let package = Package(
    name: "smmu-emu",
    products: [
        .executable(name: "smmu-emu", targets: ["smmu-emu"]),
        .library(name: "Emulator", targets: ["Emulator"]),
        // EL2's state and decisions (TrapOutcome, the query API) for users of Emulator's hooks.
        .library(name: "KCore", targets: ["KCore"]),
        .executable(name: "smmu-fuzz", targets: ["smmu-fuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        // SHA-256 of VM images (issue 4); only the Emulator and the tests that hash images link it
        // (build time), not KCore, which takes the digest as a closure.
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // `make docs`: the DocC catalog of the Emulator library (swift package generate-documentation).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CElf", pkgConfig: "libelf", providers: [.apt(["libelf-dev"])]),
        .systemLibrary(name: "CCapstone", pkgConfig: "capstone", providers: [.apt(["libcapstone-dev"])]),
        .systemLibrary(name: "CUnicorn", pkgConfig: "unicorn", providers: [.apt(["libunicorn-dev"])]),
        // The guest's instructions and EL2's trap path run through these modules' class properties
        // millions of times a second; the runtime's exclusivity check on each access was an eighth
        // of a trap round trip. Static (compile-time) exclusivity checking stays on.
        .target(name: "Stage2", swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"])]),
        .target(
            name: "AArch64", dependencies: ["Stage2"],
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"])]),
        .target(name: "SMMUDevice", dependencies: ["Stage2"], swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"])]),
        // The machine description (memory map, interrupts) and the device-tree writer.
        .target(name: "Platform"),
        // Platform devices on the physical bus: the GIC, the PL011, flash.
        .target(name: "Devices", dependencies: ["Stage2"], swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"])]),
        .target(
            name: "KCore",
            dependencies: ["Stage2", "SMMUDevice"],
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"])]),
        .target(
            name: "Emulator",
            dependencies: [
                "AArch64", "KCore", "SMMUDevice", "Stage2", "Platform", "Devices", "CElf", "CCapstone",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"])]),
        .executableTarget(
            name: "smmu-emu",
            dependencies: ["Emulator", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // Fuzz targets (make fuzz): the functions, and a program that is a libFuzzer target when
        // built with -sanitize=fuzzer -DFUZZING and a replayer of saved inputs otherwise.
        .target(name: "FuzzTargets", dependencies: ["AArch64", "Emulator", "KCore", "Platform", "SMMUDevice", "Stage2", "TestSupport"]),
        .executableTarget(name: "smmu-fuzz", dependencies: ["FuzzTargets"]),
        // What the tests (and the fuzz soak) share: the seeded random generator.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "Stage2Tests", dependencies: ["Stage2"]),
        .testTarget(name: "AArch64Tests", dependencies: ["AArch64", "Stage2", "CUnicorn", "TestSupport"]),
        .testTarget(name: "SMMUDeviceTests", dependencies: ["SMMUDevice", "Stage2", "TestSupport"]),
        .testTarget(name: "PlatformTests", dependencies: ["Platform"]),
        .testTarget(name: "DevicesTests", dependencies: ["Devices", "Stage2"]),
        .testTarget(
            name: "KCoreTests",
            dependencies: ["KCore", "SMMUDevice", "Stage2", "TestSupport", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(
            name: "EmulatorTests",
            dependencies: ["Emulator", "AArch64", "KCore", "SMMUDevice", "Stage2", "FuzzTargets", "TestSupport", .product(name: "Crypto", package: "swift-crypto")]),
    ],
    swiftLanguageModes: [.v5]
)
