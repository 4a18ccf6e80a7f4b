// libFuzzer target: the expression parser, evaluator and automatic differentiation must
// return a value or a located error for any text, never crash.
import FuzzSupport
import Statistics

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzExpression(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  // Past the length limit (10,000 characters), so that its error is reached too.
  let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size.clamped(to: 0...12_288))) } ?? []
  let text = String(decoding: bytes, as: UTF8.self)
  // The claims checker's parse: any name may be called; the tree is walked after.
  if let any = try? Statistics.Expression(text, functions: .any) {
    _ = any.description
    _ = any.variables
    _ = any.root.firstApplication
  }
  guard let e = try? Statistics.Expression(text) else { return 0 }
  _ = e.description
  var env: [String: Double] = [:]
  for (i, v) in e.variables.enumerated() { env[v] = Double(i) * 0.37 - 1.1 }
  _ = try? e.evaluate(env)
  let parameters = Array(e.variables.prefix(3))
  var columns: [String: [Double]] = [:]
  for v in e.variables.dropFirst(3) { columns[v] = [0.5, -2, 3e10, 0] }
  if let compiled = try? CompiledExpression(e, parameters: parameters, data: columns, observations: 4) {
    _ = compiled.valuesAndJacobian(parameters.map { _ in 0.75 })
  }
  // The nls path of `reconcile fit`: a few Levenberg–Marquardt steps on four observations.
  if !parameters.isEmpty {
    _ = try? NonlinearLeastSquares.fit(
      expression: e, response: [1, 2, 4, 8], data: columns, start: parameters.map { ($0, 0.75) },
      maxEvaluations: 20)
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
