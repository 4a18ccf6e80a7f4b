import CScan
import Dispatch
import FoundationEssentials

/// A few columns of a plain CSV file, read straight from its bytes: the fast path behind the
/// `--by` batches of `meta` and `fit`, which need a handful of numeric columns and a group
/// label per row, not a `String` per cell.
///
/// **Same answers as the general reader.** The numbers are read by ``NumberSyntax`` exactly
/// as ``CSVTable/numbers(column:allowMissing:)`` reads them, group labels are the cells'
/// text as ``CSVTable/strings(column:)`` returns it, and line numbers are physical lines.
/// The fast path declines (returns `nil`) whenever the file is anything but plain, so the
/// caller runs the general reader, which also produces every diagnostic:
///
/// - a byte that is a quote, NUL, non-ASCII, or a CR that does not end a line;
/// - a header that the general reader would reject or whose names repeat, or a requested
///   column that is missing;
/// - a row whose field count differs from the header's;
/// - a requested numeric cell that is missing (`""`, `NA`) or not a number.
///
/// Blank lines (empty, or a lone CR before LF) are skipped as the general reader skips them.
public struct CSVColumns: Sendable {
  /// Number of data rows.
  public var rowCount: Int
  /// The requested numeric columns, in the order asked, one value per row.
  public var numbers: [[Double]]
  /// The 1-based physical line of each row.
  public var lines: [Int]
  /// The group of each row (an index into `groupLabels`), when a group column was asked.
  public var groupOfRow: [Int]
  /// Group labels in order of first appearance (one empty-named group without a group column).
  public var groupLabels: [String]
  /// The header's names, as written.
  public var header: [String]

  /// What `read(path:select:accept:)` gives: the columns by the fast path, or the whole
  /// table by the general reader when the fast path declined.
  public enum Input {
    case columns(CSVColumns)
    case table(CSVTable)
  }

  /// Reads the file at `path` once: by the fast path, or — when it declines (see the type's
  /// documentation) or `accept` rejects what it read — by the general reader on the same
  /// bytes, which also reports every problem.
  ///
  /// - Parameters:
  ///   - select: given the header (a table without rows), the numeric columns and the group
  ///     column to read, or `nil` to decline (for instance when a column is missing).
  ///   - accept: a last check of the columns read (values the caller cannot take).
  /// - Throws: as `CSVReader.read(path:)`.
  public static func read(
    path: String, select: (CSVTable) -> (numeric: [String], group: String?)?,
    accept: (CSVColumns) -> Bool = { _ in true }
  ) throws(FiguresError) -> Input {
    let bytes = try CSVReader.readBytes(path: path)
    if let columns = bytes.withUnsafeBufferPointer({ parse($0, path: path, select: select) }), accept(columns) {
      return .columns(columns)
    }
    return .table(try CSVReader.parse(bytes, path: path))
  }

