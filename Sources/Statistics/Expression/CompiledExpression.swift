import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// An `Expression` bound to named parameters and data columns and compiled to a flat
/// postfix program over a value stack, evaluated for every observation in one call together
/// with the exact gradient with respect to the parameters.
///
/// **Method.** Forward-mode automatic differentiation: every stack slot carries a value and
/// its partial derivatives ∂/∂θⱼ; each instruction applies the chain rule (Griewank &
/// Walther, *Evaluating Derivatives*, 2nd ed., SIAM 2008, §3.1). For `a^b` the derivative is
/// `b·a^(b−1)·a′ + a^b·log(a)·b′`, where a term whose factor `a′` or `b′` is exactly zero is
/// left out, so `(−2)^2` and `0^0.5` differentiate without spurious NaN. Constant
/// subexpressions are folded at compile time.
///
/// Evaluation never traps: `log` of a negative number, division by zero and overflow give
/// NaN or ±∞ in the values or gradient, which callers must treat as failure.
///
/// Complexity: O(n · L · (p + 1)) for n observations, L instructions and p parameters.
public struct CompiledExpression: Sendable {
  enum Instruction: Sendable, Equatable {
    case constant(Double)
    case parameter(Int)
    case data(Int)
    case negate
    case binary(ExpressionOperator)
    case call(ExpressionFunction)
  }

  /// Parameter names, in the order of the gradient columns.
  public let parameters: [String]
  /// Data column names that the formula uses.
  public let columns: [String]
  /// Number of observations (length of every data column).
  public let count: Int
  let program: [Instruction]
  let data: [[Double]]
  let depth: Int

  /// Compiles `expression`, binding each variable to a parameter (by position in
  /// `parameters`) or to a data column. Parameters take precedence only when there is no
  /// column of the same name; a name that is both is rejected as ambiguous.
  ///
  /// - Parameters:
  ///   - expression: the parsed formula.
  ///   - parameters: parameter names θ₁…θₚ (distinct).
  ///   - data: data columns by name, all of the same length n ≥ 1. Columns the formula
  ///     does not use are ignored. With no column used, `count` is `observations`.
  ///   - observations: n when the formula uses no data column (default: length of the first
  ///     column in `data`, or 1).
  /// - Throws: `ExpressionError` naming (with its column in the formula) a variable that is
  ///   neither a parameter nor a data column, or one that is both; also for duplicate
  ///   parameter names or data columns of unequal length.
  public init(
    _ expression: Expression, parameters: [String], data: [String: [Double]],
    observations: Int? = nil
  ) throws(ExpressionError) {
    guard Set(parameters).count == parameters.count else {
      throw ExpressionError("duplicate parameter names in \(parameters)", column: 1)
    }
    if let call = expression.root.firstApplication {
      throw ExpressionError(
        "unknown function '\(call.name)': a fitted formula may call only "
          + ExpressionFunction.allCases.map(\.rawValue).joined(separator: ", "),
        column: call.column)
    }
    var paramIndex: [String: Int] = [:]
    for (k, name) in parameters.enumerated() { paramIndex[name] = k }
    var used: [String] = []
    var firstError: ExpressionError?
    expression.root.visitVariables { name, column in
      guard firstError == nil else { return }
      let isParam = paramIndex[name] != nil
      let isData = data[name] != nil
      if isParam && isData {
        firstError = ExpressionError(
          "'\(name)' is both a parameter and a data column", column: column)
      } else if !isParam && !isData {
        firstError = ExpressionError(
          "unknown variable '\(name)': not a parameter or a data column", column: column)
      } else if isData && !used.contains(name) {
        used.append(name)
      }
    }
    if let firstError { throw firstError }
    var columns: [[Double]] = []
    var n = observations ?? data.values.first?.count ?? 1
    if let first = used.first, let col = data[first] { n = col.count }
    for name in used {
      let col = data[name] ?? []
      guard col.count == n else {
        throw ExpressionError(
          "data column '\(name)' has \(col.count) values, expected \(n)", column: 1)
      }
      columns.append(col)
    }
    self.parameters = parameters
    self.columns = used
    self.count = n
    self.data = columns
    var program: [Instruction] = []
    var depth = 0
    var maxDepth = 0
    func emit(_ node: ExpressionNode) {
      switch Self.fold(node) {
      case .number(let v):
        program.append(.constant(v))
        depth += 1
      case .variable(let name, _):
        if let k = paramIndex[name] {
          program.append(.parameter(k))
        } else {
          program.append(.data(used.firstIndex(of: name) ?? 0))
        }
        depth += 1
      case .negate(let a):
        emit(a)
        program.append(.negate)
      case .call(let f, let a):
        emit(a)
        program.append(.call(f))
      case .apply:
        // Rejected above; never reached.
        program.append(.constant(.nan))
        depth += 1
      case .binary(let op, let a, let b):
        emit(a)
        emit(b)
        program.append(.binary(op))
        depth -= 1
      }
      maxDepth = max(maxDepth, depth)
    }
    emit(expression.root)
    self.program = program
    self.depth = max(1, maxDepth)
  }

