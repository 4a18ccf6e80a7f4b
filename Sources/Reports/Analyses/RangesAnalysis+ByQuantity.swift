import Dispatch
import Figures
import FoundationEssentials
import Statistics
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The spill being made on another thread: its result once done, and a flag that asks it to stop.
private final class SpillInProgress: Sendable {
  private let state = Mutex<(cancelled: Bool, made: QuantitySpill?)>((false, nil))

  var isCancelled: Bool { state.withLock { $0.cancelled } }
  func cancel() { state.withLock { $0.cancelled = true } }
  func finish(_ spill: QuantitySpill?) { state.withLock { $0.made = spill } }
  var result: QuantitySpill? { state.withLock { $0.made } }
}

extension RangesAnalysis {
  /// Output formats of ``runByQuantity(path:quantities:coverage:level:format:emit:)``.
  public enum StreamFormat: Sendable {
    case table, csv, json
  }

  /// The output of the `k`-th quantity of `spill`; nil when its rows did not read back as
  /// that quantity (the caller then falls back to the whole-file path).
  static func quantityOutput(
    _ spill: QuantitySpill, _ k: Int, format: StreamFormat, first: Bool, coverage: Double?, level: Double,
    columns: ColumnMap?, digits: Int? = nil, pointFactor: Double = RangePooling.defaultPointFactor,
    interval: RangeInterval = .knha
  ) throws -> [UInt8]? {
    // The records are read back once, for the plain path and, when it declines, the reader.
    let records = try spill.records(of: k)
    if format == .csv, let columns,
      let bytes = try plainCSV(
        spill, k, records: records, columns: columns, header: first, coverage: coverage, level: level,
        pointFactor: pointFactor, interval: interval)
    {
      return bytes
    }
    let q = spill.quantities[k]
    let file = try spill.figures(from: records)
    guard file.figures.allSatisfy({ $0.quantity == q }) else { return nil }
    let results = try run(
      [file], quantities: [q], coverage: coverage, level: level, pointFactor: pointFactor, interval: interval,
      tableDetails: format != .csv)
    switch format {
    case .table:
      return Array(table(results, digits: digits).utf8)
    case .csv:
      return csvBytes(results, header: first)
    case .json:
      var out = JSONStreamWriter(indent: 2)
      out.raw(first ? "{\n  \"quantities\": [\n    " : ",\n    ")
      for r in results { out.value(quantityJSON(r)) }
      return out.bytes
    }
  }

  /// The CSV of the `k`-th quantity of `spill` when its records are plain rows
  /// (``PlainFigureRows``, no `Figure` built per row), pooled and written by the same
  /// functions as the figures the reader makes; nil when a record is not plain or the pooling
  /// fails (the reader then reads the quantity, and reports the failure with its file).
  static func plainCSV(
    _ spill: QuantitySpill, _ k: Int, records: (bytes: [UInt8], records: [(start: Int, end: Int, line: Int)]),
    columns: ColumnMap, header: Bool, coverage: Double?, level: Double,
    pointFactor: Double = RangePooling.defaultPointFactor, interval: RangeInterval = .knha
  ) throws(AnalysisError) -> [UInt8]? {
    guard let rows = PlainFigureRows.read(records, columns: columns),
      case .success(let rec) = try reconcile(
        rows, coverage: coverage, supersededBy: [:], level: level, pointFactor: pointFactor, interval: interval,
        details: false
      )
      .pooled
    else { return nil }
    let size = records.bytes.count
    return csvBytes(rows, quantity: spill.quantities[k], rec, header: header, capacity: size + size / 4 + 4096)
  }

  /// Consecutive index ranges of `sizes` covering them all, each ending at the first index
  /// where its total reaches `atLeast` (the last may fall short).
  static func consecutiveRuns(_ sizes: [Int], atLeast limit: Int) -> [Range<Int>] {
    var runs: [Range<Int>] = []
    var start = 0
    var total = 0
    for (i, size) in sizes.enumerated() {
      total += size
      if total >= limit || i == sizes.count - 1 {
        runs.append(start..<(i + 1))
        start = i + 1
        total = 0
      }
    }
    return runs
  }

