import Figures
// libFuzzer target: the figures reader (CSV, numbers, periods, verbal quantities, HXL,
// provenance checks) must turn any bytes into figures or located diagnostics, never a crash.
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFigures(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  do {
    let file = try FiguresReader.parse(bytes, path: "fuzz.csv")
    for f in file.figures {
      if let l = f.effectiveLow, let h = f.effectiveHigh, l > h { return -1 }
    }
  } catch {
    if error.diagnostics.isEmpty, case .invalid = error { return -1 }
  }
  return 0
}

#if FUZZING
  // SwiftPM links an executable's entry point as `<module>_main`; hand it to libFuzzer's driver.
  @_cdecl("fuzz_figures_main")
  public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { fuzzFigures($0, $1) }
  }
#else
  @main
  struct Replay {
    static func main() { replay(fuzzFigures) }
  }
#endif
