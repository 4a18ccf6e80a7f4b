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
///
/// Its recursion and the trees it builds are bounded (``Expression/maximumDepth``,
/// ``Expression/maximumLength``), so that neither the parser nor any walk of the tree
/// afterwards (evaluation, compilation, printing) can exhaust the stack.
struct ExpressionParser {
  /// A subtree and its height (a leaf is 1).
  typealias Parsed = (node: ExpressionNode, height: Int)

  private let scalars: [Unicode.Scalar]
  private var tokens: [ExpressionToken] = []
  private var position = 0
  private var lexError: ExpressionError?
  private let functions: ExpressionFunctionScope
  /// How many grammar levels (parentheses, unary signs, exponents, calls) enclose the token
  /// being read.
  private var nesting = 0

  init(_ source: String, functions: ExpressionFunctionScope = .builtIn) {
    self.functions = functions
    // Count before copying: a formula far over the limit is not held twice.
    let length = source.unicodeScalars.count
    guard length <= Expression.maximumLength else {
      scalars = []
      lexError = ExpressionError(
        "formula is \(length) characters long; at most \(Expression.maximumLength) are read",
        column: Expression.maximumLength + 1, kind: .limit)
      return
    }
    scalars = Array(source.unicodeScalars)
    do { tokens = try Self.lex(scalars) } catch { lexError = error }
  }

  /// The error for a formula deeper than ``Expression/maximumDepth``, at `column`.
  private static func tooDeep(_ column: Int) -> ExpressionError {
    ExpressionError(
      "formula nested more than \(Expression.maximumDepth) levels deep (each parenthesis, "
        + "function call, sign and chained operator counts; split it into smaller formulas)",
      column: column, kind: .limit)
  }

  /// Enters one more level of the grammar at the current token.
  private mutating func enter() throws(ExpressionError) {
    nesting += 1
    if nesting > Expression.maximumDepth { throw Self.tooDeep(current.column) }
  }

  /// A node over `children`, one level higher than the highest of them; an error at `column`
  /// when that is over the limit.
  private static func node(
    _ node: ExpressionNode, over children: Int..., column: Int
  ) throws(ExpressionError) -> Parsed {
    let height = (children.max() ?? 0) + 1
    if height > Expression.maximumDepth { throw tooDeep(column) }
    return (node, height)
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
    return e.node
  }

  private mutating func parseSum() throws(ExpressionError) -> Parsed {
    try enter()
    defer { nesting -= 1 }
    var left = try parseProduct()
    while true {
      let column = current.column
      let op: ExpressionOperator
      if isSymbol("+") {
        op = .add
      } else if isSymbol("-") {
        op = .subtract
      } else {
        return left
      }
      advance()
      // Left-associative: `a+b+c` is `(a+b)+c`, one level deeper per term.
      let right = try parseProduct()
      left = try Self.node(.binary(op, left.node, right.node), over: left.height, right.height, column: column)
    }
  }

  private mutating func parseProduct() throws(ExpressionError) -> Parsed {
    var left = try parseUnary()
    while true {
      let column = current.column
      let op: ExpressionOperator
      if isSymbol("*") {
        op = .multiply
      } else if isSymbol("/") {
        op = .divide
      } else {
        return left
      }
      advance()
      let right = try parseUnary()
      left = try Self.node(.binary(op, left.node, right.node), over: left.height, right.height, column: column)
    }
  }

  private mutating func parseUnary() throws(ExpressionError) -> Parsed {
    let column = current.column
    if isSymbol("-") {
      advance()
      try enter()
      defer { nesting -= 1 }
      let a = try parseUnary()
      if case .number(let v) = a.node { return (.number(-v), 1) }
      return try Self.node(.negate(a.node), over: a.height, column: column)
    }
    if isSymbol("+") {
      advance()
      try enter()
      defer { nesting -= 1 }
      return try parseUnary()
    }
    return try parsePower()
  }

  private mutating func parsePower() throws(ExpressionError) -> Parsed {
    let base = try parsePrimary()
    if isSymbol("^") {
      let column = current.column
      advance()
      try enter()
      defer { nesting -= 1 }
      // right-associative; the exponent may carry its own sign: 2^-1
      let exponent = try parseUnary()
      return try Self.node(
        .binary(.power, base.node, exponent.node), over: base.height, exponent.height, column: column)
    }
    return base
  }

  private mutating func parsePrimary() throws(ExpressionError) -> Parsed {
    let t = current
    switch t.kind {
    case .number(let v):
      advance()
      return (.number(v), 1)
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
        var height = 0
        if !isSymbol(")") {
          let first = try parseSum()
          arguments.append(first.node)
          height = first.height
          while isSymbol(",") {
            advance()
            let next = try parseSum()
            arguments.append(next.node)
            height = max(height, next.height)
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
          return try Self.node(.call(builtIn, argument), over: height, column: t.column)
        }
        return try Self.node(.apply(name, arguments, column: t.column), over: height, column: t.column)
      }
      if name == "pi" { return (.number(Double.pi), 1) }
      if ExpressionFunction(rawValue: name) != nil {
        throw ExpressionError(
          "function '\(name)' needs its argument in parentheses", column: t.column)
      }
      return (.variable(name, column: t.column), 1)
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
