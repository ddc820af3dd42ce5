import Testing
@testable import Devices

@Suite struct FlashTests {
    @Test func erasedFlashReadsAllOnesAtEveryWidth() {
        let f = Flash(size: 0x400_0000)
        #expect(f.read(offset: 0, size: 1) == 0xFF)
        #expect(f.read(offset: 2, size: 2) == 0xFFFF)
        #expect(f.read(offset: 0x3FF_FFFC, size: 4) == 0xFFFF_FFFF)
        #expect(f.read(offset: 0x100, size: 8) == .max)
    }

    @Test func contentsReadLittleEndianThenErasedBytes() {
        let f = Flash(size: 0x1000, contents: [0x11, 0x22, 0x33])
        #expect(f.read(offset: 0, size: 4) == 0xFF33_2211)
        #expect(f.read(offset: 1, size: 2) == 0x3322)
        #expect(f.read(offset: 2, size: 8) == 0xFFFF_FFFF_FFFF_FF33)
    }

    @Test func writesAreIgnored() {
        let f = Flash(size: 0x1000, contents: [0x11])
        #expect(f.write(offset: 0, size: 8, value: 0) == 0)
        #expect(f.write(offset: 0x55, size: 1, value: 0x98) == 0)  // a CFI query gets no answer
        #expect(f.read(offset: 0, size: 1) == 0x11)
        #expect(f.read(offset: 0x55, size: 1) == 0xFF)
        // An offset a hostile guest picks, past the window and wrapping: still 0xFF, no trap.
        #expect(Flash(size: 0x1000).read(offset: .max, size: 8) == .max)
    }
}
