import Dispatch
import FoundationEssentials

/// What validating a figures file found, without keeping its figures.
public struct FiguresSummary: Sendable, Hashable {
  /// The path the file was read from.
  public var path: String
  /// The number of figures (data rows that are not blank).
  public var figureCount: Int
  /// The distinct quantities, in order of first appearance (as ``FiguresFile/quantities()``).
  public var quantities: [String]
  /// Warnings, in file order (as ``FiguresFile/warnings``).
  public var warnings: [Diagnostic]

  /// Creates a summary.
  public init(path: String, figureCount: Int, quantities: [String], warnings: [Diagnostic]) {
    self.path = path
    self.figureCount = figureCount
    self.quantities = quantities
    self.warnings = warnings
  }

  /// The summary of a file read whole.
  public init(_ file: FiguresFile) {
    self.init(
      path: file.path, figureCount: file.figures.count, quantities: file.quantities(),
      warnings: file.warnings)
  }

  /// The line `reconcile validate` prints for a valid file, with a line end:
  /// `PATH: ok — N figures, quantities: A, B, …`. At most 20 quantities are named, then how
  /// many more (a file of 100,000 quantities would otherwise print a line of megabytes).
  public var okLine: String {
    var names = quantities.prefix(20).joined(separator: ", ")
    if quantities.count > 20 { names += " and \(quantities.count - 20) more (\(quantities.count) in all)" }
    return "\(path): ok — \(figureCount) figures, quantities: \(names)\n"
  }
}

/// Validates a figures file in one streaming pass, in memory that does not grow with the
/// file, with exactly the outcome of ``FiguresReader/read(path:)``.
///
/// The file is read in rounds of a few megabytes; each round is cut at record ends (quote
/// parity) into one block per processor, the blocks are checked in parallel from their bytes
/// (``BlockWorker``) and their results merged in file order. A clean file — the common case —
/// is decided on this fast path: every check of `FiguresReader` is made, and the figure count
/// and quantities come out the same.
///
/// As soon as anything would give a diagnostic (an error *or* a warning), or the input is
/// outside what the fast path models, the file is read again by `FiguresReader`, which
/// produces the diagnostics, in their order and wording. Files with problems take that slow
/// path (and its size limit, `RECONCILE_MAX_FILE_MB`); clean files of any size do not. The
/// fast path checks stated kinds and measures (``FigureKind``, ``FigureMeasure``) and passes
/// `series`, `scope` and `evidence`; it does not model a filled `supersedes` cell, a worded
/// `text` ("about 30,000", ``FigureWording``) or a scale word in a number: a file with any of
/// them is read by `FiguresReader`.
///
/// Ids: each explicit id's 64-bit fingerprint goes into a ``FingerprintTable`` of bounded
/// size (more ids than it holds are handled by further passes over the file, one partition
/// of the fingerprints each). Equal fingerprints, and the fingerprints of `derived_from`
/// targets, are checked against the ids' text in a last pass that keeps only those ids.
/// `derived_from` links are kept in memory (they are few) to look for cycles.
public enum StreamingValidator {
  /// Tuning and test hooks.
  struct Options: Sendable {
    /// Bytes read per round (split among the workers).
    var roundSize = 8 << 20
    /// Blocks per round, one per worker thread.
    var workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
    /// The longest record read on the fast path (longer ones go to `FiguresReader`).
    var maxRecord = 64 << 20
    /// Id fingerprints held at once (8 bytes each, plus a third for the hash table).
    var idCapacity = 6_000_000
    /// The fingerprint of an id's bytes (ASCII, or the NFC form of other text).
    var fingerprint: @Sendable (UnsafeBufferPointer<UInt8>) -> UInt64 = { fingerprint64($0) }
  }

  /// Validates the figures file at `path`.
  ///
  /// - Returns: the figure count, the quantities and the warnings, as `FiguresReader.read`
  ///   would give them.
  /// - Throws: as `FiguresReader.read(path:)`, with the same diagnostics.
  /// - Complexity: O(file size) time; memory bounded by a constant on clean files.
  ///
  /// The automatic size limit of the whole-file readers (a quarter of memory) does not apply:
  /// a valid file larger than memory is validated. A limit set explicitly with
  /// `RECONCILE_MAX_FILE_MB` is still honoured, with the whole-file readers' message.
  ///
  /// `beforeReadingWhole` is called when the file turns out to need `FiguresReader` (it has
  /// a diagnostic, or something the fast path does not decide), before it is read whole.
  public static func validate(
    path: String, beforeReadingWhole: () -> Void = {}
  ) throws(FiguresError) -> FiguresSummary {
    if ProcessInfo.processInfo.environment["RECONCILE_MAX_FILE_MB"] != nil,
      let size = fileSize(atPath: path), size > CSVReader.maximumFileSize
    {
      beforeReadingWhole()
      return FiguresSummary(try FiguresReader.read(path: path))
    }
    return try validate(path: path, options: Options(), beforeReadingWhole: beforeReadingWhole)
  }