  /// The fast path on a file's bytes; `nil` when it declines.
  static func parse(
    _ b: UnsafeBufferPointer<UInt8>, path: String,
    select: (CSVTable) -> (numeric: [String], group: String?)?
  ) -> CSVColumns? {
    let n = b.count
    // The header line, through the general parser (names, duplicates, every check).
    guard let headerEnd = b.firstIndex(of: 0x0A) else { return nil }
    guard let table = try? CSVReader.parse(Array(b[0...headerEnd]), path: path),
      table.records.isEmpty
    else { return nil }
    let header = table.header.map(\.value)
    guard let (numeric, group) = select(table) else { return nil }
    let fieldCount = header.count
    var numericIndex: [Int] = []
    for name in numeric {
      guard let k = table.columnIndex(name) else { return nil }
      numericIndex.append(k)
    }
    var groupIndex = -1
    if let group {
      guard let k = table.columnIndex(group) else { return nil }
      groupIndex = k
    }
    // Column k's role: -2 none, -1 group, j ≥ 0 numeric slot j. A column asked for twice
    // (or as both label and number) takes the general path.
    var slot = [Int](repeating: -2, count: fieldCount)
    for (j, k) in numericIndex.enumerated() {
      guard slot[k] == -2 else { return nil }
      slot[k] = j
    }
    if groupIndex >= 0 {
      guard slot[groupIndex] == -2 else { return nil }
      slot[groupIndex] = -1
    }

    // Large files are cut at line ends into one chunk per core (the fast path has no quoted
    // fields, so every LF ends a line); chunks are parsed in parallel and merged in order.
    let bodyStart = headerEnd + 1
    let workers = n - bodyStart >= 1 << 20 ? max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8)) : 1
    var cuts = [bodyStart]
    for w in 1..<workers {
      var k = max(cuts[cuts.count - 1], bodyStart + (n - bodyStart) * w / workers)
      while k < n && b[k - 1] != 0x0A { k += 1 }
      cuts.append(k)
    }
    cuts.append(n)
    let bounds = cuts
    nonisolated(unsafe) let bytes = b
    // Each chunk's rows go straight into the final columns, at the chunk's place: a chunk
    // has at most as many rows as lines, so its place starts at the number of lines before
    // it. Blank lines leave gaps, closed afterwards.
    // Counted 64 bytes at a time (`reconcile_count_byte`) on all cores: a byte-by-byte count
    // on one core was a tenth of the parse of a 4 MB file, with the other core idle.
    var lineCounts = [Int](repeating: 0, count: workers)
    lineCounts.withUnsafeMutableBufferPointer { counts in
      nonisolated(unsafe) let out = counts
      DispatchQueue.concurrentPerform(iterations: workers) { w in
        guard let base = bytes.baseAddress else { return }
        out[w] = reconcile_count_byte(base + bounds[w], bounds[w + 1] - bounds[w], 0x0A)
      }
    }
    var offsets = [0]
    for w in 0..<workers {
      let isLast = w == workers - 1
      offsets.append(offsets[w] + lineCounts[w] + (isLast ? 1 : 0))
    }
    let capacity = offsets[workers]
    let numericCount = numeric.count
    let grouped = groupIndex >= 0
    var lines = [Int](repeating: 0, count: capacity)
    var groupOfRow = [Int](repeating: 0, count: capacity)
    var chunks = [Chunk?](repeating: nil, count: workers)
    let places = offsets
    var firstLines = [2]
    for w in 0..<workers { firstLines.append(firstLines[w] + lineCounts[w]) }
    let starts = firstLines
    let roles = slot
    /// The parallel parse, given a pointer to each numeric column's storage.
    func parseChunks(_ columnPointers: [UnsafeMutablePointer<Double>]) -> Bool {
      lines.withUnsafeMutableBufferPointer { lineBuffer in
        groupOfRow.withUnsafeMutableBufferPointer { groupBuffer in
          chunks.withUnsafeMutableBufferPointer { chunkBuffer in
            nonisolated(unsafe) let lineOut = lineBuffer
            nonisolated(unsafe) let groupOut = groupBuffer
            nonisolated(unsafe) let out = chunkBuffer
            nonisolated(unsafe) let columns = columnPointers
            DispatchQueue.concurrentPerform(iterations: workers) { w in
              out[w] = Chunk.parse(
                bytes, from: bounds[w], to: bounds[w + 1], roles: roles, grouped: grouped,
                into: Chunk.Destination(
                  columns: columns.map { $0 + places[w] }, lines: lineOut.baseAddress.map { $0 + places[w] },
                  groups: groupOut.baseAddress.map { $0 + places[w] }, capacity: places[w + 1] - places[w],
                  firstLine: starts[w]))
            }
            return out.allSatisfy { $0 != nil }
          }
        }
      }
    }
    /// Rows kept once the gaps are closed, and the moves that close them (applied to every
    /// column the same way).
    func rowsAfterCompaction() -> Int {
      var rows = 0
      for w in 0..<workers {
        guard let chunk = chunks[w] else { return 0 }
        rows += chunk.rows
      }
      return rows
    }
    func compact(_ column: UnsafeMutablePointer<Double>) {
      var rows = 0
      for w in 0..<workers {
        guard let chunk = chunks[w] else { return }
        if offsets[w] != rows { (column + rows).update(from: column + offsets[w], count: chunk.rows) }
        rows += chunk.rows
      }
    }
    // Each numeric column is built in place (Array(unsafeUninitializedCapacity:)), nested so
    // that every column's storage is live during the parse.
    var parsed = false
    func build(_ j: Int, _ pointers: [UnsafeMutablePointer<Double>]) -> [[Double]] {
      if j == numericCount {
        parsed = parseChunks(pointers)
        return []
      }
      var rest: [[Double]] = []
      let column = [Double](unsafeUninitializedCapacity: capacity) { buffer, initialized in
        initialized = 0
        guard let base = buffer.baseAddress else { return }
        rest = build(j + 1, pointers + [base])
        if parsed {
          compact(base)
          initialized = rowsAfterCompaction()
        }
      }
      return [column] + rest
    }
    let numbers = build(0, [])
    guard parsed else { return nil }
    // Group labels renumbered in order of first appearance across the file; gaps closed.
    var labels = grouped ? [] : [""]
    var index = LabelIndex()
    var rows = 0
    for w in 0..<workers {
      guard let chunk = chunks[w] else { return nil }
      var global = [Int](repeating: 0, count: chunk.labels.count)
      if grouped {
        for (k, range) in chunk.labels.enumerated() {
          let g = index.find(b, range.start, range.end)
          if g >= 0 {
            global[k] = g
          } else {
            global[k] = labels.count
            index.insert(b, range.start, range.end, labels.count)
            labels.append(String(decoding: UnsafeBufferPointer(rebasing: b[range.start..<range.end]), as: UTF8.self))
          }
        }
      }
      // Through the buffers: the arrays are captured by the functions above, so each use of
      // them by subscript would be checked for exclusive access (a tenth of the parse).
      let from = offsets[w]
      let moved = rows
      lines.withUnsafeMutableBufferPointer { lineBuffer in
        groupOfRow.withUnsafeMutableBufferPointer { groupBuffer in
          global.withUnsafeBufferPointer { global in
            for r in 0..<chunk.rows {
              let source = from + r
              let to = moved + r
              if grouped { groupBuffer[to] = global[groupBuffer[source]] }
              if source != to { lineBuffer[to] = lineBuffer[source] }
            }
          }
        }
      }
      rows += chunk.rows
    }
    guard rows > 0 else { return nil }
    if rows < capacity {
      lines.removeLast(capacity - rows)
      groupOfRow.removeLast(capacity - rows)
    }
    return CSVColumns(
      rowCount: rows, numbers: numbers, lines: lines, groupOfRow: groupOfRow,
      groupLabels: labels, header: header)
  }
}

