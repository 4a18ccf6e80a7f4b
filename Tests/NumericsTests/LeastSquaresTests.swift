import Foundation
import Testing

@testable import Numerics

@Suite("Least squares (dgeqp3/dormqr/dtrtrs)")
struct LeastSquaresTests {
  @Test("Line through exact points is recovered exactly")
  func exactLine() throws {
    let xs: [Double] = [0, 1, 2, 3, 4]
    let design = try Matrix(columns: [[1, 1, 1, 1, 1], xs])
    let y = xs.map { 2 + 3 * $0 }
    let fit = try LeastSquares.solve(design: design, response: y)
    #expect(fit.rank == 2)
    #expect(abs(fit.coefficients[0] - 2) < 1e-14)
    #expect(abs(fit.coefficients[1] - 3) < 1e-14)
    #expect(fit.residualSumOfSquares < 1e-25)
    for i in 0..<5 { #expect(abs(fit.fitted[i] - y[i]) < 1e-13) }
  }

  @Test("Covariance of a straight-line fit equals inv(X'X) computed by hand")
  func covarianceByHand() throws {
    // X'X = [[n, Σx], [Σx, Σx²]] = [[4, 10], [10, 30]]; det = 20; inverse = [[30, -10], [-10, 4]] / 20.
    let design = try Matrix(columns: [[1, 1, 1, 1], [1, 2, 3, 4]])
    let fit = try LeastSquares.solve(design: design, response: [1.0, 3.0, 2.0, 5.0])
    let expected: [[Double]] = [[1.5, -0.5], [-0.5, 0.2]]
    for i in 0..<2 {
      for j in 0..<2 {
        #expect(abs(fit.unscaledCovariance[i, j] - expected[i][j]) < 1e-14)
      }
    }
    // Slope by hand: Sxy / Sxx = 5.5 / 5 = 1.1; intercept 2.75 - 1.1*2.5 = 0.
    #expect(abs(fit.coefficients[1] - 1.1) < 1e-14)
    #expect(abs(fit.coefficients[0]) < 1e-14)
    // Residuals: y - 1.1 x = [-0.1, 0.8, -1.3, 0.6]; RSS = 0.01 + 0.64 + 1.69 + 0.36 = 2.7
    #expect(abs(fit.residualSumOfSquares - 2.7) < 1e-13)
  }

  @Test("Rank-deficient design reports the later collinear column as aliased, like R's lm")
  func aliasedColumn() throws {
    let x1: [Double] = [1, 2, 3, 4, 5, 6]
    let x2 = x1.map { 2 * $0 }  // exactly collinear with x1
    let x3: [Double] = [1, 0, 1, 0, 0, 1]
    let design = try Matrix(columns: [[1, 1, 1, 1, 1, 1], x1, x2, x3])
    let y: [Double] = [1, 4, 5, 9, 10, 14]
    let fit = try LeastSquares.solve(design: design, response: y)
    #expect(fit.rank == 3)
    #expect(fit.aliased == [false, false, true, false])
    #expect(fit.coefficients[2].isNaN)
    #expect(fit.unscaledCovariance[2, 2].isNaN && fit.unscaledCovariance[0, 2].isNaN)
    // Must equal the fit without the aliased column.
    let reduced = try LeastSquares.solve(design: try Matrix(columns: [[1, 1, 1, 1, 1, 1], x1, x3]), response: y)
    #expect(abs(fit.coefficients[0] - reduced.coefficients[0]) < 1e-12)
    #expect(abs(fit.coefficients[1] - reduced.coefficients[1]) < 1e-12)
    #expect(abs(fit.coefficients[3] - reduced.coefficients[2]) < 1e-12)
    #expect(abs(fit.unscaledCovariance[3, 1] - reduced.unscaledCovariance[2, 1]) < 1e-12)
  }

  @Test("Integer weights equal duplicating rows; zero weight drops the row")
  func weightsAsDuplicates() throws {
    let x: [Double] = [0.5, 1.7, 2.2, 3.9, 5.1]
    let y: [Double] = [1.2, 2.9, 2.7, 6.1, 6.0]
    let w: [Double] = [1, 3, 0, 2, 1]
    let weighted = try LeastSquares.solve(
      design: try Matrix(columns: [[Double](repeating: 1, count: 5), x]),
      response: y, weights: w)
    var dx: [Double] = []
    var dy: [Double] = []
    for i in 0..<5 {
      for _ in 0..<Int(w[i]) {
        dx.append(x[i])
        dy.append(y[i])
      }
    }
    let dup = try LeastSquares.solve(
      design: try Matrix(columns: [[Double](repeating: 1, count: dx.count), dx]), response: dy)
    for j in 0..<2 {
      #expect(abs(weighted.coefficients[j] - dup.coefficients[j]) < 1e-13 * max(1, abs(dup.coefficients[j])))
    }
    #expect(abs(weighted.residualSumOfSquares - dup.residualSumOfSquares) < 1e-12)
    for i in 0..<2 {
      for j in 0..<2 {
        #expect(abs(weighted.unscaledCovariance[i, j] - dup.unscaledCovariance[i, j]) < 1e-13)
      }
    }
    // The zero-weight row still gets a residual on the original scale.
    let b = weighted.coefficients
    #expect(abs(weighted.residuals[2] - (y[2] - b[0] - b[1] * x[2])) < 1e-13)
  }

  @Test("Bad input throws instead of crashing")
  func badInput() throws {
    let design = try Matrix(columns: [[1, 1, 1], [1, 2, 3]])
    #expect(throws: NumericsError.self) { try LeastSquares.solve(design: design, response: [1, 2]) }
    #expect(throws: NumericsError.self) { try LeastSquares.solve(design: design, response: [1, .nan, 2]) }
    #expect(throws: NumericsError.self) {
      try LeastSquares.solve(design: design, response: [1, 2, 3], weights: [1, -1, 1])
    }
    #expect(throws: NumericsError.self) {
      try LeastSquares.solve(design: design, response: [1, 2, 3], weights: [1, 1])
    }
    #expect(throws: NumericsError.self) {
      try LeastSquares.solve(design: design, response: [1, 2, 3], weights: [1, .infinity, 1])
    }
    let withNaN = try Matrix(columns: [[1, 1, 1], [1, .nan, 3]])
    #expect(throws: NumericsError.self) { try LeastSquares.solve(design: withNaN, response: [1, 2, 3]) }
    #expect(throws: NumericsError.self) { try LeastSquares.solve(design: Matrix(rows: 0, columns: 0), response: []) }
    #expect(throws: NumericsError.self) { try Matrix(columns: [[1, 2], [1]]) }
    #expect(throws: NumericsError.self) { try Matrix(rows: 2, columns: 2, columnMajor: [1, 2, 3]) }
  }
}

