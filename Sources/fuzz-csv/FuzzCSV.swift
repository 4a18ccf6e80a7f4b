import Figures
// libFuzzer target: the CSV reader must never crash, hang or leak on any bytes.
// Built by scripts/fuzz with -sanitize=fuzzer,address and -DFUZZING; in ordinary builds it is
// a replay tool: `fuzz-csv FILE...` runs each file through the same entry point.
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  if let table = try? CSVReader.parse(bytes, path: "fuzz.csv") {
    // Every field must carry a location inside the input.
    for record in table.records {
      for field in record.fields where field.line < 1 || field.column < 1 { return -1 }
    }
  }
  return 0
}

#if FUZZING
  // SwiftPM links an executable's entry point as `<module>_main`; hand it to libFuzzer's driver.
  @_cdecl("fuzz_csv_main")
  public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { fuzzCSV($0, $1) }
  }
#else
  @main
  struct Replay {
    static func main() { replay(fuzzCSV) }
  }
#endif
