import Foundation

/// Bytes for the PL011's receiver from a host file descriptor (`--serial stdio`: standard
/// input), read by a thread of their own so the run loop never blocks on the terminal. The
/// machine takes them at its scheduling points, so guest-visible arrival times depend on when
/// the user types: a run with input from a terminal is not reproducible, one without is.
public final class SerialInput: @unchecked Sendable {
    private let condition = NSCondition()
    private var buffer: [UInt8] = []
    private var ended = false

    /// Starts reading `fd` until end of file or an error.
    public init(fileDescriptor fd: Int32) {
        let thread = Thread { [self] in
            var chunk = [UInt8](repeating: 0, count: 256)
            while true {
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                condition.lock()
                if n > 0 { buffer.append(contentsOf: chunk[0..<n]) } else { ended = true }
                condition.broadcast()
                condition.unlock()
                if n <= 0 { return }
            }
        }
        thread.start()
    }

    /// For tests: a fixed sequence of bytes, then end of input.
    public init(bytes: [UInt8]) {
        buffer = bytes
        ended = true
    }

    /// Takes up to `limit` waiting bytes without blocking.
    func take(_ limit: Int) -> [UInt8] {
        condition.lock()
        defer { condition.unlock() }
        let n = min(limit, buffer.count)
        let out = Array(buffer.prefix(n))
        buffer.removeFirst(n)
        return out
    }

    /// Blocks until a byte is waiting or the input has ended. - Returns: false at the end.
    func waitForInput() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while buffer.isEmpty && !ended { condition.wait() }
        return !buffer.isEmpty
    }
}
