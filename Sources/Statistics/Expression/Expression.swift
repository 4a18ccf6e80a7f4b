#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A parsed arithmetic formula such as `b1*(1-exp(-b2*x))`.
///
/// **Grammar** (precedence from loosest to tightest; `^` is right-associative and binds
/// tighter than unary minus, so `-x^2 = -(x^2)` and `2^3^2 = 2^9`, as in R and Fortran):
/// ```
/// expr     := term (("+" | "-") term)*
/// term     := unary (("*" | "/") unary)*
/// unary    := ("-" | "+") unary | power
/// power    := primary (("^" | "**") unary)?
/// primary  := NUMBER | IDENT | IDENT "(" [expr ("," expr)*] ")" | "(" expr ")"
/// NUMBER   := digits ["." digits] [("e"|"E") ["+"|"-"] digits]  |  "." digits [exponent]
/// IDENT    := [A-Za-z_][A-Za-z0-9_.]*
/// ```
/// Functions: `exp log sqrt sin cos tan atan abs` (`log` is the natural logarithm); the
/// identifier `pi` is the constant π. Every other identifier is a variable: a data column or
/// a parameter, bound when the expression is evaluated or compiled.
///
/// **Other functions.** By default a call of any other name is a parse error
/// (`unknown function 'foo'`, at the name's column), as the fitting path needs. Callers that
/// supply their own functions (the claims checker: `share(a, b)`, `sum(a, b, c)`,
/// `growth(q, 1998, 2001)`) pass `functions:`; a call of a name it admits parses to
/// ``ExpressionNode/apply(_:_:column:)`` with its comma-separated arguments, and the caller
/// walks the tree to evaluate it. The built-in names always take exactly one argument.
///
/// **Limits.** A formula is at most ``maximumLength`` characters long and its syntax tree at
/// most ``maximumDepth`` levels deep: each pair of parentheses, function call, sign, exponent
/// and each further term of a chain counts (`a+b+c` is `(a+b)+c`, two levels of `+`), so a
/// sum of more than about 200 terms is refused; write it as several formulas, or with a
/// caller's function such as the claims checker's `sum(a, b, c)`. Longer or deeper input is
/// an `ExpressionError` of kind ``ExpressionError/Kind/limit``, located at the place where the
/// limit was crossed. The bounds keep the parser, evaluation, compilation and printing (all
/// of which walk the tree recursively) far from the end of the stack.
///
/// Derivatives are exact: `CompiledExpression` propagates gradients in forward mode
/// (automatic differentiation; Griewank & Walther, *Evaluating Derivatives*, 2nd ed., SIAM
/// 2008, ch. 3), never by finite differences.
public struct Expression: Sendable, Equatable, CustomStringConvertible {
  /// The deepest syntax tree accepted (levels of nesting, counting every operator, call,
  /// sign and pair of parentheses on the way down).
  public static let maximumDepth = 200
  /// The longest formula accepted, in Unicode scalars.
  public static let maximumLength = 10_000

  /// The formula text as given.
  public let source: String
  /// The syntax tree.
  public let root: ExpressionNode

  /// Parses `source`.
  /// - Parameters:
  ///   - source: the formula text.
  ///   - functions: which names besides the built-in functions may be called (default:
  ///     none). Admitted calls parse to ``ExpressionNode/apply(_:_:column:)``.
  /// - Throws: `ExpressionError` with the 1-based column of the offending character (for an
  ///   unknown function, of its name).
  public init(_ source: String, functions: ExpressionFunctionScope = .builtIn)
    throws(ExpressionError)
  {
    self.source = source
    var parser = ExpressionParser(source, functions: functions)
    self.root = try parser.parseFormula()
  }

  /// The distinct variable names of the formula, in order of first appearance (`pi` and
  /// function names excluded).
  public var variables: [String] {
    var seen = Set<String>()
    var out: [String] = []
    root.visitVariables { name, _ in
      if seen.insert(name).inserted { out.append(name) }
    }
    return out
  }

  /// The formula re-printed from its tree, fully parenthesised where needed.
  public var description: String { root.description }

  /// Evaluates the formula with the given variable values (IEEE arithmetic: `log(-1)` is NaN,
  /// `1/0` is +∞; such results are returned, not thrown).
  /// - Throws: `ExpressionError` naming the first variable (by position) not in `variables`.
  public func evaluate(_ variables: [String: Double]) throws(ExpressionError) -> Double {
    try root.evaluate(variables)
  }
}

