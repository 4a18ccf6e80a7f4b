#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A lexical token with its 1-based column.
struct ExpressionToken: Equatable {
  enum Kind: Equatable {
    case number(Double)
    case identifier(String)
    case symbol(String)  // + - * / ^ ( ) ,
    case end
  }
  var kind: Kind
  var column: Int
  var text: String
}

/// Recursive-descent parser for the grammar documented on `Expression`.
struct ExpressionParser {
  private let scalars: [Unicode.Scalar]
  private var tokens: [ExpressionToken] = []
  private var position = 0
  private var lexError: ExpressionError?
  private let functions: ExpressionFunctionScope

  init(_ source: String, functions: ExpressionFunctionScope = .builtIn) {
    self.functions = functions
    scalars = Array(source.unicodeScalars)
    do { tokens = try Self.lex(scalars) } catch { lexError = error }
  }

  static func isIdentStart(_ c: Unicode.Scalar) -> Bool {
    (c >= "A" && c <= "Z") || (c >= "a" && c <= "z") || c == "_"
  }
  static func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }

  static func lex(_ s: [Unicode.Scalar]) throws(ExpressionError) -> [ExpressionToken] {
    var out: [ExpressionToken] = []
    var i = 0
    func at(_ k: Int) -> Unicode.Scalar? { k < s.count ? s[k] : nil }
    while i < s.count {
      let c = s[i]
      let column = i + 1
      if c == " " || c == "\t" || c == "\n" || c == "\r" {
        i += 1
        continue
      }
      if isDigit(c) || (c == "." && at(i + 1).map(isDigit) == true) {
        var j = i
        while let d = at(j), isDigit(d) { j += 1 }
        if at(j) == "." {
          j += 1
          while let d = at(j), isDigit(d) { j += 1 }
        }
        if let e = at(j), e == "e" || e == "E" {
          var k = j + 1
          if let sign = at(k), sign == "+" || sign == "-" { k += 1 }
          guard let d = at(k), isDigit(d) else {
            throw ExpressionError(
              "malformed number '\(String(String.UnicodeScalarView(s[i..<min(k + 1, s.count)])))'",
              column: column)
          }
          j = k
          while let d = at(j), isDigit(d) { j += 1 }
        }
        let text = String(String.UnicodeScalarView(s[i..<j]))
        guard let v = Double(text) else {
          throw ExpressionError("malformed number '\(text)'", column: column)
        }
        out.append(ExpressionToken(kind: .number(v), column: column, text: text))
        i = j
        continue
      }
      if isIdentStart(c) {
        var j = i + 1
        while let d = at(j), isIdentStart(d) || isDigit(d) || d == "." { j += 1 }
        let text = String(String.UnicodeScalarView(s[i..<j]))
        out.append(ExpressionToken(kind: .identifier(text), column: column, text: text))
        i = j
        continue
      }
      if c == "*", at(i + 1) == "*" {
        out.append(ExpressionToken(kind: .symbol("^"), column: column, text: "**"))
        i += 2
        continue
      }
      if "+-*/^(),".unicodeScalars.contains(c) {
        let t = String(Character(c))
        out.append(ExpressionToken(kind: .symbol(t), column: column, text: t))
        i += 1
        continue
      }
      throw ExpressionError("unexpected character '\(String(Character(c)))'", column: column)
    }
    out.append(ExpressionToken(kind: .end, column: s.count + 1, text: ""))
    return out
  }

  private var current: ExpressionToken {
    position < tokens.count
      ? tokens[position] : ExpressionToken(kind: .end, column: scalars.count + 1, text: "")
  }

  private mutating func advance() { position += 1 }

  private func isSymbol(_ s: String) -> Bool { current.kind == .symbol(s) }

  private func unexpected() -> ExpressionError {
    let t = current
    if t.kind == .end { return ExpressionError("unexpected end of formula", column: t.column) }
    return ExpressionError("unexpected '\(t.text)'", column: t.column)
  }

  mutating func parseFormula() throws(ExpressionError) -> ExpressionNode {
    if let lexError { throw lexError }
    if current.kind == .end { throw ExpressionError("empty formula", column: 1) }
    let e = try parseSum()
    guard current.kind == .end else { throw unexpected() }
    return e
  }

  private mutating func parseSum() throws(ExpressionError) -> ExpressionNode {
    var left = try parseProduct()
    while true {
      if isSymbol("+") {
        advance()
        left = .binary(.add, left, try parseProduct())
      } else if isSymbol("-") {
        advance()
        left = .binary(.subtract, left, try parseProduct())
      } else {
        return left
      }
    }
  }

  private mutating func parseProduct() throws(ExpressionError) -> ExpressionNode {
    var left = try parseUnary()
    while true {
      if isSymbol("*") {
        advance()
        left = .binary(.multiply, left, try parseUnary())
      } else if isSymbol("/") {
        advance()
        left = .binary(.divide, left, try parseUnary())
      } else {
        return left
      }
    }
  }

  private mutating func parseUnary() throws(ExpressionError) -> ExpressionNode {
    if isSymbol("-") {
      advance()
      let a = try parseUnary()
      if case .number(let v) = a { return .number(-v) }
      return .negate(a)
    }
    if isSymbol("+") {
      advance()
      return try parseUnary()
    }
    return try parsePower()
  }

  private mutating func parsePower() throws(ExpressionError) -> ExpressionNode {
    let base = try parsePrimary()
    if isSymbol("^") {
      advance()
      // right-associative; the exponent may carry its own sign: 2^-1
      return .binary(.power, base, try parseUnary())
    }
    return base
  }

  private mutating func parsePrimary() throws(ExpressionError) -> ExpressionNode {
    let t = current
    switch t.kind {
    case .number(let v):
      advance()
      return .number(v)
    case .identifier(let name):
      advance()
      if isSymbol("(") {
        let builtIn = ExpressionFunction(rawValue: name)
        guard builtIn != nil || functions.admits(name) else {
          throw ExpressionError("unknown function '\(name)'", column: t.column)
        }
        let open = current.column
        advance()
        var arguments: [ExpressionNode] = []
        if !isSymbol(")") {
          arguments.append(try parseSum())
          while isSymbol(",") {
            advance()
            arguments.append(try parseSum())
          }
        }
        guard isSymbol(")") else {
          throw ExpressionError(
            "expected ')' to close '(' at column \(open)", column: current.column)
        }
        advance()
        if let builtIn {
          guard arguments.count == 1, let argument = arguments.first else {
            throw ExpressionError(
              "function '\(name)' takes 1 argument, got \(arguments.count)", column: t.column)
          }
          return .call(builtIn, argument)
        }
        return .apply(name, arguments, column: t.column)
      }
      if name == "pi" { return .number(Double.pi) }
      if ExpressionFunction(rawValue: name) != nil {
        throw ExpressionError(
          "function '\(name)' needs its argument in parentheses", column: t.column)
      }
      return .variable(name, column: t.column)
    case .symbol("("):
      advance()
      let e = try parseSum()
      guard isSymbol(")") else {
        throw ExpressionError(
          "expected ')' to close '(' at column \(t.column)", column: current.column)
      }
      advance()
      return e
    default:
      throw unexpected()
    }
  }
}
