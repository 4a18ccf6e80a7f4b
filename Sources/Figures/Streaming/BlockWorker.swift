import CScan

/// One row's `derived_from` list, with the row's own id when it has one.
struct DerivedEdge: Sendable {
  var source: String?
  var targets: [String]
}

/// What a block of records is read for.
enum BlockMode: Sendable {
  /// Every check of `FiguresReader`, figures counted, quantities and ids collected.
  case full
  /// Only the fingerprints of the explicit ids.
  case ids
  /// The text of the explicit ids whose fingerprint is in the set.
  case collect(Set<UInt64>)
}

/// What one block of records contributed, to be merged in file order.
struct BlockResult: Sendable {
  /// Something the fast path does not decide (an error, a warning, or input it does not
  /// model): the caller falls back to `FiguresReader`.
  var unusual = false
  var figures = 0
  /// Quantities in order of first appearance within the block.
  var quantities: [String] = []
  /// Fingerprints of the explicit (non-empty) ids, in file order.
  var fingerprints: [UInt64] = []
  /// `.collect` mode: the ids asked for, with their fingerprints.
  var collected: [(UInt64, String)] = []
  var edges: [DerivedEdge] = []
}

/// Parses blocks of whole records and checks each row as `FiguresReader` does, without a
/// `String` per field: cells are read from bytes, and what a cell's bytes mean (a period, a
/// verbal text, a quantity name) is computed once per distinct text and cached.
///
/// A worker is used by one thread at a time; each thread of the pool has its own.
final class BlockWorker {
  let columns: ColumnMap
  /// The columns the row checks read, looked up once (`ColumnMap`'s accessors index an array).
  private let columnCount: Int
  private let quantityColumn: Int
  private let valueColumn: Int?
  private let lowColumn: Int?
  private let highColumn: Int?
  private let textColumn: Int?
  private let periodColumn: Int?
  private let coverageColumn: Int?
  private let idColumn: Int?
  private let derivedFromColumn: Int?
  private let kindColumn: Int?
  private let measureColumn: Int?
  /// `supersedes`: a row that fills it is left to `FiguresReader` (its targets are checked
  /// across the file). `series`, `scope` and `evidence` hold any text and need no check.
  private let supersedesColumn: Int?
  let fingerprint: @Sendable (UnsafeBufferPointer<UInt8>) -> UInt64
  /// Where the current row's cells are (`let` pointers: no exclusivity checks per cell).
  private let starts: UnsafeMutablePointer<Int>
  private let ends: UnsafeMutablePointer<Int>
  private let nonASCII: UnsafeMutablePointer<Bool>
  /// What the rows' cells mean, cached across blocks. `run` moves it into a local for the
  /// block (a stored property of a class is checked for exclusive access at every use: 2% of
  /// `ranges` when the row checks used these directly).
  private var caches = RowCaches()

  struct RowCaches {
    /// The quantity names met, each with its index in `quantityNames`. A file of a few
    /// quantities keeps them all; past `quantityLimit` distinct names the four start again
    /// empty, so a file of 100,000 one-figure quantities does not keep a table of every name in
    /// each worker (the merge, which lists each quantity once, keeps the one list).
    var quantity = ByteKeyCache<Int>.unbounded()
    var quantityIndex: [String: Int] = [:]
    var quantityNames: [String] = []
    var quantityStamp: [Int] = []
    static let quantityLimit = 4096

    /// Forgets the quantities met (when there are more than `quantityLimit`).
    mutating func restartQuantities() {
      quantity = ByteKeyCache<Int>.unbounded()
      quantityIndex = [:]
      quantityNames = []
      quantityStamp = []
    }
    /// 0: not a period, 1: a period within one year, 2: a period over year ends.
    var period = ByteKeyCache<UInt8>()
    /// A `kind` cell: its case's index in `FigureKind.allCases`, or `unknownWord`.
    var kind = ByteKeyCache<UInt8>()
    /// A `measure` cell: its case's index in `FigureMeasure.allCases`, or `unknownWord`.
    var measure = ByteKeyCache<UInt8>()
    var coverage = ByteKeyCache<Bool>()
    /// 0: blank, 1: a known verbal quantity, 2: a text in the wording grammar, 3: neither.
    var text = ByteKeyCache<UInt8>()
    /// Counts the blocks run, to list each quantity once per block.
    var blockSerial = 0
  }

