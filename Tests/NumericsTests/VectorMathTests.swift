import Foundation
import Numerics
import TestSupport
import Testing

/// `VectorMath.log`, `.exp`, `.erf` and `.erfc` against mpmath at 50 digits rounded to the nearest double
/// (`Tests/Fixtures/numerics/vector-math.csv`, from
/// `scripts/peers/numerics/make-vector-math-reference.py`).
enum VectorMathReference {
  struct Row: Sendable {
    var function: String
    var x: Double
    var exact: Double
  }

  static let rows: [Row] = {
    let path = Fixtures.path("numerics/vector-math.csv")
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
    return text.split(separator: "\n").dropFirst().compactMap { line in
      let f = line.split(separator: ",")
      guard f.count == 3, let x = Double(f[1]), let e = Double(f[2]) else { return nil }
      return Row(function: String(f[0]), x: x, exact: e)
    }
  }()

  /// Distance in units in the last place of `exact`.
  static func ulps(_ value: Double, _ exact: Double) -> Double {
    if value == exact { return 0 }
    let unit = exact == 0 ? Double.leastNonzeroMagnitude : exact.ulp
    return abs(value - exact) / unit
  }

  static func apply(_ function: String, _ xs: [Double]) -> [Double] {
    var out = [Double](repeating: .nan, count: xs.count)
    xs.withUnsafeBufferPointer { x in
      out.withUnsafeMutableBufferPointer { o in
        switch function {
        case "log": VectorMath.log(x, into: o)
        case "exp": VectorMath.exp(x, into: o)
        case "erf": VectorMath.erf(x, into: o)
        default: VectorMath.erfc(x, into: o)
        }
      }
    }
    return out
  }
}

@Suite("Vector log, exp, erf and erfc")
struct VectorMathTests {
  /// The largest error allowed, in units in the last place (libmvec's worst cases over the
  /// fixture: log 1, exp 2, erf 1, erfc 1; erf and erfc are allowed 2, as exp).
  static let bounds: [String: Double] = ["log": 1, "exp": 2, "erf": 2, "erfc": 2]

  @Test(
    "log within one unit in the last place of the exact value, exp, erf and erfc within two",
    arguments: ["log", "exp", "erf", "erfc"])
  func accuracy(function: String) throws {
    let bound = try #require(Self.bounds[function])
    let rows = VectorMathReference.rows.filter { $0.function == function }
    #expect(rows.count > 2_500, "fixture missing or short")
    let got = VectorMathReference.apply(function, rows.map(\.x))
    var worst = 0.0
    for (row, value) in zip(rows, got) {
      let u = VectorMathReference.ulps(value, row.exact)
      worst = max(worst, u)
      #expect(u <= bound, "\(function)(\(row.x)) = \(value), exact \(row.exact): \(u) ulp")
    }
    print(
      "vector \(function): largest error \(worst) ulp over \(rows.count) arguments",
      "(vectorized: \(VectorMath.isVectorized))")
  }

  @Test("the ends of the range: zero, negative, infinite and NaN arguments, overflow and underflow")
  func specialValues() {
    let log = VectorMathReference.apply("log", [0, -0.0, -1, .infinity, -.infinity, .nan, 1])
    #expect(log[0] == -.infinity && log[1] == -.infinity)
    #expect(log[2].isNaN && log[4].isNaN && log[5].isNaN)
    #expect(log[3] == .infinity)
    #expect(log[6] == 0)
    let exp = VectorMathReference.apply("exp", [0, 710, -746, .infinity, -.infinity, .nan, -0.0])
    #expect(exp[0] == 1 && exp[6] == 1)
    #expect(exp[1] == .infinity && exp[3] == .infinity)
    #expect(exp[2] == 0 && exp[4] == 0)
    #expect(exp[5].isNaN)
    let erf = VectorMathReference.apply("erf", [0, -0.0, 7, -7, .infinity, -.infinity, .nan])
    #expect(erf[0] == 0 && erf[1] == 0 && erf[1].sign == .minus)
    #expect(erf[2] == 1 && erf[3] == -1 && erf[4] == 1 && erf[5] == -1)
    #expect(erf[6].isNaN)
    // erfc: 2 at the left end, subnormal past about 26.55, 0 past about 27.23.
    let erfc = VectorMathReference.apply("erfc", [0, -7, 27, 28, .infinity, -.infinity, .nan])
    #expect(erfc[0] == 1 && erfc[1] == 2 && erfc[5] == 2)
    #expect(erfc[2] > 0 && erfc[2] < Double.leastNormalMagnitude)
    #expect(erfc[3] == 0 && erfc[4] == 0)
    #expect(erfc[6].isNaN)
  }

  @Test("a value's result does not depend on the array's length or its place in it, in place or not")
  func positionIndependent() {
    let values = (0..<13).map { 0.37 + Double($0) * 1.618 }
    for function in ["log", "exp", "erf", "erfc"] {
      let alone = values.map { VectorMathReference.apply(function, [$0])[0] }
      for length in 1...values.count {
        for start in 0...(values.count - length) {
          let slice = Array(values[start..<(start + length)])
          let got = VectorMathReference.apply(function, slice)
          #expect(got == Array(alone[start..<(start + length)]), "\(function), \(length) values from \(start)")
          var inPlace = slice
          inPlace.withUnsafeMutableBufferPointer { b in
            switch function {
            case "log": VectorMath.log(UnsafeBufferPointer(b), into: b)
            case "exp": VectorMath.exp(UnsafeBufferPointer(b), into: b)
            case "erf": VectorMath.erf(UnsafeBufferPointer(b), into: b)
            default: VectorMath.erfc(UnsafeBufferPointer(b), into: b)
            }
          }
          #expect(inPlace == got)
        }
      }
    }
  }
}