/// What one run of whole lines held.
private struct Chunk {
  /// Rows written.
  var rows: Int
  /// The byte range of each of the chunk's group labels, numbered in order of first
  /// appearance within the chunk (the numbers written as groups).
  var labels: [(start: Int, end: Int)]

  /// Where a chunk writes its rows: its part of each final column.
  struct Destination {
    var columns: [UnsafeMutablePointer<Double>]
    var lines: UnsafeMutablePointer<Int>?
    var groups: UnsafeMutablePointer<Int>?
    /// Rows that fit (the chunk's line count).
    var capacity: Int
    /// The file line of the chunk's first line.
    var firstLine: Int
  }

  /// Parses `b[from..<to]` (whole lines); `nil` when the fast path declines.
  ///
  /// Numeric cells of the plain form `[+|-]digits[.digits]` with at most 15 significant
  /// digits are converted while they are scanned (Clinger's exact case, as
  /// ``NumberSyntax`` converts them); every other cell goes through ``NumberSyntax``.
  ///
  /// - Parameter roles: per column, -2 not read, -1 the group label, j ≥ 0 numeric slot j.
  static func parse(
    _ b: UnsafeBufferPointer<UInt8>, from: Int, to n: Int, roles slot: [Int], grouped: Bool, into out: Destination
  ) -> Chunk? {
    let fieldCount = slot.count
    var labels: [(start: Int, end: Int)] = []
    var index = LabelIndex()
    // The previous row's label and its group (-1: none yet).
    var previousGroup = -1
    var previousStart = 0
    var previousEnd = 0
    var rows = 0
    var line = out.firstLine
    var ok = true
    let columns = out.columns
    guard let lineOf = out.lines, let groupOf = out.groups else { return nil }
    var i = from
    rowLoop: while i < n {
      // Blank lines are not rows.
      if b[i] == 0x0A {
        i += 1
        line += 1
        continue
      }
      if b[i] == 0x0D && (i + 1 == n || b[i + 1] == 0x0A) {
        i += 2
        line += 1
        continue
      }
      var field = 0
      while true {
        guard field < fieldCount else {
          ok = false
          break rowLoop
        }
        let role = slot[field]
        let start = i
        // One unquoted field; a plain decimal is converted on the way.
        var significand: UInt64 = 0
        var digits = 0
        var scale = 0
        var sawDigit = false
        var afterPoint = false
        var plain = true
        var negative = false
        while i < n {
          let c = b[i]
          if c == 0x2C || c == 0x0A { break }
          if c &- 0x30 < 10 {
            sawDigit = true
            if significand != 0 || c != 0x30 { digits += 1 }
            if digits <= 15 { significand = significand &* 10 &+ UInt64(c &- 0x30) } else { plain = false }
            if afterPoint { scale += 1 }
          } else if c == 0x2E && !afterPoint {
            afterPoint = true
          } else if (c == 0x2D || c == 0x2B) && i == start {
            negative = c == 0x2D
          } else {
            plain = false
            if c == 0x22 || c == 0 || c >= 0x80 {
              ok = false
              break rowLoop
            }
            if c == 0x0D && !(i + 1 < n && b[i + 1] == 0x0A) && i + 1 != n {
              ok = false
              break rowLoop
            }
          }
          i += 1
        }
        var end = i
        if end > start && b[end - 1] == 0x0D { end -= 1 }
        if role >= 0 {
          let x: Double
          if plain && sawDigit && end == i,
            let v = NumberSyntax.exactValue(significand: significand, scale: scale, negative: negative)
          {
            x = v
          } else if case .number(let v) = NumberSyntax.parse(bytes: UnsafeBufferPointer(rebasing: b[start..<end])) {
            x = v
          } else {
            ok = false
            break rowLoop
          }
          guard rows < out.capacity else {
            ok = false
            break rowLoop
          }
          columns[role][rows] = x
        } else if role == -1 {
          // Rows of a group usually follow one another: the previous row's label is
          // compared first, the index searched only when it differs.
          var g = -1
          if previousGroup >= 0 && end - start == previousEnd - previousStart
            && sameBytes(b, previousStart, start, count: end - start)
          {
            g = previousGroup
          }
          if g < 0 {
            g = index.find(b, start, end)
            if g < 0 {
              g = labels.count
              labels.append((start, end))
              index.insert(b, start, end, g)
            }
          }
          previousGroup = g
          previousStart = start
          previousEnd = end
          guard rows < out.capacity else {
            ok = false
            break rowLoop
          }
          if grouped { groupOf[rows] = g }
        }
        field += 1
        if i < n && b[i] == 0x2C {
          i += 1
          continue
        }
        break
      }
      guard field == fieldCount, rows < out.capacity else {
        ok = false
        break rowLoop
      }
      lineOf[rows] = line
      rows += 1
      if i < n {  // at LF
        i += 1
        line += 1
      }
    }
    guard ok else { return nil }
    return Chunk(rows: rows, labels: labels)
  }
}

