/// The seven functions of the seed (`MmioOps.v`) at two levels, side by side in the Coq order:
/// `MmioOps.Spec` (the atomic `X_spec`) over `SpecState`, and `MmioOps.Impl` (the composed
/// `X_spec0`, SeKVM's C) over the real machine.
public enum MmioOps {}