  init(columns: ColumnMap, fingerprint: @escaping @Sendable (UnsafeBufferPointer<UInt8>) -> UInt64) {
    self.columns = columns
    self.fingerprint = fingerprint
    columnCount = columns.count
    quantityColumn = columns.quantity ?? 0
    valueColumn = columns.value
    lowColumn = columns.low
    highColumn = columns.high
    textColumn = columns.text
    periodColumn = columns.period
    coverageColumn = columns.coverage
    idColumn = columns.id
    derivedFromColumn = columns.derivedFrom
    kindColumn = columns[.kind]
    measureColumn = columns[.measure]
    supersedesColumn = columns[.supersedes]
    let n = max(columns.count, 1)
    starts = .allocate(capacity: n)
    starts.initialize(repeating: 0, count: n)
    ends = .allocate(capacity: n)
    ends.initialize(repeating: 0, count: n)
    nonASCII = .allocate(capacity: n)
    nonASCII.initialize(repeating: false, count: n)
  }

  deinit {
    starts.deallocate()
    ends.deallocate()
    nonASCII.deallocate()
  }

  /// The fingerprint of an id given as text (never 0, which marks an empty table slot).
  func fingerprint(of id: String) -> UInt64 {
    let key = ByteFields.idKey(id)
    let f = key.withUnsafeBufferPointer { fingerprint($0) }
    return f == 0 ? 1 : f
  }

