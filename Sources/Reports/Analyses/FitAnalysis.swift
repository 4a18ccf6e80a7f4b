import Dispatch
import Figures
import FoundationEssentials
import Numerics
import Statistics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// What `reconcile fit` was asked to do.
public struct FitRequest: Sendable {
  /// Response column.
  public var y: String
  /// Regressor columns.
  public var x: [String]
  /// Polynomial degree on a single regressor (1 = straight line).
  public var degree: Int
  /// Leave out the intercept.
  public var noIntercept: Bool
  /// The model.
  public var model: ModelKind
  /// Weights column (wls).
  public var weights: String?
  /// Offset column (count models, on the log scale).
  public var offset: String?
  /// Group column for batches.
  public var by: String?
  /// Confidence level.
  public var level: Double
  /// The nls model formula (the right-hand side; the response is `y`).
  public var formula: String? = nil
  /// Starting values of the nls parameters, in order.
  public var start: [(name: String, value: Double)] = []

  /// Creates a request.
  public init(
    y: String, x: [String], degree: Int = 1, noIntercept: Bool = false, model: ModelKind = .ols,
    weights: String? = nil, offset: String? = nil, by: String? = nil, level: Double = 0.95
  ) {
    self.y = y
    self.x = x
    self.degree = degree
    self.noIntercept = noIntercept
    self.model = model
    self.weights = weights
    self.offset = offset
    self.by = by
    self.level = level
  }
}

/// `reconcile fit`: a regression on any CSV's columns.
public enum FitAnalysis {
  /// Fits the model, once or once per group of `by` (groups in order of first appearance).
  /// - Returns: pairs of group label (nil without `by`) and fit.
  /// - Throws: `FiguresError` for missing columns or bad numbers (with their locations),
  ///   `AnalysisError` when the fit itself fails.
  public static func run(_ table: CSVTable, _ request: FitRequest) throws -> [(group: String?, fit: ModelFit)] {
    try locatingErrors(path: table.path, table: table) {
      if request.model == .nls { return try runNLS(table, request) }
      return try fitGroups(try groups(table, request), request)
    }
  }

  /// A failure a row caused, found where only the row's index is known: `row` indexes the
  /// table's data records (file order). ``locatingErrors(path:table:_:)`` gives it its line.
  struct RowError: Error {
    var row: Int
    /// The column whose cell is to blame, by name (nil for the row as a whole).
    var column: String?
    var message: String
  }

  /// Runs `body`, giving its errors the file's location: a ``RowError`` becomes
  /// `PATH:LINE: error:` (the table is read from `path` when not given, only then), and an
  /// `AnalysisError.analysis` names the file.
  static func locatingErrors<T>(path: String, table: CSVTable?, _ body: () throws -> T) throws -> T {
    do {
      return try body()
    } catch let e as RowError {
      let t = try table ?? CSVReader.read(path: path)
      guard e.row >= 0, e.row < t.records.count else { throw AnalysisError.file(path, e.message) }
      let record = t.records[e.row]
      let field = e.column.flatMap { t.columnIndex($0) }.flatMap { $0 < record.fields.count ? record.fields[$0] : nil }
      throw AnalysisError.located(
        SourceLocation(path: path, line: field?.line ?? record.line, column: field?.column), e.message)
    } catch let e as AnalysisError {
      if case .analysis(let label, let message) = e { throw AnalysisError.file(path, "\(label): \(message)") }
      throw e
    }
  }

  /// The groups of a fit (all rows as one group without `by`) and the columns their rows
  /// index, read and checked.
  struct Groups: Sendable {
    /// Group labels (nil without `by`), in order of first appearance.
    var labels: [String?]
    /// The rows of group `g` (called on the worker that fits it).
    var rows: @Sendable (Int) -> [Int]
    var y: [Double]
    var xs: [[Double]]
    var w: [Double]?
    var off: [Double]?
  }

  /// The groups of `run(_:_:)` (not nls) on a table read whole.
  static func groups(_ table: CSVTable, _ request: FitRequest) throws -> Groups {
    for c in [request.y] + request.x + [request.weights, request.offset, request.by].compactMap({ $0 }) {
      if table.columnIndex(c) == nil {
        throw AnalysisError.unknownColumn(c, path: table.path, available: table.header.map(\.value))
      }
    }
    if request.degree > 1 && request.x.count != 1 {
      throw AnalysisError.analysis("fit", "--degree needs exactly one --x column")
    }
    let y = try table.numbers(column: request.y).map { $0 ?? .nan }
    let xs = try request.x.map { try table.numbers(column: $0).map { $0 ?? .nan } }
    let w = try request.weights.map { try table.numbers(column: $0).map { $0 ?? .nan } }
    let off = try request.offset.map { try table.numbers(column: $0).map { $0 ?? .nan } }
    let groups = try groupRows(table, by: request.by)
    return Groups(labels: groups.map(\.0), rows: { groups[$0].1 }, y: y, xs: xs, w: w, off: off)
  }

