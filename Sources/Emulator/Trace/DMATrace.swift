import SMMUDevice

/// `--trace dma` and the SMMU tracks of `--trace-perfetto`: every transaction a DMA engine sends
/// through its SMMU, with the route the SMMU took and the address or fault it produced.
///
/// The engines report transactions to an observer, knowing nothing of the machine; the machine
/// adds what only it knows: which CPU's store to CTRL started the copy, and that CPU's clock.
/// A transaction's cycle is that CPU's cycle counter when the CTRL write reached the engine,
/// plus the cycles the copy had already spent (`DMATransaction.startOffset`).
extension Machine {
    /// Installs the observers (only when tracing DMA, so an untraced run pays nothing per beat
    /// beyond the nil check).
    func installDMATrace() {
        for (i, engine) in dmaEngines.enumerated() {
            engine.transactionObserver = { [unowned self] t in self.record(t, smmu: i) }
        }
    }

    func record(_ t: DMATransaction, smmu: Int) {
        let cpu = runningCPU
        let cycle = (cpu?.cycles ?? 0) &+ t.startOffset
        let smmuName = smmus.indices.contains(smmu) ? smmus[smmu].name : "SMMU\(smmu)"
        let target = smmuName + (t.contextBank.map { ".CB\($0)" } ?? "")
        let action = t.fault != nil ? "fault" : (t.bypass != nil ? "bypassed" : "translated")
        if configuration.trace.contains(.dma) {
            let pc = cpu?.pc ?? 0
            emit(TraceEvent(
                kind: TraceKind.dma.rawValue, cycle: cycle, cpu: cpu?.index ?? 0, pc: hex(pc), symbol: image.symbolize(pc),
                size: Int(t.size), dir: t.write ? "W" : "R", target: target, action: action, el2Cycles: 0,
                smmu: smmu, sid: Int(t.streamID), cb: t.contextBank, iova: hex(t.iova), pa: t.physicalAddress.map(hex),
                fault: t.fault?.rawValue, bypass: t.bypass?.rawValue, smmuCycles: t.cycles))
        }
        if let perfetto {
            let name: String
            if let f = t.fault { name = "fault " + f.rawValue }
            else if let b = t.bypass { name = "bypass " + b.rawValue }
            else { name = "CB\(t.contextBank ?? 0) " + (t.write ? "W" : "R") }
            var args: [(String, PerfettoTrace.Argument)] = [
                ("cpu", .int(UInt64(cpu?.index ?? 0))), ("sid", .int(UInt64(t.streamID))), ("iova", .string(hex(t.iova))),
                ("dir", .string(t.write ? "W" : "R")), ("size", .int(t.size)),
            ]
            if let cb = t.contextBank { args.append(("cb", .int(UInt64(cb)))) }
            if let pa = t.physicalAddress { args.append(("pa", .string(hex(pa)))) }
            perfetto.dmaTransaction(smmu: smmu, name: name, start: cycle, cycles: t.cycles, arguments: args)
        }
    }
}