/// Whether `b[x..<x+count]` and `b[y..<y+count]` hold the same bytes.
@inline(__always)
private func sameBytes(_ b: UnsafeBufferPointer<UInt8>, _ x: Int, _ y: Int, count: Int) -> Bool {
  var k = 0
  while k < count {
    if b[x + k] != b[y + k] { return false }
    k += 1
  }
  return true
}

/// Open-addressing index from a label's bytes (a range of the file) to its group number.
private struct LabelIndex {
  private var slots: [(hash: UInt64, start: Int, end: Int, group: Int)] = []
  private var count = 0
  private var mask = 0

  init() {
    slots = Array(repeating: (0, 0, 0, -1), count: 1024)
    mask = 1023
  }

  private static func hash(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
    var i = start
    while i < end {
      h = (h ^ UInt64(b[i])) &* 0x0000_0100_0000_01B3
      i += 1
    }
    return h ^ (h >> 29)
  }

  /// The group of the label `b[start..<end]`, or -1.
  func find(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int {
    let h = Self.hash(b, start, end)
    var k = Int(truncatingIfNeeded: h) & mask
    while true {
      let s = slots[k]
      if s.group < 0 { return -1 }
      if s.hash == h && s.end - s.start == end - start && sameBytes(b, s.start, start, count: end - start) {
        return s.group
      }
      k = (k + 1) & mask
    }
  }

  mutating func insert(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ group: Int) {
    if (count + 1) * 2 > slots.count { grow(b) }
    let h = Self.hash(b, start, end)
    var k = Int(truncatingIfNeeded: h) & mask
    while slots[k].group >= 0 { k = (k + 1) & mask }
    slots[k] = (h, start, end, group)
    count += 1
  }

  private mutating func grow(_ b: UnsafeBufferPointer<UInt8>) {
    let old = slots
    slots = Array(repeating: (0, 0, 0, -1), count: old.count * 2)
    mask = slots.count - 1
    for s in old where s.group >= 0 {
      var k = Int(truncatingIfNeeded: s.hash) & mask
      while slots[k].group >= 0 { k = (k + 1) & mask }
      slots[k] = s
    }
  }
}