  static func validate(
    path: String, options: Options, beforeReadingWhole: () -> Void = {}
  ) throws(FiguresError) -> FiguresSummary {
    if let summary = fastSummary(path: path, options: options) { return summary }
    beforeReadingWhole()
    return FiguresSummary(try FiguresReader.read(path: path))
  }

  /// The summary of a clean file, or `nil` when the file needs `FiguresReader` (it has a
  /// diagnostic, or something the fast path does not decide).
  static func fastSummary(path: String, options: Options) -> FiguresSummary? {
    guard let file = ChunkedFile(path: path),
      let (columns, dataStart) = readHeader(file, path: path, options: options)
    else { return nil }
    var run = StreamingRun(file: file, columns: columns, dataStart: dataStart, options: options)
    guard let (count, quantities) = run.validate() else { return nil }
    return FiguresSummary(path: path, figureCount: count, quantities: quantities, warnings: [])
  }

  /// Reads the header (and an HXL hashtag row after it) with `CSVReader`, and maps the
  /// columns as `FiguresReader` does. Returns the columns and the file offset where data
  /// rows start, or `nil` when those rows have any diagnostic or there is no data row.
  static func readHeader(_ file: ChunkedFile, path: String, options: Options) -> (ColumnMap, Int)? {
    var size = 1 << 16
    while true {
      var bytes = [UInt8](repeating: 0, count: size)
      var got = 0
      while got < size {
        let n = bytes.withUnsafeMutableBytes { raw -> Int? in
          guard let base = raw.baseAddress else { return nil }
          return file.read(into: base + got, count: size - got, at: got)
        }
        guard let n else { return nil }
        if n == 0 { break }
        got += n
      }
      let eof = got < size
      let ends = recordEnds(bytes, got, limit: 2)
      if ends.count < 2 && !eof {
        if size >= options.maxRecord { return nil }
        size *= 2
        continue
      }
      // A file with a header and no data row has no figures: an error.
      guard ends.count == 2 else { return nil }
      let (table, diagnostics) = CSVReader.parseCollecting(Array(bytes[0..<ends[1]]), path: path)
      guard let table, diagnostics.isEmpty, table.records.count == 1 else { return nil }
      return mapColumns(table, headerEnd: ends[0], secondEnd: ends[1])
    }
  }

  /// The offsets just after the first `limit` non-blank records of `b[0..<count]` (a record
  /// may end at the end of the buffer).
  static func recordEnds(_ b: [UInt8], _ count: Int, limit: Int) -> [Int] {
    var ends: [Int] = []
    var start = count >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF ? 3 : 0
    var inQuote = false
    var i = start
    func isBlank(_ from: Int, _ to: Int) -> Bool {
      to == from || (to == from + 1 && b[from] == 0x0D)
    }
    while i < count && ends.count < limit {
      let c = b[i]
      if c == 0x22 {
        inQuote.toggle()
      } else if c == 0x0A && !inQuote {
        if !isBlank(start, i) { ends.append(i + 1) }
        start = i + 1
      }
      i += 1
    }
    if i == count && ends.count < limit && !inQuote && !isBlank(start, count) && start < count {
      ends.append(count)
    }
    return ends
  }

  /// The column map of `FiguresReader` (``ColumnMap/init(header:hashtags:)``): header names
  /// first, then the hashtags of an HXL row for the columns whose names are not known ones.
  static func mapColumns(_ table: CSVTable, headerEnd: Int, secondEnd: Int) -> (ColumnMap, Int)? {
    var hashtags: [String]? = nil
    var dataStart = headerEnd
    if let first = table.records.first, FiguresReader.isHashtagRow(first) {
      dataStart = secondEnd
      hashtags = first.fields.map(\.value)
    }
    let columns = ColumnMap(header: table.header.map(\.value), hashtags: hashtags)
    guard columns.quantity != nil else { return nil }
    return (columns, dataStart)
  }
}

/// One file's streaming validation: the passes and the merged state.
struct StreamingRun {
  let file: ChunkedFile
  let columns: ColumnMap
  let dataStart: Int
  let options: StreamingValidator.Options
  let workers: [BlockWorker]

  init(file: ChunkedFile, columns: ColumnMap, dataStart: Int, options: StreamingValidator.Options) {
    self.file = file
    self.columns = columns
    self.dataStart = dataStart
    self.options = options
    workers = (0..<max(options.workers, 1)).map { _ in
      BlockWorker(columns: columns, fingerprint: options.fingerprint)
    }
  }

  /// Reads the file from `dataStart` in `mode`, handing each block's result to `merge` in
  /// file order; false when a block is unusual or the file cannot be read to its end.
  func pass(_ mode: BlockMode, _ merge: (BlockResult) -> Bool) -> Bool {
    let scanner = ChunkedCSVScanner(
      roundSize: options.roundSize, parts: workers.count, maxRecord: options.maxRecord)
    do {
      try scanner.scan(file, from: dataStart) { blocks in
        let results = runBlocks(blocks, mode)
        for r in results {
          if r.unusual || !merge(r) { return false }
        }
        return true
      }
    } catch {
      return false
    }
    return true
  }