  /// Constant folding of subtrees without variables.
  static func fold(_ node: ExpressionNode) -> ExpressionNode {
    var hasVariable = false
    node.visitVariables { _, _ in hasVariable = true }
    if !hasVariable, let v = try? node.evaluate([:]) { return .number(v) }
    return node
  }

  /// The model values fᵢ(θ) for every observation.
  /// - Precondition-free: a `theta` of the wrong length gives NaN values.
  public func values(_ theta: [Double]) -> [Double] {
    run(theta, gradient: false).values
  }

  /// The model values and the Jacobian ∂fᵢ/∂θⱼ (n × p, column-major) for every observation.
  /// A `theta` of the wrong length gives NaN values.
  public func valuesAndJacobian(_ theta: [Double]) -> (values: [Double], jacobian: Matrix) {
    let r = run(theta, gradient: true)
    let p = parameters.count
    let m =
      (try? Matrix(rows: count, columns: p, columnMajor: r.jacobian))
      ?? Matrix(rows: count, columns: p, repeating: .nan)
    return (r.values, m)
  }

  func run(_ theta: [Double], gradient: Bool) -> (values: [Double], jacobian: [Double]) {
    let n = count
    let p = gradient ? parameters.count : 0
    var values = [Double](repeating: .nan, count: n)
    var jac = [Double](repeating: .nan, count: n * p)
    guard theta.count == parameters.count else { return (values, jac) }
    var v = [Double](repeating: 0, count: depth + 1)
    var g = [Double](repeating: 0, count: (depth + 1) * max(p, 1))
    for i in 0..<n {
      var top = -1
      for ins in program {
        switch ins {
        case .constant(let c):
          top += 1
          v[top] = c
          for j in 0..<p { g[top * p + j] = 0 }
        case .parameter(let k):
          top += 1
          v[top] = theta[k]
          for j in 0..<p { g[top * p + j] = j == k ? 1 : 0 }
        case .data(let c):
          top += 1
          v[top] = data[c][i]
          for j in 0..<p { g[top * p + j] = 0 }
        case .negate:
          v[top] = -v[top]
          for j in 0..<p { g[top * p + j] = -g[top * p + j] }
        case .call(let f):
          let x = v[top]
          let fx = f.apply(x)
          v[top] = fx
          if p > 0 {
            let d = f.derivative(x, value: fx)
            for j in 0..<p where g[top * p + j] != 0 { g[top * p + j] *= d }
          }
        case .binary(let op):
          let a = v[top - 1]
          let b = v[top]
          let ia = (top - 1) * p
          let ib = top * p
          switch op {
          case .add:
            v[top - 1] = a + b
            for j in 0..<p { g[ia + j] += g[ib + j] }
          case .subtract:
            v[top - 1] = a - b
            for j in 0..<p { g[ia + j] -= g[ib + j] }
          case .multiply:
            v[top - 1] = a * b
            for j in 0..<p { g[ia + j] = g[ia + j] * b + a * g[ib + j] }
          case .divide:
            let q = a / b
            v[top - 1] = q
            for j in 0..<p { g[ia + j] = (g[ia + j] - q * g[ib + j]) / b }
          case .power:
            let r = cPow(a, b)
            v[top - 1] = r
            if p > 0 {
              var dA = 0.0
              var dB = 0.0
              var needA = false
              var needB = false
              for j in 0..<p {
                if g[ia + j] != 0 { needA = true }
                if g[ib + j] != 0 { needB = true }
              }
              if needA { dA = b == 0 ? 0 : b * cPow(a, b - 1) }
              if needB { dB = r * cLog(a) }
              for j in 0..<p {
                var d = 0.0
                let ga = g[ia + j]
                let gb = g[ib + j]
                if ga != 0 { d += dA * ga }
                if gb != 0 { d += dB * gb }
                g[ia + j] = d
              }
            }
          }
          top -= 1
        }
      }
      values[i] = v[0]
      for j in 0..<p { jac[j * n + i] = g[j] }
    }
    return (values, jac)
  }
}
