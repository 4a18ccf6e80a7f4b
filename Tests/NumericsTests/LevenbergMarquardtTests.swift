import Foundation
import Numerics
import Testing

@Suite("Levenberg–Marquardt")
struct LevenbergMarquardtTests {
  static func matrix(_ rows: [[Double]]) -> Matrix {
    let m = rows.count
    let n = rows.first?.count ?? 0
    var a = Matrix(rows: m, columns: n)
    for i in 0..<m { for j in 0..<n { a[i, j] = rows[i][j] } }
    return a
  }

  @Test("Rosenbrock as residuals reaches (1, 1) from (−1.2, 1)")
  func rosenbrock() throws {
    // f₁ = 10(x₂ − x₁²), f₂ = 1 − x₁ (Moré, Garbow & Hillstrom 1981, problem 1).
    let r = try LevenbergMarquardt.minimize(
      start: [-1.2, 1], residualCount: 2,
      residuals: { x in [10 * (x[1] - x[0] * x[0]), 1 - x[0]] },
      jacobian: { x in Self.matrix([[-20 * x[0], 10], [-1, 0]]) })
    #expect(r.converged)
    #expect(abs(r.parameters[0] - 1) <= 1e-14)
    #expect(abs(r.parameters[1] - 1) <= 1e-14)
    #expect(r.sumOfSquares <= 1e-28)
    #expect(r.functionEvaluations >= r.jacobianEvaluations)
  }

  @Test("Powell singular function approaches its singular minimum at 0")
  func powellSingular() throws {
    // f = (x₁+10x₂, √5(x₃−x₄), (x₂−2x₃)², √10(x₁−x₄)²), start (3, −1, 0, 1); the Jacobian
    // is singular at the minimum x* = 0, so convergence is linear (MGH 1981, problem 13).
    let s5 = 5.0.squareRoot()
    let s10 = 10.0.squareRoot()
    let r = try LevenbergMarquardt.minimize(
      start: [3, -1, 0, 1], residualCount: 4,
      residuals: { x in
        [
          x[0] + 10 * x[1], s5 * (x[2] - x[3]), (x[1] - 2 * x[2]) * (x[1] - 2 * x[2]),
          s10 * (x[0] - x[3]) * (x[0] - x[3]),
        ]
      },
      jacobian: { x in
        let a = x[1] - 2 * x[2]
        let b = x[0] - x[3]
        return Self.matrix([
          [1, 10, 0, 0], [0, 0, s5, -s5], [0, 2 * a, -4 * a, 0], [2 * s10 * b, 0, 0, -2 * s10 * b],
        ])
      })
    #expect(r.converged)
    #expect(r.parameters.allSatisfy { abs($0) < 1e-6 })
    #expect(r.sumOfSquares < 1e-20)
  }

  @Test("a linear problem gives the least-squares solution of LeastSquares.solve")
  func linear() throws {
    let x: [Double] = [1, 2, 3, 4, 5, 6]
    let y: [Double] = [1.1, 1.9, 3.2, 3.9, 5.2, 5.8]
    var design = Matrix(rows: 6, columns: 2)
    for i in 0..<6 {
      design[i, 0] = 1
      design[i, 1] = x[i]
    }
    let ls = try LeastSquares.solve(design: design, response: y)
    let r = try LevenbergMarquardt.minimize(
      start: [10, -3], residualCount: 6,
      residuals: { b in (0..<6).map { b[0] + b[1] * x[$0] - y[$0] } },
      jacobian: { _ in design })
    #expect(r.converged)
    #expect(abs(r.parameters[0] - ls.coefficients[0]) <= 1e-13)
    #expect(abs(r.parameters[1] - ls.coefficients[1]) <= 1e-13)
  }

  @Test("Freudenstein–Roth stops at its local minimum (48.9842…)")
  func freudensteinRoth() throws {
    // MGH 1981, problem 2: from (0.5, −2) the iteration reaches the local minimum
    // f = 48.9842536792400 at (11.4128, −0.896805), not the global zero at (5, 4).
    let r = try LevenbergMarquardt.minimize(
      start: [0.5, -2], residualCount: 2,
      residuals: { x in
        [-13 + x[0] + ((5 - x[1]) * x[1] - 2) * x[1], -29 + x[0] + ((x[1] + 1) * x[1] - 14) * x[1]]
      },
      jacobian: { x in
        Self.matrix([[1, (10 - 3 * x[1]) * x[1] - 2], [1, (3 * x[1] + 2) * x[1] - 14]])
      })
    #expect(r.converged)
    #expect(abs(r.sumOfSquares - 48.9842536792400) <= 1e-10)
  }

  @Test("failures are reported, not hidden")
  func failures() throws {
    #expect(throws: NumericsError.self) {
      try LevenbergMarquardt.minimize(
        start: [1], residualCount: 1, residuals: { x in [log(-x[0])] },
        jacobian: { _ in Matrix(rows: 1, columns: 1) })
    }
    #expect(throws: NumericsError.self) {
      try LevenbergMarquardt.minimize(
        start: [1, 2], residualCount: 1, residuals: { x in [x[0]] },
        jacobian: { _ in Matrix(rows: 1, columns: 2) })
    }
    let r = try LevenbergMarquardt.minimize(
      start: [-1.2, 1], residualCount: 2, options: .init(maxEvaluations: 3),
      residuals: { x in [10 * (x[1] - x[0] * x[0]), 1 - x[0]] },
      jacobian: { x in Self.matrix([[-20 * x[0], 10], [-1, 0]]) })
    #expect(!r.converged)
    #expect(r.stopReason == .evaluationLimit)
    #expect(r.stopReason.description == "evaluation limit reached before convergence")
    // Infeasible trial points (NaN) are rejected and the radius shrinks: sqrt needs x ≥ 0.
    let s = try LevenbergMarquardt.minimize(
      start: [4], residualCount: 2,
      residuals: { x in [x[0].squareRoot() - 1, x[0].squareRoot() - 1] },
      jacobian: { x in Self.matrix([[0.5 / x[0].squareRoot()], [0.5 / x[0].squareRoot()]]) })
    #expect(s.converged)
    #expect(abs(s.parameters[0] - 1) <= 1e-12)
  }
}
