import Statistics
import Testing

/// The bounds that keep the parser and every walk of the tree off the end of the stack.
@Suite("Expression limits: depth and length")
struct ExpressionLimitsTests {
  static func limitError(_ text: String, functions: ExpressionFunctionScope = .builtIn) -> ExpressionError? {
    do throws(ExpressionError) {
      _ = try Expression(text, functions: functions)
      return nil
    } catch {
      return error
    }
  }

  @Test("Formulas of real size parse and evaluate: 90 nested parentheses, a sum of 150 terms")
  func generousForRealUse() throws {
    let nested = String(repeating: "(", count: 90) + "x+1" + String(repeating: ")", count: 90)
    #expect(try Expression(nested).evaluate(["x": 2]) == 3)
    let sum = Array(repeating: "x", count: 150).joined(separator: "+")
    let e = try Expression(sum)
    #expect(try e.evaluate(["x": 1]) == 150)
    // Walks after parsing: printing and compiling with derivatives.
    #expect(e.description.hasPrefix("(((("))
    let compiled = try CompiledExpression(e, parameters: ["x"], data: [:], observations: 1)
    let (values, jacobian) = compiled.valuesAndJacobian([2])
    #expect(values == [300])
    #expect(jacobian[0, 0] == 150)
  }

  @Test("Nesting deeper than the limit is a located error of kind .limit, whatever nests")
  func depth() throws {
    let cases: [(String, Int)] = [
      // 300 parentheses: the 201st level is entered at column 201.
      (String(repeating: "(", count: 300) + "x" + String(repeating: ")", count: 300), 201),
      (String(repeating: "-", count: 300) + "x", 201),
      (String(repeating: "exp(", count: 300) + "x" + String(repeating: ")", count: 300), 801),
      (Array(repeating: "2", count: 300).joined(separator: "^"), 401),
    ]
    for (text, column) in cases {
      let error = try #require(Self.limitError(text), "\(text.prefix(20))")
      #expect(error.kind == .limit)
      #expect(error.column == column, "\(text.prefix(20)): \(error)")
      #expect(error.message.contains("nested more than 200 levels deep"))
    }
  }

  @Test("A left-associated chain counts one level per term: the 200th '+' of 1+1+… crosses the limit")
  func longChains() throws {
    for op in ["+", "-", "*", "/"] {
      let text = Array(repeating: "1", count: 250).joined(separator: op)
      let error = try #require(Self.limitError(text))
      #expect(error.kind == .limit)
      #expect(error.column == 400, "\(op): \(error)")
    }
    // 200 terms (199 operators) are fine.
    #expect(Self.limitError(Array(repeating: "1", count: 200).joined(separator: "+")) == nil)
    // Arguments of a caller's function are side by side, not nested: sum() of 1,000 terms.
    let call = "sum(" + (1...1000).map { "a\($0)" }.joined(separator: ",") + ")"
    #expect(Self.limitError(call, functions: .also(["sum"])) == nil)
  }

  @Test("8,000 nested parentheses or 10,000 terms: an error at the length limit, not a crash")
  func hugeFormulas() throws {
    for text in [
      String(repeating: "(", count: 8_000) + "1" + String(repeating: ")", count: 8_000),
      Array(repeating: "1", count: 10_000).joined(separator: "+"),
    ] {
      let error = try #require(Self.limitError(text))
      #expect(error.kind == .limit)
      #expect(error.column == Expression.maximumLength + 1)
      #expect(error.message == "formula is \(text.count) characters long; at most 10000 are read")
    }
    // Just under the length: deep, so the depth error.
    let deep = String(repeating: "(", count: 4_000) + "1" + String(repeating: ")", count: 4_000)
    #expect(Self.limitError(deep)?.message.contains("nested more than 200") == true)
  }

  @Test("Syntax errors keep kind .syntax")
  func syntaxKind() {
    #expect(Self.limitError("1+")?.kind == .syntax)
    #expect(Self.limitError("1+")?.column == 3)
  }
}
