import Foundation

/// A checker for the Chrome Trace Event Format (the JSON object form), independent of the writer:
/// what the Perfetto UI and chrome://tracing need to draw a file as its author meant.
///
/// - the file is a JSON object with a `traceEvents` array (and `displayTimeUnit` ms or ns if any);
/// - every event has `name` (string), `ph` (string), `ts` (number ≥ 0), `pid` and `tid` (integers);
///   complete events (`X`) also `dur` (number ≥ 0);
/// - per track (pid, tid): timestamps never decrease in file order, `B`/`E` pairs balance (each E
///   closes the innermost open B, with the same name when it has one, and nothing stays open),
///   and complete events nest: one that starts inside another ends inside it too.
enum TraceEventFormatCheck {
    struct Track: Hashable { var pid: Int; var tid: Int }

    /// Every problem found (empty: the file is valid), and the events by phase for further checks.
    static func problems(in data: Data) -> (problems: [String], events: [[String: Any]]) {
        var problems: [String] = []
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            return (["not a JSON object"], [])
        }
        if let unit = root["displayTimeUnit"], !["ms", "ns"].contains(unit as? String ?? "") {
            problems.append("displayTimeUnit \(unit) is neither ms nor ns")
        }
        guard let events = root["traceEvents"] as? [[String: Any]] else { return (["no traceEvents array of objects"], []) }
        var lastTS: [Track: Double] = [:]
        var openB: [Track: [String]] = [:]
        var openX: [Track: [Double]] = [:]  // end times of enclosing complete events
        for (i, e) in events.enumerated() {
            func bad(_ s: String) { problems.append("event \(i): \(s)") }
            guard e["name"] is String else { bad("no name"); continue }
            guard let ph = e["ph"] as? String else { bad("no ph"); continue }
            guard let ts = (e["ts"] as? NSNumber)?.doubleValue, ts >= 0 else { bad("no ts"); continue }
            guard let pid = e["pid"] as? Int, let tid = e["tid"] as? Int else { bad("no integer pid/tid"); continue }
            let track = Track(pid: pid, tid: tid)
            if let last = lastTS[track], ts < last { bad("ts \(ts) before \(last) on track \(pid)/\(tid)") }
            lastTS[track] = ts
            switch ph {
            case "X":
                guard let dur = (e["dur"] as? NSNumber)?.doubleValue, dur >= 0 else { bad("X without dur"); continue }
                var stack = openX[track, default: []]
                // 1e-6 µs slack: the values are decimals, their doubles are not exact.
                while let end = stack.last, end <= ts + 1e-6 { stack.removeLast() }
                if let end = stack.last, ts + dur > end + 1e-6 { bad("X [\(ts), \(ts + dur)] overlaps its parent ending at \(end)") }
                stack.append(ts + dur)
                openX[track] = stack
            case "B":
                openB[track, default: []].append(e["name"] as? String ?? "")
            case "E":
                guard let open = openB[track]?.popLast() else { bad("E without B on \(pid)/\(tid)"); continue }
                if let n = e["name"] as? String, !n.isEmpty, n != open { bad("E \(n) closes B \(open)") }
            case "M", "i", "I", "C": break
            default: bad("unexpected ph \(ph)")
            }
        }
        for (t, open) in openB where !open.isEmpty { problems.append("track \(t.pid)/\(t.tid): B without E: \(open)") }
        return (problems, events)
    }
}