  /// Runs the fits on the file at `path`: as `run(_:_:)` on the table read from it, with a
  /// fast path for plain files (``CSVColumns``) that gives the same results without a
  /// `String` per cell; anything else (and every error) goes through the general reader.
  public static func run(path: String, _ request: FitRequest) throws -> [(group: String?, fit: ModelFit)] {
    guard request.model != .nls else { return try run(CSVReader.read(path: path), request) }
    return try locatingErrors(path: path, table: nil) { try fitGroups(try groups(path: path, request), request) }
  }

  /// The groups of `run(path:_:)` (not nls).
  static func groups(path: String, _ request: FitRequest) throws -> Groups {
    guard !(request.degree > 1 && request.x.count != 1) else { return try groups(CSVReader.read(path: path), request) }
    let numeric = [request.y] + request.x + [request.weights, request.offset].compactMap { $0 }
    let input = try CSVColumns.read(path: path) { header -> (numeric: [String], group: String?)? in
      for c in numeric + [request.by].compactMap({ $0 }) where header.columnIndex(c) == nil { return nil }
      return (numeric, request.by)
    }
    let fast: CSVColumns
    switch input {
    case .table(let table): return try groups(table, request)
    case .columns(let columns): fast = columns
    }
    // The columns in the order asked: y, the x's, then weights and offset when given.
    var next = fast.numbers.makeIterator()
    let y = next.next() ?? []
    let xs = request.x.map { _ in next.next() ?? [] }
    let w = request.weights.map { _ in next.next() ?? [] }
    let off = request.offset.map { _ in next.next() ?? [] }
    let (starts, order) = groupRuns(fast.groupOfRow, groupCount: fast.groupLabels.count)
    let labels: [String?] = request.by == nil ? [nil] : fast.groupLabels.map { $0 }
    return Groups(labels: labels, rows: { Array(order[starts[$0]..<starts[$0 + 1]]) }, y: y, xs: xs, w: w, off: off)
  }

