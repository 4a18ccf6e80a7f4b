// libFuzzer target: the JSON reader behind `reconcile compare` and the comparison walk after
// it must give differences or a located error for any bytes (deep nesting, repeated names,
// bad escapes, huge numbers), never a crash. The input is two documents separated by a NUL
// byte (which JSON text cannot contain); without one, the document is compared with itself.
import Figures
import FuzzSupport
import Reports

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  let cut = bytes.firstIndex(of: 0)
  let baseline = cut.map { Array(bytes[..<$0]) } ?? bytes
  let current = cut.map { Array(bytes[($0 + 1)...]) } ?? bytes
  do {
    let diffs = try OutputComparison.compareJSON(
      baseline: baseline, current: current, file: "fuzz.json", baselinePath: "a.json",
      currentPath: "b.json")
    // A document equals itself.
    if cut == nil, diffs.contains(where: \.isFailure) { return -1 }
  } catch {
    // Every error is located.
    guard case .invalid(let diagnostics) = error, let d = diagnostics.first,
      d.location.line >= 1, (d.location.column ?? 1) >= 1
    else { return -1 }
  }
  return 0
}

#if FUZZING
  // SwiftPM links an executable's entry point as `<module>_main`; hand it to libFuzzer's driver.
  @_cdecl("fuzz_json_main")
  public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { fuzzJSON($0, $1) }
  }
#else
  @main
  struct Replay {
    static func main() { replay(fuzzJSON) }
  }
#endif
