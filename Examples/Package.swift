// swift-tools-version: 6.1
import PackageDescription

/// Uses smmu-emu's `Emulator` library as a tool outside the repository would: by a package
/// dependency (here by path) on its `Emulator` product, nothing internal.
let package = Package(
    name: "smmu-emu-examples",
    dependencies: [.package(name: "smmu-emu", path: "..")],
    targets: [
        .testTarget(name: "ShadowMappingTests", dependencies: [.product(name: "Emulator", package: "smmu-emu")]),
        .testTarget(name: "RunInStepsTests", dependencies: [.product(name: "Emulator", package: "smmu-emu"), .product(name: "KCore", package: "smmu-emu")]),
    ]
)