/// A node of an `Expression` syntax tree.
public indirect enum ExpressionNode: Sendable, Equatable, CustomStringConvertible {
  /// A numeric literal (or the constant `pi`).
  case number(Double)
  /// A variable (data column or parameter) and the 1-based column where it appears.
  case variable(String, column: Int)
  /// Unary minus.
  case negate(ExpressionNode)
  /// A binary operation.
  case binary(ExpressionOperator, ExpressionNode, ExpressionNode)
  /// A call of a built-in function.
  case call(ExpressionFunction, ExpressionNode)
  /// A call of a caller-supplied function (see ``ExpressionFunctionScope``): its name, its
  /// arguments in order (possibly none) and the 1-based column of the name.
  case apply(String, [ExpressionNode], column: Int)

  /// Calls `body` for every variable occurrence, left to right.
  public func visitVariables(_ body: (String, Int) -> Void) {
    switch self {
    case .number: break
    case .variable(let name, let column): body(name, column)
    case .negate(let a), .call(_, let a): a.visitVariables(body)
    case .binary(_, let a, let b):
      a.visitVariables(body)
      b.visitVariables(body)
    case .apply(_, let arguments, _):
      for a in arguments { a.visitVariables(body) }
    }
  }

  /// The first caller-supplied call (``apply(_:_:column:)``) in the tree, left to right: its
  /// name and column; `nil` when there is none.
  public var firstApplication: (name: String, column: Int)? {
    switch self {
    case .number, .variable: return nil
    case .negate(let a), .call(_, let a): return a.firstApplication
    case .binary(_, let a, let b): return a.firstApplication ?? b.firstApplication
    case .apply(let name, _, let column): return (name, column)
    }
  }

  func evaluate(_ env: [String: Double]) throws(ExpressionError) -> Double {
    switch self {
    case .number(let v): return v
    case .variable(let name, let column):
      guard let v = env[name] else {
        throw ExpressionError("unknown variable '\(name)'", column: column)
      }
      return v
    case .negate(let a): return -(try a.evaluate(env))
    case .binary(let op, let a, let b):
      let x = try a.evaluate(env)
      let y = try b.evaluate(env)
      return op.apply(x, y)
    case .call(let f, let a): return f.apply(try a.evaluate(env))
    case .apply(let name, _, let column):
      throw ExpressionError("unknown function '\(name)'", column: column)
    }
  }

  /// Re-prints the tree with explicit parentheses around every compound operand.
  public var description: String {
    switch self {
    case .number(let v):
      if v == Double.pi { return "pi" }
      return v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : "\(v)"
    case .variable(let name, _): return name
    case .negate(let a): return "-\(a.parenthesised)"
    case .binary(let op, let a, let b):
      return "\(a.parenthesised) \(op.rawValue) \(b.parenthesised)"
    case .call(let f, let a): return "\(f.rawValue)(\(a))"
    case .apply(let name, let arguments, _):
      return "\(name)(\(arguments.map(\.description).joined(separator: ", ")))"
    }
  }

  var parenthesised: String {
    switch self {
    case .number(let v) where v >= 0: return description
    case .variable, .call, .apply: return description
    default: return "(\(description))"
    }
  }
}

/// Which function names a formula may call besides the built-in ``ExpressionFunction``s.
public enum ExpressionFunctionScope: Sendable, Equatable {
  /// Only the built-in functions; any other call is a parse error.
  case builtIn
  /// The built-in functions and these names (as general calls with any number of arguments).
  case also(Set<String>)
  /// Any name: every call that is not a built-in function parses to a general call.
  case any

  /// Whether `name` (not a built-in function) may be called.
  func admits(_ name: String) -> Bool {
    switch self {
    case .builtIn: return false
    case .also(let names): return names.contains(name)
    case .any: return true
    }
  }
}

/// The binary operators of the expression language.
public enum ExpressionOperator: String, Sendable, Equatable {
  /// Addition.
  case add = "+"
  /// Subtraction.
  case subtract = "-"
  /// Multiplication.
  case multiply = "*"
  /// Division (IEEE: x/0 is ±∞ or NaN).
  case divide = "/"
  /// Power `pow(x, y)` (C99 semantics: negative base with non-integer exponent is NaN).
  case power = "^"

  /// `x op y` in IEEE arithmetic.
  public func apply(_ x: Double, _ y: Double) -> Double {
    switch self {
    case .add: return x + y
    case .subtract: return x - y
    case .multiply: return x * y
    case .divide: return x / y
    case .power: return cPow(x, y)
    }
  }
}

/// The built-in functions of the expression language.
public enum ExpressionFunction: String, Sendable, Equatable, CaseIterable {
  /// eˣ.
  case exp
  /// Natural logarithm (NaN for x < 0, −∞ at 0).
  case log
  /// Square root (NaN for x < 0).
  case sqrt
  /// Sine (radians).
  case sin
  /// Cosine (radians).
  case cos
  /// Tangent (radians).
  case tan
  /// Arctangent, in (−π/2, π/2).
  case atan
  /// Absolute value (derivative taken as sign(x), 0 at 0).
  case abs

  /// f(x) in IEEE arithmetic (NaN outside the domain).
  public func apply(_ x: Double) -> Double {
    switch self {
    case .exp: return cExp(x)
    case .log: return cLog(x)
    case .sqrt: return x.squareRoot()
    case .sin: return cSin(x)
    case .cos: return cCos(x)
    case .tan: return cTan(x)
    case .atan: return cAtan(x)
    case .abs: return Swift.abs(x)
    }
  }

  /// f'(x) given x and f(x).
  func derivative(_ x: Double, value fx: Double) -> Double {
    switch self {
    case .exp: return fx
    case .log: return 1 / x
    case .sqrt: return 0.5 / fx
    case .sin: return cCos(x)
    case .cos: return -cSin(x)
    case .tan: return 1 + fx * fx
    case .atan: return 1 / (1 + x * x)
    case .abs: return x > 0 ? 1 : (x < 0 ? -1 : 0)
    }
  }
}

/// A formula that cannot be parsed or evaluated, with the 1-based column (in Unicode scalars)
/// of the offending character in the formula.
public struct ExpressionError: Error, Sendable, Equatable, CustomStringConvertible {
  /// What went wrong, e.g. `unexpected ')'` or `unknown function 'foo'`.
  public var message: String
  /// 1-based column in the formula text.
  public var column: Int
  /// Whether the formula is wrong or merely too long or deep to be read.
  public var kind: Kind

  /// What sort of error.
  public enum Kind: Sendable, Equatable {
    /// The formula does not parse or cannot be evaluated.
    case syntax
    /// The formula is longer than ``Expression/maximumLength`` or deeper than
    /// ``Expression/maximumDepth``.
    case limit
  }

  /// Creates an error.
  public init(_ message: String, column: Int, kind: Kind = .syntax) {
    self.message = message
    self.column = column
    self.kind = kind
  }

  /// `column N: message`.
  public var description: String { "column \(column): \(message)" }
}