@Suite("Cholesky, summation, matrix")
struct CholeskySummationTests {
  @Test("Cholesky inverse and solve on a 3×3 SPD matrix with a known inverse")
  func cholesky() throws {
    // A = [[4,2,0],[2,3,1],[0,1,2]]; det = 4(6-1) - 2(4-0) = 12; inverse = adjugate / 12.
    let a = try Matrix(columns: [[4, 2, 0], [2, 3, 1], [0, 1, 2]])
    let expected: [[Double]] = [[5, -4, 2], [-4, 8, -4], [2, -4, 8]].map { $0.map { $0 / 12 } }
    let inv = try Cholesky.inverse(a)
    for i in 0..<3 { for j in 0..<3 { #expect(abs(inv[i, j] - expected[i][j]) < 1e-15) } }
    // b = A * [1, -1, 2] = [2, 1, 3]
    let x = try Cholesky.solve(a, [2, 1, 3])
    #expect(abs(x[0] - 1) < 1e-14 && abs(x[1] + 1) < 1e-14 && abs(x[2] - 2) < 1e-14)
    #expect(throws: NumericsError.self) { try Cholesky.inverse(try Matrix(columns: [[1, 2], [2, 1]])) }
    #expect(throws: NumericsError.self) { try Cholesky.solve(a, [1, 2]) }
    #expect(throws: NumericsError.self) { try Cholesky.inverse(try Matrix(columns: [[1, 2, 3], [2, 1, 3]])) }
  }

  @Test("Neumaier summation is exact where naive summation is not")
  func neumaier() {
    #expect(Summation.sum([1, 1e100, 1, -1e100]) == 2)
    #expect(Summation.sum([]) == 0)
    #expect(Summation.sum([Double](repeating: 0.1, count: 10)) == 1.0)
    #expect(Summation.mean([1e16, 1, -1e16, 2]) == 0.75)
    #expect(Summation.mean([]).isNaN)
    #expect(Summation.sum([1, .infinity]) == .infinity)
  }

  @Test("Matrix basics")
  func matrix() throws {
    let m = try Matrix(rows: 2, columns: 3, columnMajor: [1, 2, 3, 4, 5, 6])
    #expect(m[1, 2] == 6 && m[0, 1] == 3)
    #expect(m.column(1) == [3, 4])
    #expect(m.column(7) == [])
    #expect(m.transposed[2, 1] == 6 && m.transposed.rows == 3)
    #expect(m.transposed.transposed == m)
  }
}
