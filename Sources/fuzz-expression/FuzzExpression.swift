// libFuzzer target: the expression parser, evaluator and automatic differentiation must
// return a value or a located error for any text, never crash.
import FuzzSupport
import Statistics

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzExpression(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size.clamped(to: 0...4096))) } ?? []
  let text = String(decoding: bytes, as: UTF8.self)
  guard let e = try? Statistics.Expression(text) else { return 0 }
  var env: [String: Double] = [:]
  for (i, v) in e.variables.enumerated() { env[v] = Double(i) * 0.37 - 1.1 }
  _ = try? e.evaluate(env)
  let parameters = Array(e.variables.prefix(3))
  var columns: [String: [Double]] = [:]
  for v in e.variables.dropFirst(3) { columns[v] = [0.5, -2, 3e10, 0] }
  if let compiled = try? CompiledExpression(e, parameters: parameters, data: columns, observations: 4) {
    _ = compiled.valuesAndJacobian(parameters.map { _ in 0.75 })
  }
  return 0
}

extension Int {
  fileprivate func clamped(to r: ClosedRange<Int>) -> Int { Swift.min(Swift.max(self, r.lowerBound), r.upperBound) }
}

#if FUZZING
  // SwiftPM links an executable's entry point as `<module>_main`; hand it to libFuzzer's driver.
  @_cdecl("fuzz_expression_main")
  public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { fuzzExpression($0, $1) }
  }
#else
  @main
  struct Replay {
    static func main() { replay(fuzzExpression) }
  }
#endif
