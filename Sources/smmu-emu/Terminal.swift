import Foundation

/// Raw terminal mode for `--serial stdio`: keys go to the guest's UART as typed (no line
/// editing, no local echo; the guest echoes). Ctrl-C still ends the emulator (ISIG stays on).
/// The saved settings come back on every exit path: normal exit (`atexit`) and the
/// terminating signals, whose handler restores them and then dies of the same signal.
enum Terminal {
    nonisolated(unsafe) static var saved = termios()
    nonisolated(unsafe) static var isRaw = false

    /// Puts standard input into raw mode if it is a terminal.
    static func enterRawModeIfInteractive() {
        guard isatty(STDIN_FILENO) == 1, tcgetattr(STDIN_FILENO, &saved) == 0 else { return }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO | IEXTEN)
        raw.c_iflag &= ~tcflag_t(ICRNL | IXON | INLCR | IGNCR)
        raw.c_cc.6 = 1  // VMIN: reads return after one byte
        raw.c_cc.5 = 0  // VTIME: no timeout
        guard tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0 else { return }
        isRaw = true
        atexit { Terminal.restore() }
        for sig in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE] {
            signal(sig) { s in
                Terminal.restore()
                signal(s, SIG_DFL)
                raise(s)
            }
        }
    }

    /// Puts the saved settings back (async-signal-safe: tcsetattr only).
    static func restore() {
        guard isRaw else { return }
        tcsetattr(STDIN_FILENO, TCSANOW, &saved)
    }
}