  /// Reads every record of `block`.
  func run(_ block: RecordBlock, mode: BlockMode) -> BlockResult {
    var caches = RowCaches()
    swap(&caches, &self.caches)
    defer { swap(&caches, &self.caches) }
    caches.blockSerial += 1
    var result = BlockResult()
    let m = block.bytes
    let b = UnsafeBufferPointer(m)
    let n = b.count
    guard let base = b.baseAddress else { return result }
    var i = 0
    while i < n {
      // Blank lines are not rows.
      let first = b[i]
      if first == 0x0A {
        i += 1
        continue
      }
      if first == 0x0D && (i + 1 == n || b[i + 1] == 0x0A) {
        i += i + 1 < n ? 2 : 1
        continue
      }
      // A simple record (the common case) is split 64 bytes at a time; any other is read
      // byte by byte below, with every rule of the format.
      let simpleEnd = reconcile_split_record(base, i, n, starts, ends, columnCount)
      if simpleEnd >= 0 {
        nonASCII.update(repeating: false, count: columnCount)
        i = simpleEnd
      }
      var fieldCount = 0
      while simpleEnd < 0 {
        // Spaces before an opening quote are tolerated: the field is quoted.
        if i < n && (b[i] == 0x20 || b[i] == 0x09) {
          var q = i + 1
          while q < n && (b[q] == 0x20 || b[q] == 0x09) { q += 1 }
          if q < n && b[q] == 0x22 { i = q }
        }
        guard fieldCount < columnCount else {
          result.unusual = true
          return result
        }
        var start = i
        var end: Int
        var high: UInt8 = 0
        if i < n && b[i] == 0x22 {
          i += 1
          start = i
          var escaped = false
          var closed = false
          while i < n {
            let c = b[i]
            if c == 0x22 {
              if i + 1 < n && b[i + 1] == 0x22 {
                escaped = true
                i += 2
                continue
              }
              closed = true
              break
            }
            if c == 0 {
              result.unusual = true
              return result
            }
            high |= c
            i += 1
          }
          guard closed else {
            result.unusual = true
            return result
          }
          end = i
          i += 1
          var after = i
          while after < n && (b[after] == 0x20 || b[after] == 0x09) { after += 1 }
          if after > i, after == n || b[after] == 0x2C || b[after] == 0x0A || b[after] == 0x0D {
            i = after
          }
          let atEnd =
            i == n || b[i] == 0x2C || b[i] == 0x0A
            || (b[i] == 0x0D && (i + 1 == n || b[i + 1] == 0x0A))
          guard atEnd else {
            result.unusual = true
            return result
          }
          if high & 0x80 != 0 && firstInvalidUTF8(b, start, end) != nil {
            result.unusual = true
            return result
          }
          if escaped {
            // Undo the `""` escapes in place: the block's bytes are this worker's own.
            var r = start
            var w = start
            while r < end {
              m[w] = m[r]
              r += m[r] == 0x22 ? 2 : 1
              w += 1
            }
            end = w
          }
        } else {
          while i < n {
            let c = b[i]
            if c > 0x2C {
              high |= c
              i += 1
              continue
            }
            if c == 0x2C || c == 0x0A { break }
            if c == 0x22 || c == 0 {
              result.unusual = true
              return result
            }
            i += 1
          }
          end = i
          if end > start && b[end - 1] == 0x0D && (i == n || b[i] == 0x0A) { end -= 1 }
          if high & 0x80 != 0 && firstInvalidUTF8(b, start, end) != nil {
            result.unusual = true
            return result
          }
        }
        starts[fieldCount] = start
        ends[fieldCount] = end
        nonASCII[fieldCount] = high & 0x80 != 0
        fieldCount += 1
        if i < n && b[i] == 0x2C {
          i += 1
          continue
        }
        guard fieldCount == columnCount else {
          result.unusual = true
          return result
        }
        if i < n && b[i] == 0x0D { i += 1 }
        if i < n && b[i] == 0x0A { i += 1 }
        break
      }
      let ok: Bool
      switch mode {
      case .full: ok = checkRow(b, &result, &caches)
      case .ids:
        if let f = rowID(b) { result.fingerprints.append(f.fingerprint) }
        ok = true
      case .collect(let wanted):
        if let f = rowID(b), wanted.contains(f.fingerprint) {
          result.collected.append((f.fingerprint, text(b, f.id)))
        }
        ok = true
      }
      if !ok {
        result.unusual = true
        return result
      }
    }
    return result
  }

  /// The next record's end and fields when it is simple (`reconcile_split_record`, which `run`
  /// tries first), or nil when `run` reads it byte by byte.
  static func simpleRecord(_ b: UnsafeBufferPointer<UInt8>, from: Int, count: Int) -> (next: Int, fields: [Range<Int>])?
  {
    guard let base = b.baseAddress, count > 0 else { return nil }
    var starts = [Int](repeating: 0, count: count)
    var ends = [Int](repeating: 0, count: count)
    let next = starts.withUnsafeMutableBufferPointer { s in
      ends.withUnsafeMutableBufferPointer { e in
        reconcile_split_record(base, from, b.count, s.baseAddress, e.baseAddress, count)
      }
    }
    guard next >= 0 else { return nil }
    return (next, (0..<count).map { starts[$0]..<ends[$0] })
  }

  @inline(__always)
  private func cell(_ b: UnsafeBufferPointer<UInt8>, _ k: Int) -> UnsafeBufferPointer<UInt8> {
    UnsafeBufferPointer(rebasing: b[starts[k]..<ends[k]])
  }

  /// Where a row's explicit id is: a range of ASCII bytes, or text already decoded.
  private enum RowID {
    case ascii(Range<Int>)
    case text(String)
  }

  /// The row's explicit id (trimmed, non-empty) and its fingerprint.
  private func rowID(_ b: UnsafeBufferPointer<UInt8>) -> (fingerprint: UInt64, id: RowID)? {
    guard let k = idColumn else { return nil }
    let start = starts[k]
    let end = ends[k]
    if !nonASCII[k], let r = ByteFields.asciiTrimmed(b, start, end) {
      if r.isEmpty { return nil }
      let f = fingerprint(UnsafeBufferPointer(rebasing: b[r]))
      return (f == 0 ? 1 : f, .ascii(r))
    }
    let id = ByteFields.trimmedString(b, start, end)
    if id.isEmpty { return nil }
    return (fingerprint(of: id), .text(id))
  }

