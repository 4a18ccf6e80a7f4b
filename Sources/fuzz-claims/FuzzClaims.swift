// libFuzzer target: the claims path — the claims reader, the formula parser with the claims
// functions, and the evaluator that walks the formula against figures — must give results or
// located diagnostics for any bytes, never a crash. Each input is used twice: as a claims file
// (with a figures file after a NUL byte, or a small built-in one), and as the formula and the
// stated figure of one claim in a well-formed file.
import Figures
import FuzzSupport
import Reports

let builtInFigures = Array(
  """
  id,quantity,value,low,high,unit,period
  a,arrivals,71,,,persons,1998
  b,arrivals,148,,,persons,1999
  c,arrivals,312,300,330,persons,2000
  d,arrivals,583,,,persons,2001
  r,rate,8.1,,,rmb_per_usd,2001
  t,total,1000,,,persons,1999/2001
  v,verbal,,,,persons,2001
  """.utf8)

func check(claims: [UInt8], figures: [UInt8]) -> CInt {
  let file: ClaimsFile
  do {
    file = try ClaimsReader.parse(claims, path: "claims.csv", keepingRowErrors: true)
  } catch {
    // Every error is located.
    if case .invalid = error, error.diagnostics.isEmpty { return -1 }
    return 0
  }
  let figuresFiles = (try? FiguresReader.parse(figures, path: "figures.csv")).map { [$0] } ?? []
  let report = ClaimsAnalysis.run(claims: [file], figures: figuresFiles)
  // An error result says where.
  for r in report.results where r.status == .error && r.diagnostics.isEmpty { return -1 }
  return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzClaims(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  let cut = bytes.firstIndex(of: 0)
  let claims = cut.map { Array(bytes[..<$0]) } ?? bytes
  let figures = cut.map { Array(bytes[($0 + 1)...]) } ?? builtInFigures
  if check(claims: claims, figures: figures) != 0 { return -1 }
  // The input as a formula: `formula` and `stated` cells, quoted.
  var cell: [UInt8] = [0x22]
  for b in claims.prefix(16_384) {
    cell.append(b)
    if b == 0x22 { cell.append(0x22) }
  }
  cell.append(0x22)
  let file = Array("id,claim,formula,op,stated\nx,fuzzed,".utf8) + cell + Array(",≈,".utf8) + cell + [0x0A]
  return check(claims: file, figures: builtInFigures)
}

#if FUZZING
  // SwiftPM links an executable's entry point as `<module>_main`; hand it to libFuzzer's driver.
  @_cdecl("fuzz_claims_main")
  public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { fuzzClaims($0, $1) }
  }
#else
  @main
  struct Replay {
    static func main() { replay(fuzzClaims) }
  }
#endif