  /// `ranges` on one large figures file, one quantity at a time, so that memory follows the
  /// largest quantity rather than the file: the file is validated as it streams
  /// (``StreamingValidator``), its rows are sorted by quantity into a temporary file
  /// (``QuantitySpill``), and each quantity's figures are read back, reconciled and written
  /// with this analysis' own functions — the bytes `emit` receives, in order, are those of
  /// `table`/`csv`/`json` on `run` over the whole file. With `plainRows` (the default) a
  /// quantity whose records are all plain is read as ``PlainFigureRows`` (no `Figure` built
  /// per row) and pooled and written by the same functions.
  ///
  /// - Returns: false when the file is not one this handles (it has warnings to print, or
  ///   could not be spilled): the caller discards whatever `emit` received and reads the file
  ///   whole.
  /// - Throws: the errors the whole-file path throws (invalid file, unknown quantity, a
  ///   quantity that cannot be pooled), for the same first offender.
  public static func runByQuantity(
    path: String, quantities asked: [String], coverage: Double?, level: Double, format: StreamFormat,
    digits: Int? = nil, pointFactor: Double = RangePooling.defaultPointFactor, interval: RangeInterval = .knha,
    plainRows: Bool = true,
    runBytes: Int = 256 << 10, emit: ([UInt8]) throws -> Void
  ) throws -> Bool {
    // The rows are sorted by quantity on another thread while the file is validated (two
    // passes over the file at once, on two cores); the sorted rows are used only once the
    // file is known to be valid, and the sorting stops early when it is not.
    let spilling = SpillInProgress()
    let done = DispatchGroup()
    DispatchQueue.global().async(group: done) {
      let made = QuantitySpill.make(path: path, isCancelled: { spilling.isCancelled })
      spilling.finish(made)
    }
    defer { done.wait() }
    let summary: FiguresSummary
    do {
      // A file the fast validation cannot pass is read whole for its diagnostics: the rows
      // sorted so far are of no use then.
      summary = try StreamingValidator.validate(path: path, beforeReadingWhole: { spilling.cancel() })
    } catch {
      spilling.cancel()
      throw error
    }
    guard summary.warnings.isEmpty else {
      spilling.cancel()
      return false
    }
    let known = Set(summary.quantities)
    for q in asked where !known.contains(q) {
      spilling.cancel()
      throw AnalysisError.unknownQuantity(q, available: summary.quantities)
    }
    done.wait()
    guard let spill = spilling.result, spill.quantities == summary.quantities,
      spill.rowCount == summary.figureCount
    else { return false }
    let wanted = Set(asked)
    let columns = plainRows ? spill.columns : nil
    let chosen = spill.quantities.indices.filter { asked.isEmpty || wanted.contains(spill.quantities[$0]) }
    // Quantities are taken by the workers in runs of consecutive ones as they free up (a run
    // ends once its rows reach `runBytes`, 256 KB by default, so a large quantity is a run of
    // its own), and written in order as they complete; at most `window` runs are done ahead
    // of the writing, so memory follows a few quantities, never the file. A run of many
    // small quantities spares a hand-over, an allocation and a write per quantity (20,000
    // quantities of 33 figures on 100 MB: 14% less CPU). An error is that of the first
    // failing quantity in order, as in the whole-file run: a run stops at its first failure,
    // and runs are taken in order.
    let runs = consecutiveRuns(chosen.map { spill.byteCount(of: $0) }, atLeast: runBytes)
    let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
    let window = 2 * workers
    let board = OrderedPieces<[UInt8]?>(count: runs.count, window: window)
    let finished = DispatchGroup()
    for _ in 0..<workers {
      DispatchQueue.global().async(group: finished) {
        while let r = board.claim() {
          let piece = Result { () throws(any Error) -> [UInt8]? in
            var out: [UInt8] = []
            for i in runs[r] {
              guard
                let bytes = try quantityOutput(
                  spill, chosen[i], format: format, first: i == 0, coverage: coverage, level: level, columns: columns,
                  digits: digits, pointFactor: pointFactor, interval: interval)
              else { return nil }
              if out.isEmpty { out = bytes } else { out += bytes }
            }
            return out
          }
          board.complete(r, piece)
        }
      }
    }
    defer {
      board.stop()
      finished.wait()
    }
    let first = chosen.isEmpty
    for r in runs.indices {
      switch board.take(r) {
      case .success(let bytes?): try emit(bytes)
      case .success(nil): return false
      case .failure(let error): throw error
      }
    }
    if format == .json { try emit(Array((first ? "{\n  \"quantities\": []\n}\n" : "\n  ]\n}\n").utf8)) }
    return true
  }
}
