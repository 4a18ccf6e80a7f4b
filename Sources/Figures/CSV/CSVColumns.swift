#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import Foundation

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

  /// Reads the file at `path` by the fast path; `nil` when it declines (see the type's
  /// documentation) or the file cannot be read — the general reader then reports why.
  ///
  /// - Parameter select: given the header (a table without rows), the numeric columns and
  ///   the group column to read, or `nil` to decline (for instance when a column is missing).
  public static func read(
    path: String, select: (CSVTable) -> (numeric: [String], group: String?)?
  ) -> CSVColumns? {
    // The file is mapped, not copied: no second buffer and no zeroed pages to fault in.
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size > 0,
      UInt64(info.st_size) <= CSVReader.maximumFileSize
    else { return nil }
    let size = Int(info.st_size)
    #if os(Linux)
      let flags = MAP_PRIVATE | MAP_POPULATE
    #else
      let flags = MAP_PRIVATE
    #endif
    guard let base = mmap(nil, size, PROT_READ, flags, fd, 0), base != MAP_FAILED
    else { return nil }
    defer { munmap(base, size) }
    let bytes = UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: size)
    return parse(bytes, path: path, select: select)
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
    var chunks = [Chunk?](repeating: nil, count: workers)
    let bounds = cuts
    let roles = slot
    let numericCount = numeric.count
    let grouped = groupIndex >= 0
    nonisolated(unsafe) let bytes = b
    chunks.withUnsafeMutableBufferPointer { buffer in
      nonisolated(unsafe) let out = buffer
      DispatchQueue.concurrentPerform(iterations: workers) { w in
        out[w] = Chunk.parse(bytes, from: bounds[w], to: bounds[w + 1], roles: roles, numericCount: numericCount, grouped: grouped)
      }
    }
    // Merge: numbers and lines in order (each chunk's lines are relative to its start);
    // group labels renumbered in order of first appearance across the whole file.
    var numbers = [[Double]](repeating: [], count: numericCount)
    var lines: [Int] = []
    var groupOfRow: [Int] = []
    var labels = grouped ? [] : [""]
    var index = LabelIndex()
    var firstLine = 2
    for chunk in chunks {
      guard let chunk else { return nil }
      for j in 0..<numericCount { numbers[j] += chunk.numbers[j] }
      lines.reserveCapacity(lines.count + chunk.lines.count)
      for l in chunk.lines { lines.append(firstLine + l) }
      if grouped {
        var global = [Int](repeating: 0, count: chunk.labels.count)
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
        groupOfRow.reserveCapacity(groupOfRow.count + chunk.groupOfRow.count)
        for g in chunk.groupOfRow { groupOfRow.append(global[g]) }
      }
      firstLine += chunk.lineCount
    }
    let rows = lines.count
    guard rows > 0 else { return nil }
    if !grouped { groupOfRow = [Int](repeating: 0, count: rows) }
    return CSVColumns(
      rowCount: rows, numbers: numbers, lines: lines, groupOfRow: groupOfRow,
      groupLabels: labels, header: header)
  }
}

/// The rows of one run of whole lines.
private struct Chunk {
  var numbers: [[Double]]
  /// Line of each row, counted from 0 at the chunk's first line.
  var lines: [Int]
  /// Group of each row, numbered within the chunk in order of first appearance.
  var groupOfRow: [Int]
  /// The byte range of each of the chunk's group labels.
  var labels: [(start: Int, end: Int)]
  /// Number of lines the chunk spans (its LF count).
  var lineCount: Int

  /// Parses `b[from..<to]` (whole lines); `nil` when the fast path declines.
  ///
  /// - Parameter roles: per column, -2 not read, -1 the group label, j ≥ 0 numeric slot j.
  static func parse(
    _ b: UnsafeBufferPointer<UInt8>, from: Int, to n: Int, roles slot: [Int], numericCount: Int, grouped: Bool
  ) -> Chunk? {
    let fieldCount = slot.count
    let estimatedRows = max(16, (n - from) / 16)
    var numbers = [[Double]](repeating: [], count: numericCount)
    for j in numbers.indices { numbers[j].reserveCapacity(estimatedRows) }
    var lines: [Int] = []
    lines.reserveCapacity(estimatedRows)
    var groupOfRow: [Int] = []
    if grouped { groupOfRow.reserveCapacity(estimatedRows) }
    var labels: [(start: Int, end: Int)] = []
    var index = LabelIndex()
    var i = from
    var line = 0
    while i < n {
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
      var start = i
      while true {
        // Scan one unquoted field.
        while i < n {
          let c = b[i]
          if c == 0x2C || c == 0x0A { break }
          if c == 0x22 || c == 0 || c >= 0x80 { return nil }
          if c == 0x0D && !(i + 1 < n && b[i + 1] == 0x0A) && i + 1 != n { return nil }
          i += 1
        }
        var end = i
        if end > start && b[end - 1] == 0x0D { end -= 1 }
        guard field < fieldCount else { return nil }
        let role = slot[field]
        if role >= 0 {
          guard case .number(let x) = NumberSyntax.parse(bytes: UnsafeBufferPointer(rebasing: b[start..<end]))
          else { return nil }
          numbers[role].append(x)
        } else if role == -1 {
          let g = index.find(b, start, end)
          if g >= 0 {
            groupOfRow.append(g)
          } else {
            let k = labels.count
            labels.append((start, end))
            index.insert(b, start, end, k)
            groupOfRow.append(k)
          }
        }
        field += 1
        if i < n && b[i] == 0x2C {
          i += 1
          start = i
          continue
        }
        break
      }
      guard field == fieldCount else { return nil }
      lines.append(line)
      if i < n {  // at LF
        i += 1
        line += 1
      }
    }
    return Chunk(numbers: numbers, lines: lines, groupOfRow: groupOfRow, labels: labels, lineCount: line)
  }
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
      if s.hash == h && s.end - s.start == end - start {
        var same = true
        var a = s.start
        var c = start
        while c < end {
          if b[a] != b[c] {
            same = false
            break
          }
          a += 1
          c += 1
        }
        if same { return s.group }
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