  private func text(_ b: UnsafeBufferPointer<UInt8>, _ id: RowID) -> String {
    switch id {
    case .ascii(let r): return String(decoding: UnsafeBufferPointer(rebasing: b[r]), as: UTF8.self)
    case .text(let s): return s
    }
  }

  /// The index in `Word.allCases` of the word a cell's bytes hold, read as
  /// `FiguresBuilder.word` reads it (trimmed, case-insensitive, spaces and hyphens as
  /// underscores); `UInt8.max` for an unknown word.
  private static func wordIndex<Word: RawRepresentable & CaseIterable>(
    _ type: Word.Type, _ key: UnsafeBufferPointer<UInt8>
  ) -> UInt8 where Word.RawValue == String {
    let raw = String(decoding: key, as: UTF8.self).trimmingWhitespace()
    let word = String(raw.lowercased().map { $0 == " " || $0 == "-" ? "_" : $0 })
    guard let index = Array(Word.allCases).firstIndex(where: { $0.rawValue == word }) else { return .max }
    return UInt8(index)
  }

  /// A number cell: `nil` for a missing one; `false` in `ok` for an error or a warning.
  @inline(__always)
  private func number(_ b: UnsafeBufferPointer<UInt8>, _ column: Int?) -> (Double?, ok: Bool) {
    guard let k = column else { return (nil, true) }
    switch ByteFields.number(b, starts[k], ends[k]) {
    case .number(let x): return (x, !(x < 0))
    case .missing: return (nil, true)
    case .invalid: return (nil, false)
    }
  }

