import Foundation
import Numerics
import Statistics
import Testing

@Suite("Expression language")
struct ExpressionTests {
  static func value(_ s: String, _ env: [String: Double] = [:]) throws -> Double {
    try Expression(s).evaluate(env)
  }

  @Test(
    "precedence and associativity",
    arguments: [
      ("2+3*4", 14.0), ("2*3^2", 18), ("-2^2", -4), ("2^3^2", 512), ("(2^3)^2", 64),
      ("2^-1", 0.5), ("10-4-3", 3), ("24/4/3", 2), ("-3^2+1", -8), ("+5", 5), ("--2", 2),
      ("2*-3", -6), ("1e-3*1000", 1), (".5*4", 2), ("2**3", 8), ("2.5E+1", 25), ("-(1+2)*3", -9),
      ("2^2^-1", 2.0.squareRoot()), ("1-2^2", -3), ("-2*-2", 4), ("8/2^2", 2),
    ])
  func precedence(text: String, expected: Double) throws {
    #expect(try Self.value(text) == expected)
  }

  @Test("unary minus binds looser than ^ with variables; pi is π")
  func variables() throws {
    #expect(try Self.value("-x^2", ["x": 3]) == -9)
    #expect(try Self.value("(-x)^2", ["x": 3]) == 9)
    #expect(try Self.value("pi") == Double.pi)
    #expect(try Self.value("a.b + a_1 * _c", ["a.b": 1, "a_1": 2, "_c": 3]) == 7)
    #expect(try Expression("b1*(1-exp(-b2*x))").variables == ["b1", "b2", "x"])
  }

  @Test(
    "every function",
    arguments: [
      ("exp(1)", M_E), ("log(exp(2))", 2), ("sqrt(16)", 4), ("sin(pi/2)", 1), ("cos(0)", 1),
      ("tan(atan(0.75))", 0.75), ("atan(1)*4", Double.pi), ("abs(-2.5)", 2.5), ("abs(3)", 3),
    ])
  func functions(text: String, expected: Double) throws {
    #expect(try Self.value(text).isApproximatelyEqual(to: expected, relativeTolerance: 1e-15))
  }

  @Test("IEEE results instead of traps")
  func ieee() throws {
    #expect(try Self.value("log(-1)").isNaN)
    #expect(try Self.value("1/0") == .infinity)
    #expect(try Self.value("sqrt(-4)").isNaN)
    #expect(try Self.value("(-8)^(1/3)").isNaN)
  }

  @Test(
    "parse errors with exact columns",
    arguments: [
      ("b1*(1-exp(-b2*x)))", "unexpected ')'", 18),
      (")", "unexpected ')'", 1),
      ("foo(x)", "unknown function 'foo'", 1),
      ("2 + foo(x)", "unknown function 'foo'", 5),
      ("2*(x+1", "expected ')' to close '(' at column 3", 7),
      ("exp(x", "expected ')' to close '(' at column 4", 6),
      ("(1+2 3)", "expected ')' to close '(' at column 1", 6),
      ("2 + * 3", "unexpected '*'", 5),
      ("", "empty formula", 1),
      ("x # y", "unexpected character '#'", 3),
      ("1e+", "malformed number '1e+'", 1),
      ("exp x", "function 'exp' needs its argument in parentheses", 1),
      ("x y", "unexpected 'y'", 3),
      ("3 +", "unexpected end of formula", 4),
      ("2^", "unexpected end of formula", 3),
    ])
  func parseErrors(text: String, message: String, column: Int) {
    #expect(throws: ExpressionError(message, column: column)) { try Expression(text) }
  }

