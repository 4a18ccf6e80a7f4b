import Foundation
import Statistics
import Testing

@Suite("Expression language: general calls")
struct ExpressionCallTests {
  @Test("calls of admitted names parse to .apply with every argument, in order")
  func generalCalls() throws {
    let e = try Expression("sum(a, b, c)", functions: .any)
    #expect(
      e.root
        == .apply(
          "sum", [.variable("a", column: 5), .variable("b", column: 8), .variable("c", column: 11)],
          column: 1))
    #expect(e.variables == ["a", "b", "c"])
    #expect(e.description == "sum(a, b, c)")
    let g = try Expression("2 * growth(mou_arrivals, 1998, 2001)", functions: .also(["growth"]))
    #expect(
      g.root
        == .binary(
          .multiply, .number(2),
          .apply("growth", [.variable("mou_arrivals", column: 12), .number(1998), .number(2001)], column: 5)))
    #expect(try Expression("now()", functions: .any).root == .apply("now", [], column: 1))
    // Nested calls and built-ins inside them.
    let n = try Expression("share(low(x), exp(0))", functions: .any)
    #expect(
      n.root
        == .apply(
          "share", [.apply("low", [.variable("x", column: 11)], column: 7), .call(.exp, .number(0))], column: 1))
  }

  @Test("built-in functions keep one argument; the default scope still rejects other names")
  func builtInsAndScope() {
    #expect(throws: ExpressionError("unknown function 'foo'", column: 5)) {
      try Expression("2 + foo(x)")
    }
    #expect(throws: ExpressionError("unknown function 'foo'", column: 1)) {
      try Expression("foo(x)", functions: .also(["share"]))
    }
    #expect(throws: ExpressionError("function 'log' takes 1 argument, got 2", column: 3)) {
      try Expression("1+log(x, 2)", functions: .any)
    }
    #expect(throws: ExpressionError("expected ')' to close '(' at column 6", column: 12)) {
      try Expression("share(a, b c)", functions: .any)
    }
    #expect(throws: ExpressionError("unexpected ','", column: 9)) {
      try Expression("share(a,, b)", functions: .any)
    }
  }

  @Test("plain evaluation and the fitting path reject general calls at the name's column")
  func fittingPathRejects() throws {
    let e = try Expression("b1 * max(x, 1)", functions: .any)
    #expect(throws: ExpressionError("unknown function 'max'", column: 6)) { try e.evaluate(["b1": 1, "x": 2]) }
    #expect(throws: ExpressionError.self) {
      try CompiledExpression(e, parameters: ["b1"], data: ["x": [1, 2]])
    }
    do {
      _ = try CompiledExpression(e, parameters: ["b1"], data: ["x": [1, 2]])
    } catch {
      #expect(error.column == 6)
      #expect(error.message.hasPrefix("unknown function 'max'"))
    }
  }
}
