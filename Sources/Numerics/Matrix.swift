/// Dense column-major matrix of `Double`.
///
/// Element `(i, j)` (zero-based row `i`, column `j`) is stored at
/// `storage[j * rows + i]`, the layout LAPACK and BLAS expect with
/// leading dimension `rows` (Anderson et al., *LAPACK Users' Guide*, 3rd ed., SIAM 1999, §5.1.3).
public struct Matrix: Sendable, Equatable {
  /// Number of rows (`m`).
  public let rows: Int
  /// Number of columns (`n`).
  public let columns: Int
  /// Column-major element storage; `storage.count == rows * columns`.
  ///
  /// Callers that mutate `storage` directly must keep its count unchanged.
  public var storage: [Double]

  /// Creates a `rows × columns` matrix with every element equal to `repeating`.
  ///
  /// Negative dimensions are clamped to zero so the initializer never traps.
  public init(rows: Int, columns: Int, repeating: Double = 0) {
    let r = max(0, rows)
    let c = max(0, columns)
    self.rows = r
    self.columns = c
    let (count, overflow) = r.multipliedReportingOverflow(by: c)
    self.storage = Array(repeating: repeating, count: overflow ? 0 : count)
  }

  /// Creates a matrix from column-major storage.
  ///
  /// - Throws: `NumericsError.invalidArgument` for negative dimensions and
  ///   `NumericsError.dimensionMismatch` when `columnMajor.count != rows * columns`.
  public init(rows: Int, columns: Int, columnMajor: [Double]) throws(NumericsError) {
    guard rows >= 0, columns >= 0 else {
      throw .invalidArgument("matrix dimensions must be nonnegative (got \(rows)×\(columns))")
    }
    let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
    guard !overflow, count == columnMajor.count else {
      throw .dimensionMismatch("\(rows)×\(columns) matrix needs \(rows)*\(columns) elements, got \(columnMajor.count)")
    }
    self.rows = rows
    self.columns = columns
    self.storage = columnMajor
  }

  /// Creates a matrix from its columns; each inner array is one column.
  ///
  /// An empty outer array gives a `0 × 0` matrix.
  /// - Throws: `NumericsError.dimensionMismatch` when the columns have different lengths.
  public init(columns: [[Double]]) throws(NumericsError) {
    let m = columns.first?.count ?? 0
    for (j, column) in columns.enumerated() where column.count != m {
      throw .dimensionMismatch("column \(j) has \(column.count) elements, column 0 has \(m)")
    }
    self.rows = m
    self.columns = columns.count
    var s: [Double] = []
    s.reserveCapacity(m * columns.count)
    for column in columns { s.append(contentsOf: column) }
    self.storage = s
  }

  /// Element at zero-based `(row, column)`.
  ///
  /// The indices must satisfy `0 <= row < rows` and `0 <= column < columns`;
  /// this accessor is meant for internal callers that have already validated
  /// their indices. It performs no check of its own beyond the bounds check of
  /// the underlying `Array` (an out-of-range index traps there).
  public subscript(row: Int, column: Int) -> Double {
    get { storage[column * rows + row] }
    set { storage[column * rows + row] = newValue }
  }

  /// A copy of column `j`, or an empty array when `j` is out of range.
  public func column(_ j: Int) -> [Double] {
    guard j >= 0, j < columns else { return [] }
    return Array(storage[(j * rows)..<((j + 1) * rows)])
  }

  /// The transpose `Aᵀ` (`columns × rows`).
  public var transposed: Matrix {
    var t = Matrix(rows: columns, columns: rows)
    for j in 0..<columns {
      for i in 0..<rows {
        t.storage[i * columns + j] = storage[j * rows + i]
      }
    }
    return t
  }
}