  @Test("evaluation names the unknown variable and its column")
  func unknownVariable() throws {
    let e = try Expression("a*x + b")
    #expect(throws: ExpressionError("unknown variable 'b'", column: 7)) {
      try e.evaluate(["a": 1, "x": 2])
    }
    #expect(try e.evaluate(["a": 1, "x": 2, "b": 3]) == 5)
  }

  @Test("compiling rejects unknown and ambiguous names")
  func compileErrors() throws {
    let e = try Expression("b1*x + z")
    #expect(
      throws: ExpressionError("unknown variable 'z': not a parameter or a data column", column: 8)
    ) {
      try CompiledExpression(e, parameters: ["b1"], data: ["x": [1, 2]])
    }
    #expect(throws: ExpressionError("'x' is both a parameter and a data column", column: 4)) {
      try CompiledExpression(try Expression("b1*x"), parameters: ["b1", "x"], data: ["x": [1, 2]])
    }
  }

  /// Jacobian of `formula` at `theta` for the data `x`, against hand-derived partials.
  static func checkGradient(
    _ formula: String, parameters: [String], theta: [Double], xs: [Double],
    value: (Double) -> Double, partials: (Double) -> [Double]
  ) throws {
    let c = try CompiledExpression(try Expression(formula), parameters: parameters, data: ["x": xs])
    let (v, j) = c.valuesAndJacobian(theta)
    for (i, x) in xs.enumerated() {
      #expect(
        v[i].isApproximatelyEqual(to: value(x), relativeTolerance: 1e-14), "\(formula) at x=\(x)")
      for (k, d) in partials(x).enumerated() {
        #expect(
          j[i, k].isApproximatelyEqual(to: d, absoluteTolerance: 1e-300, relativeTolerance: 1e-13),
          "∂/∂\(parameters[k]) of \(formula) at x=\(x): \(j[i, k]) vs \(d)")
      }
    }
    #expect(c.values(theta) == v)
  }

  @Test(
    "exact derivatives: Misra1a b1*(1-exp(-b2*x))",
    arguments: [(240.0, 5.5e-4), (-3, 2), (0.5, -0.1)])
  func misra1a(b1: Double, b2: Double) throws {
    try Self.checkGradient(
      "b1*(1-exp(-b2*x))", parameters: ["b1", "b2"], theta: [b1, b2], xs: [0, 1, 77.6, 790.2],
      value: { x in b1 * (1 - exp(-b2 * x)) },
      partials: { x in [1 - exp(-b2 * x), b1 * x * exp(-b2 * x)] })
  }

  @Test(
    "exact derivatives: Bennett5 b1*(b2+x)^(-1/b3)",
    arguments: [(-2000.0, 50.0, 0.8), (-2523.5, 46.7, 0.932)])
  func bennett5(b1: Double, b2: Double, b3: Double) throws {
    try Self.checkGradient(
      "b1 * (b2+x)^(-1/b3)", parameters: ["b1", "b2", "b3"], theta: [b1, b2, b3],
      xs: [7.4, 11.3, 12.9],
      value: { x in b1 * pow(b2 + x, -1 / b3) },
      partials: { x in
        let u = b2 + x
        return [
          pow(u, -1 / b3), b1 * (-1 / b3) * pow(u, -1 / b3 - 1),
          b1 * pow(u, -1 / b3) * log(u) / (b3 * b3),
        ]
      })
  }

  @Test("exact derivatives: Roszman1 with atan and pi")
  func roszman1() throws {
    let (b1, b2, b3, b4) = (0.2, -6.2e-6, 1204.0, -181.3)
    try Self.checkGradient(
      "b1 - b2*x - atan(b3/(x-b4))/pi", parameters: ["b1", "b2", "b3", "b4"],
      theta: [b1, b2, b3, b4],
      xs: [-4868.68, -1000, 500],
      value: { x in b1 - b2 * x - atan(b3 / (x - b4)) / .pi },
      partials: { x in
        let u = b3 / (x - b4)
        let k = 1 / (1 + u * u) / .pi
        return [1, -x, -k / (x - b4), -k * b3 / ((x - b4) * (x - b4))]
      })
  }

  @Test("exact derivatives: every function of a*x", arguments: [0.3, 1.7])
  func functionDerivatives(a: Double) throws {
    let xs = [0.25, 0.5, 2.0]
    let cases: [(String, (Double) -> Double, (Double) -> Double)] = [
      ("exp(a*x)", { x in exp(a * x) }, { x in x * exp(a * x) }),
      ("log(a*x)", { x in log(a * x) }, { _ in 1 / a }),
      ("sqrt(a*x)", { x in (a * x).squareRoot() }, { x in x / (2 * (a * x).squareRoot()) }),
      ("sin(a*x)", { x in sin(a * x) }, { x in x * cos(a * x) }),
      ("cos(a*x)", { x in cos(a * x) }, { x in -x * sin(a * x) }),
      ("tan(a*x)", { x in tan(a * x) }, { x in x * (1 + tan(a * x) * tan(a * x)) }),
      ("atan(a*x)", { x in atan(a * x) }, { x in x / (1 + a * a * x * x) }),
      ("abs(-a*x)", { x in abs(a * x) }, { x in x }),
      ("x^a", { x in pow(x, a) }, { x in pow(x, a) * log(x) }),
      ("(a-x)^2", { x in (a - x) * (a - x) }, { x in 2 * (a - x) }),
      ("1/(a*x)", { x in 1 / (a * x) }, { x in -1 / (a * a * x) }),
      ("-a^2*x", { x in -a * a * x }, { x in -2 * a * x }),
    ]
    for (formula, f, d) in cases {
      try Self.checkGradient(
        formula, parameters: ["a"], theta: [a], xs: xs, value: f, partials: { [d($0)] })
    }
  }

  @Test("power of a negative base with a constant exponent differentiates without NaN")
  func negativeBase() throws {
    try Self.checkGradient(
      "(b - x)^3", parameters: ["b"], theta: [-1], xs: [1, 2],
      value: { x in pow(-1 - x, 3) }, partials: { x in [3 * (-1 - x) * (-1 - x)] })
  }

  @Test("NLS rejects a formula variable that is neither column nor parameter, naming it")
  func nlsUnknownVariable() {
    #expect(
      throws: StatisticsError.invalidInput(
        "formula names 'z' (column 8), which is neither a data column nor a parameter")
    ) {
      try NonlinearLeastSquares.fit(
        formula: "b1*x + z", response: [1, 2, 3], data: ["x": [1, 2, 3]], start: [("b1", 1)])
    }
    #expect(throws: StatisticsError.self) {
      try NonlinearLeastSquares.fit(
        formula: "b1*(x", response: [1, 2, 3], data: ["x": [1, 2, 3]], start: [("b1", 1)])
    }
    #expect(throws: StatisticsError.self) {
      try NonlinearLeastSquares.fit(
        formula: "log(b1*x)", response: [1, 2, 3], data: ["x": [1, 2, 3]], start: [("b1", -1)])
    }
  }
}

extension Double {
  /// |self − other| ≤ max(absoluteTolerance, relativeTolerance·max(|self|, |other|)).
  fileprivate func isApproximatelyEqual(
    to other: Double, absoluteTolerance: Double = 0, relativeTolerance: Double
  ) -> Bool {
    if self == other { return true }
    guard isFinite, other.isFinite else { return false }
    return abs(self - other)
      <= Swift.max(absoluteTolerance, relativeTolerance * Swift.max(abs(self), abs(other)))
  }
}