  /// Runs each block on its own worker, in parallel.
  private func runBlocks(_ blocks: [RecordBlock], _ mode: BlockMode) -> [BlockResult] {
    if blocks.count <= 1 || workers.count == 1 {
      return blocks.map { workers[0].run($0, mode: mode) }
    }
    let box = ResultBox(count: blocks.count)
    let pool = self.workers
    let shared = SendableBlocks(blocks: blocks)
    DispatchQueue.concurrentPerform(iterations: blocks.count) { k in
      box.set(k, pool[k % pool.count].run(shared.blocks[k], mode: mode))
    }
    return box.results
  }

  /// The figure count and quantities of a clean file, or `nil`.
  mutating func validate() -> (Int, [String])? {
    // A file of 16 MB or more has ids enough to touch most of the table's pages.
    guard let table = FingerprintTable(maxCount: options.idCapacity, prefault: file.size >= 16 << 20) else {
      return nil
    }
    var count = 0
    var quantities: [String] = []
    var seenQuantities = Set<String>()
    var edges: [DerivedEdge] = []
    let complete = pass(.full) { r in
      count += r.figures
      for q in r.quantities where seenQuantities.insert(q).inserted { quantities.append(q) }
      for f in r.fingerprints { table.insert(f) }
      edges += r.edges
      return true
    }
    guard complete, count > 0 else { return nil }

    // derived_from targets must be ids of the file, without cycles.
    var targets: [(String, UInt64)] = []
    var seenTargets = Set<String>()
    for e in edges {
      for t in e.targets where seenTargets.insert(t).inserted {
        targets.append((t, workers[0].fingerprint(of: t)))
      }
    }
    guard !hasCycle(edges) else { return nil }
    var suspects = Set<UInt64>()
    func resolveTargets() -> Bool {
      for (_, f) in targets where table.accepts(f) {
        guard table.contains(f) else { return false }
        suspects.insert(f)
      }
      suspects.formUnion(table.suspects)
      table.suspects.removeAll()
      return true
    }
    guard resolveTargets() else { return nil }
    // Partitions of the ids that did not fit: one more pass each.
    var pending = table.pending
    table.pending.removeAll()
    while let (depth, prefix) = pending.popLast() {
      table.reset(depth: depth, prefix: prefix)
      let complete = pass(.ids) { r in
        for f in r.fingerprints { table.insert(f) }
        return true
      }
      guard complete, resolveTargets() else { return nil }
      pending += table.pending
      table.pending.removeAll()
    }
    // Equal fingerprints: a duplicate id, a target that exists, or a collision.
    if !suspects.isEmpty {
      var texts: [UInt64: Set<String>] = [:]
      var duplicate = false
      let complete = pass(.collect(suspects)) { r in
        for (f, id) in r.collected where !texts[f, default: []].insert(id).inserted {
          duplicate = true
        }
        return !duplicate
      }
      guard complete, !duplicate else { return nil }
      for (t, f) in targets where !(texts[f]?.contains(t) ?? false) { return nil }
    }
    return (count, quantities)
  }

  /// Whether the `derived_from` links among ids close a cycle (`FiguresBuilder` reports one
  /// per back edge; a row without an id cannot be on a cycle, as nothing can name it).
  func hasCycle(_ edges: [DerivedEdge]) -> Bool {
    var next: [String: [String]] = [:]
    for e in edges {
      if let s = e.source { next[s, default: []] += e.targets }
    }
    enum Mark { case onPath, done }
    var marks: [String: Mark] = [:]
    var stack: [(node: String, next: Int)] = []
    for root in next.keys.sorted() where marks[root] == nil {
      marks[root] = .onPath
      stack = [(root, 0)]
      while let top = stack.last {
        let out = next[top.node] ?? []
        if top.next < out.count {
          stack[stack.count - 1].next += 1
          let target = out[top.next]
          switch marks[target] {
          case nil:
            marks[target] = .onPath
            stack.append((target, 0))
          case .onPath: return true
          case .done: break
          }
        } else {
          marks[top.node] = .done
          stack.removeLast()
        }
      }
    }
    return false
  }
}

/// Results written by the parallel workers, one slot each.
private final class ResultBox: @unchecked Sendable {
  private(set) var results: [BlockResult]
  private let lock = DispatchSemaphore(value: 1)

  init(count: Int) { results = [BlockResult](repeating: BlockResult(), count: count) }

  func set(_ k: Int, _ r: BlockResult) {
    lock.wait()
    results[k] = r
    lock.signal()
  }
}

/// The round's blocks, shared read-only with the workers; each block's bytes are written only
/// by the one worker that reads it.
private struct SendableBlocks: @unchecked Sendable {
  let blocks: [RecordBlock]
}

extension BlockWorker: @unchecked Sendable {}