  /// The checks of `FiguresBuilder.makeFigure` and what `checkProvenance` needs; false when
  /// the row would give an error or a warning.
  private func checkRow(
    _ b: UnsafeBufferPointer<UInt8>, _ result: inout BlockResult, _ caches: inout RowCaches
  ) -> Bool {
    // Rows whose every cell is blank are skipped.
    var blank = true
    for k in 0..<columnCount where !ByteFields.isBlank(b, starts[k], ends[k]) {
      blank = false
      break
    }
    if blank { return true }
    result.figures += 1

    if caches.quantityNames.count >= RowCaches.quantityLimit { caches.restartQuantities() }
    let q = caches.quantity.value(for: cell(b, quantityColumn)) { key in
      let name = String(decoding: key, as: UTF8.self).trimmingWhitespace()
      if name.isEmpty { return -1 }
      if let known = caches.quantityIndex[name] { return known }
      caches.quantityIndex[name] = caches.quantityNames.count
      caches.quantityNames.append(name)
      caches.quantityStamp.append(0)
      return caches.quantityNames.count - 1
    }
    guard q >= 0 && q < caches.quantityNames.count else { return false }
    if caches.quantityStamp[q] != caches.blockSerial {
      caches.quantityStamp[q] = caches.blockSerial
      result.quantities.append(caches.quantityNames[q])
    }

    if let k = supersedesColumn, !ByteFields.isBlank(b, starts[k], ends[k]) { return false }

    let (value, valueOK) = number(b, valueColumn)
    let (low, lowOK) = number(b, lowColumn)
    let (high, highOK) = number(b, highColumn)
    guard valueOK && lowOK && highOK else { return false }
    if let low, let high, low > high { return false }
    if let value {
      if let low, value < low { return false }
      if let high, value > high { return false }
    }
    // A text in the wording grammar ("about 30,000") fills or must agree with the cells:
    // `FiguresReader` checks it. Any other text is a verbal quantity, or kept as printed
    // beside a number (without one it is an error).
    var textCode: UInt8 = 0
    if let k = textColumn, !ByteFields.isBlank(b, starts[k], ends[k]) {
      textCode = caches.text.value(for: cell(b, k)) { key in
        let printed = String(decoding: key, as: UTF8.self).trimmingWhitespace()
        if printed.isEmpty { return 0 }
        if FigureWording.reading(printed) != nil { return 2 }
        return VerbalQuantities.lookup(printed) == nil ? 3 : 1
      }
    }
    if textCode == 2 { return false }
    if value == nil && low == nil && high == nil && textCode != 1 { return false }

    if let k = coverageColumn, !ByteFields.isBlank(b, starts[k], ends[k]) {
      let ok = caches.coverage.value(for: cell(b, k)) { key in
        let raw = String(decoding: key, as: UTF8.self).trimmingWhitespace()
        let isPercent = raw.hasSuffix("%")
        let body = isPercent ? String(raw.dropLast()) : raw
        guard case .number(let x) = NumberSyntax.parse(body) else { return false }
        let p = isPercent ? x / 100 : x
        return Figure.acceptsCoverage(p)
      }
      guard ok else { return false }
    }

    // 0 no period; 1 within a year; 2 over several years; 3 one month (`2002-07`).
    var periodShape: UInt8 = 0
    if let k = periodColumn, !ByteFields.isBlank(b, starts[k], ends[k]) {
      let code = caches.period.value(for: cell(b, k)) { key -> UInt8 in
        let raw = String(decoding: key, as: UTF8.self).trimmingWhitespace()
        guard case .success(let period) = Period.parse(raw) else { return 0 }
        return period.spansYears ? 2 : period.isSingleMonth ? 3 : 1
      }
      guard code != 0 else { return false }
      periodShape = code
    }
    let spansYears = periodShape == 2

    // A stated kind and measure, checked as `FiguresBuilder.statementKind` and
    // `statementMeasure` check them for a row without worded text (the only rows here).
    var statedKind: FigureKind? = nil
    if let k = kindColumn, !ByteFields.isBlank(b, starts[k], ends[k]) {
      let code = caches.kind.value(for: cell(b, k)) { Self.wordIndex(FigureKind.self, $0) }
      guard Int(code) < FigureKind.allCases.count else { return false }
      let bothEnds = low != nil && high != nil
      statedKind = FigureKind.allCases[Int(code)]
      switch FigureKind.allCases[Int(code)] {
      case .atLeast: guard high == nil && (low != nil || value != nil) else { return false }
      case .atMost: guard low == nil && (high != nil || value != nil) else { return false }
      case .range: guard bothEnds || (textCode == 1 && low == nil && high == nil) else { return false }
      case .point, .about: guard low == nil && high == nil && value != nil else { return false }
      }
    }
    if let k = measureColumn, !ByteFields.isBlank(b, starts[k], ends[k]) {
      let code = caches.measure.value(for: cell(b, k)) { Self.wordIndex(FigureMeasure.self, $0) }
      guard Int(code) < FigureMeasure.allCases.count else { return false }
      switch FigureMeasure.allCases[Int(code)] {
      case .stock: if spansYears { return false }
      case .flow: break
      case .cumulative:
        // `FiguresBuilder.checkCumulative`: one count (a stated kind point or about, checked
        // above, or a value alone) with a period that is a day, a year or START/END.
        guard value != nil && low == nil && high == nil, periodShape == 1 || periodShape == 2,
          statedKind == nil || statedKind == .point || statedKind == .about
        else { return false }
      }
    }

    let id = rowID(b)
    if let id { result.fingerprints.append(id.fingerprint) }

    if let k = derivedFromColumn, !ByteFields.isBlank(b, starts[k], ends[k]) {
      let targets = ByteFields.trimmedString(b, starts[k], ends[k])
        .split(separator: ";")
        .map { String($0).trimmingWhitespace() }
        .filter { !$0.isEmpty }
      if !targets.isEmpty {
        result.edges.append(DerivedEdge(source: id.map { text(b, $0.id) }, targets: targets))
      }
    }
    return true
  }
}