  /// How a batch of `count` groups is dealt out: large batches run on all cores, in chunks of
  /// up to 64 groups taken as the workers become free (fits differ in cost, so equal halves
  /// would leave a core idle at the end).
  static func chunking(_ count: Int) -> (workers: Int, chunk: Int, chunks: Int) {
    let workers = count >= 256 ? max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8)) : 1
    let chunk = workers == 1 ? max(1, count) : max(1, min(64, count / (8 * workers)))
    return (workers, chunk, (count + chunk - 1) / chunk)
  }

  /// Fits each group (in parallel for large batches).
  static func fitGroups(_ groups: Groups, _ request: FitRequest) throws -> [(group: String?, fit: ModelFit)] {
    var out: [(group: String?, fit: ModelFit)] = []
    out.reserveCapacity(groups.labels.count)
    try fitInChunks(
      groups, request, piece: { range, fit in try range.map(fit) },
      take: { fits in
        for fit in fits { out.append((groups.labels[out.count], fit)) }
      })
    return out
  }

  /// ``streamGroupedJSON(path:_:emit:)`` to standard output through
  /// ``StandardOutput/pending()``: a failing group takes back what was written.
  /// - Returns: false, having written nothing, when no temporary output can be made.
  public static func streamGroupedJSONToStandardOutput(path: String, _ request: FitRequest) throws -> Bool {
    guard let pending = StandardOutput.pending() else { return false }
    return try pending.deliver { write in
      try streamGroupedJSON(path: path, request, emit: write)
      return true
    }
  }

  /// `run(path:_:)` with `by`, written as the JSON document `jsonDocument(_:grouped: true)`
  /// makes of its fits — the same bytes — handed to `emit` in order as they are made: each
  /// chunk of groups is serialised by the worker that fitted it, and the writing overlaps the
  /// fitting. nls batches, which fit one group at a time, go through `run` first. Throws what
  /// `run` throws (the first failing group's error, in order), after `emit` has received the
  /// chunks before it: the caller discards them.
  public static func streamGroupedJSON(path: String, _ request: FitRequest, emit: ([UInt8]) throws -> Void) throws {
    guard request.model != .nls else {
      for piece in jsonDocument(try run(path: path, request), grouped: true) { try emit(piece) }
      return
    }
    try locatingErrors(path: path, table: nil) { try streamGroupedFits(path: path, request, emit: emit) }
  }

  /// `streamGroupedJSON` without the errors' locations.
  private static func streamGroupedFits(path: String, _ request: FitRequest, emit: ([UInt8]) throws -> Void) throws {
    let groups = try groups(path: path, request)
    let count = groups.labels.count
    guard count > 0 else { return try emit(Array("[]\n".utf8)) }
    try fitInChunks(
      groups, request,
      piece: { range, fit in
        // A fit's object is about 1.1 KB (two parameters): room for the chunk up front, so the
        // buffer is not regrown (and copied) a dozen times on the way.
        var out = JSONStreamWriter(indent: 1, capacity: range.count * (768 + 384 * groups.xs.count))
        if range.lowerBound == 0 { out.raw("[\n") }
        for g in range {
          let f = try fit(g)
          JSON.arrayItem(g, count: count, into: &out) { write(f, group: groups.labels[g], into: &$0) }
        }
        if range.upperBound == count { out.raw("]\n") }
        return out.bytes
      }, take: emit)
  }

  /// Fits the groups in chunks of up to 64 (``chunking(_:)``), taken by the workers as they
  /// become free: `piece` gets a chunk's groups and the function that fits one of them (with
  /// the chunk's workspace), and what it makes of them goes to `take`, chunk by chunk in
  /// order, as they complete — at most a few chunks ahead of `take`. The order and bytes never
  /// depend on the number of workers; a failing group's error is thrown when its chunk's turn
  /// comes, so it is that of the first failing group, as in a sequential run.
  static func fitInChunks<Piece: Sendable>(
    _ groups: Groups, _ request: FitRequest,
    piece: @escaping @Sendable (_ groups: Range<Int>, _ fit: (Int) throws -> ModelFit) throws -> Piece,
    take: (Piece) throws -> Void
  ) throws {
    let count = groups.labels.count
    guard count > 0 else { return }
    let (workers, chunk, chunks) = chunking(count)
    let board = OrderedPieces<Piece>(count: chunks, window: 4 * workers)
    let finished = DispatchGroup()
    for _ in 0..<workers {
      DispatchQueue.global().async(group: finished) {
        while let k = board.claim() {
          let range = (k * chunk)..<min(count, (k + 1) * chunk)
          board.complete(
            k,
            Result { () throws(any Error) -> Piece in
              // One workspace per chunk, reused by its count-model fits.
              var workspace = CountModelWorkspace()
              return try piece(range) { g in try fitGroup(g, of: groups, request: request, workspace: &workspace) }
            })
        }
      }
    }
    defer {
      board.stop()
      finished.wait()
    }
    for k in 0..<chunks { try take(board.take(k).get()) }
  }

  /// Group `g` of `groups` fitted.
  static func fitGroup(
    _ g: Int, of groups: Groups, request: FitRequest, workspace: inout CountModelWorkspace
  ) throws -> ModelFit {
    try fitGroup(
      label: groups.labels[g], rows: groups.rows(g), y: groups.y, xs: groups.xs, w: groups.w, off: groups.off,
      request: request, workspace: &workspace)
  }

  /// One group's fit (`run` without `by` is the single group of all rows).
  static func fitGroup(
    label: String?, rows: [Int], y: [Double], xs: [[Double]], w: [Double]?, off: [Double]?, request: FitRequest,
    workspace: inout CountModelWorkspace
  ) throws -> ModelFit {
    // The design's columns, written straight into its column-major storage.
    var storage: [Double] = []
    var names: [String] = []
    let terms = (request.noIntercept ? 0 : 1) + (request.degree > 1 && xs.first != nil ? request.degree : xs.count)
    storage.reserveCapacity(rows.count * terms)
    names.reserveCapacity(terms)
    if !request.noIntercept {
      storage.append(contentsOf: repeatElement(1, count: rows.count))
      names.append("(Intercept)")
    }
    if request.degree > 1, let x0 = xs.first, let name = request.x.first {
      for d in 1...request.degree {
        for r in rows { storage.append(pow(x0[r], Double(d))) }
        names.append(d == 1 ? name : "\(name)^\(d)")
      }
    } else {
      for (k, x) in xs.enumerated() {
        for r in rows { storage.append(x[r]) }
        names.append(request.x[k])
      }
    }
    guard !names.isEmpty else {
      throw AnalysisError.analysis("fit", "the model has no terms: give --x or drop --no-intercept")
    }
    let design = try Matrix(rows: rows.count, columns: names.count, columnMajor: storage)
    let yy = rows.map { y[$0] }
    do {
      switch request.model {
      case .ols, .wls:
        let ww = request.model == .wls || w != nil ? w.map { ws in rows.map { ws[$0] } } : nil
        if request.model == .wls && ww == nil {
          throw AnalysisError.analysis("fit", "--model wls needs --weights COL")
        }
        return try LinearModel.fit(
          design: design, response: yy, names: names, weights: ww, hasIntercept: !request.noIntercept,
          level: request.level)
      case .poisson, .quasipoisson, .negbin:
        // A count the model cannot take is the row's fault: named by its line.
        if let bad = rows.first(where: { !(y[$0].isFinite && y[$0] >= 0) }) {
          throw RowError(
            row: bad, column: request.y,
            message:
              "\(label.map { "fit (group \($0))" } ?? "fit"): count \(y[bad]) in column \(request.y) must be finite and non-negative for a \(request.model.rawValue) model"
          )
        }
        if request.model == .negbin {
          return try NegativeBinomial.fit(
            design: design, counts: yy, names: names, offset: off.map { o in rows.map { o[$0] } }, level: request.level,
            workspace: &workspace)
        }
        return try PoissonRegression.fit(
          design: design, counts: yy, names: names, offset: off.map { o in rows.map { o[$0] } },
          quasi: request.model == .quasipoisson, level: request.level, workspace: &workspace)
      case .nls:
        throw AnalysisError.analysis("fit", "internal error: nls is fitted by runNLS")
      }
    } catch let e as StatisticsError {
      throw AnalysisError.analysis(label.map { "fit (group \($0))" } ?? "fit", e.description)
    }
  }

  /// Nonlinear least squares: `y ~ formula` with the parameters named in `start`; every other
  /// name in the formula is a column of the table.
  static func runNLS(_ table: CSVTable, _ request: FitRequest) throws -> [(group: String?, fit: ModelFit)] {
    guard let formula = request.formula, !request.start.isEmpty else {
      throw AnalysisError.analysis("fit", "--model nls needs --formula EXPR and --start NAME=VALUE[,NAME=VALUE...]")
    }
    let expression = try parseFormula(formula)
    let parameters = Set(request.start.map(\.name))
    let columns = expression.variables.filter { !parameters.contains($0) }
    for c in columns + [request.y] + [request.by].compactMap({ $0 }) where table.columnIndex(c) == nil {
      throw AnalysisError.unknownColumn(c, path: table.path, available: table.header.map(\.value))
    }
    for p in request.start.map(\.name) where !expression.variables.contains(p) {
      throw AnalysisError.analysis("fit", "parameter '\(p)' given in --start does not appear in the formula")
    }
    let y = try table.numbers(column: request.y).map { $0 ?? .nan }
    var data: [String: [Double]] = [:]
    for c in columns { data[c] = try table.numbers(column: c).map { $0 ?? .nan } }
    let groups = try groupRows(table, by: request.by)
    var out: [(group: String?, fit: ModelFit)] = []
    for (label, rows) in groups {
      var sub: [String: [Double]] = [:]
      for (k, v) in data { sub[k] = rows.map { v[$0] } }
      let fit: ModelFit
      do throws(AnalysisError) {
        fit = try fitNLS(expression, rows.map { y[$0] }, sub, request, label: label)
      } catch {
        // "observation i" of the group is row rows[i − 1] of the table: named by its line.
        if case .analysis(let what, let message) = error, let i = observationNumber(in: message), i >= 1,
          i <= rows.count, rows[i - 1] >= 0, rows[i - 1] < table.records.count
        {
          throw AnalysisError.located(
            SourceLocation(path: table.path, line: table.records[rows[i - 1]].line), "\(what): \(message)")
        }
        throw error
      }
      out.append((label, fit))
    }
    return out
  }

  /// N in "… (observation N: …": the observation a statistics error blames, 1-based.
  static func observationNumber(in message: String) -> Int? {
    let parts = message.split(separator: "(observation ", maxSplits: 1, omittingEmptySubsequences: false)
    guard parts.count == 2 else { return nil }
    return Int(parts[1].prefix { $0.isASCII && $0.isNumber })
  }

  static func parseFormula(_ formula: String) throws(AnalysisError) -> Statistics.Expression {
    do throws(ExpressionError) {
      return try Statistics.Expression(formula)
    } catch {
      throw .formula(formula, error.message, column: error.column)
    }
  }

  static func fitNLS(
    _ e: Statistics.Expression, _ y: [Double], _ data: [String: [Double]], _ request: FitRequest, label: String?
  ) throws(AnalysisError) -> ModelFit {
    do throws(StatisticsError) {
      return try NonlinearLeastSquares.fit(
        expression: e, response: y, data: data, start: request.start, level: request.level)
    } catch {
      throw .analysis(label.map { "fit (group \($0))" } ?? "fit", error.description)
    }
  }
}
