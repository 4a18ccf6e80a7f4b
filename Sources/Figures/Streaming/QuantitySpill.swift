import CScan

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A validated figures file's rows sorted by quantity into a temporary file, so that one
/// quantity's figures can be read at a time: the memory of a per-quantity analysis then
/// follows the largest quantity, not the file.
///
/// One pass over the file reads each record's `quantity` cell (as the figures reader reads
/// it) and appends the record's bytes, with the line it starts on, to that quantity's buffer;
/// the buffers go to the temporary file whenever together they pass `bufferLimit`. The file is
/// unlinked as soon as it is created, so nothing is left behind however the process ends.
///
/// ``figures(of:)`` reads a quantity's records back and parses them with the figures reader
/// (``FiguresReader/parseValidatedRows(_:lines:path:)``), with their original lines. The
/// caller must have validated the whole file first (``StreamingValidator/validate(path:)``):
/// the checks across rows are not repeated here. Once made it is only read, so
/// ``figures(of:)`` may run on several threads at once.
public final class QuantitySpill: @unchecked Sendable {
  /// The file the rows came from.
  public let path: String
  /// The quantities, in order of first appearance.
  public private(set) var quantities: [String] = []
  /// Data rows with a quantity (blank rows are left out, as the figures reader leaves them).
  public private(set) var rowCount = 0

  /// The file's bytes before its first data row: the header, and an HXL hashtag row if any.
  private var prefix: [UInt8] = []
  /// Whether `prefix` ends with an HXL hashtag row.
  private var hashtagRow = false
  private var spillFD: Int32 = -1
  private var spillSize = 0
  /// Per quantity: its pieces in the temporary file (offset, length), in file order.
  private var extents: [[(offset: Int, length: Int)]] = []
  private let bufferLimit: Int

  deinit { if spillFD >= 0 { close(spillFD) } }

  /// The bytes read at a time.
  public static let roundSize = 256 << 10

  private init(path: String, bufferLimit: Int) {
    self.path = path
    self.bufferLimit = bufferLimit
  }

  /// Sorts the rows of the figures file at `path` by quantity, or returns nil when the file is
  /// not one this reads (its header, HXL row or quantity column as ``StreamingValidator``
  /// reads them; a record longer than 64 MB) or cannot be read or spilled: the caller then
  /// reads it whole.
  public static func make(
    path: String, bufferLimit: Int = 32 << 20, isCancelled: @Sendable () -> Bool = { false }
  ) -> QuantitySpill? {
    let options = StreamingValidator.Options()
    guard let file = ChunkedFile(path: path),
      let (columns, dataStart) = StreamingValidator.readHeader(file, path: path, options: options),
      let fd = anonymousTemporaryFile(prefix: "reconcile-rows")
    else { return nil }
    let spill = QuantitySpill(path: path, bufferLimit: bufferLimit)
    spill.spillFD = fd
    spill.prefix = [UInt8](repeating: 0, count: dataStart)
    guard spill.prefix.withUnsafeMutableBytes({ file.readAll(into: $0, at: 0) }) else { return nil }
    spill.hashtagRow = StreamingValidator.recordEnds(spill.prefix, dataStart, limit: 2).count == 2
    if spill.prefix.last != 0x0A { spill.prefix.append(0x0A) }
    let quantityColumn = columns.quantity
    // A quantity cell's bytes to its index (-1: blank); the cache spares a String and a hash
    // of it per row, the dictionary is the authority.
    var index: [String: Int] = [:]
    var quantities: [String] = []
    var cache = ByteKeyCache<Int>.unbounded()
    // Locals, not the spill's properties, while the rows are read: a class's stored property
    // is checked for exclusive access at every use.
    var pending = PendingRecords()
    defer { pending.free() }
    var rowCount = 0
    var line = 1 + spill.prefix[0..<dataStart].reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }
    var failed = false
    // Rounds of 256 KB, not the validator's 8 MB: a round is copied in by `read`, scanned for
    // its last record end and then split into records, and at this size the second and third
    // passes find it still in the core's L2 cache instead of going out to L3 or memory.
    let scanner = ChunkedCSVScanner(roundSize: Self.roundSize, parts: 1, maxRecord: options.maxRecord)
    do throws(ScanStop) {
      try scanner.scan(file, from: dataStart) { blocks in
        if isCancelled() {
          failed = true
          return false
        }
        for block in blocks {
          let b = UnsafeBufferPointer(block.bytes)
          var start = 0
          while start < b.count {
            // One record: up to an LF outside quotes (or the end of the block).
            var i = start
            var inQuote = false
            var field = 0
            var fieldStart = start
            var quantityRange: Range<Int>? = nil
            var newlines = 0
            // Byte by byte up to the end of the quantity cell; the rest of the record by its
            // line ends (memchr), with the quotes between them counted for their parity.
            var atLineEnd = false
            while i < b.count {
              let c = b[i]
              if c == 0x22 {
                inQuote.toggle()
              } else if c == 0x0A {
                newlines += 1
                if !inQuote {
                  atLineEnd = true
                  break
                }
              } else if c == 0x2C && !inQuote {
                if field == quantityColumn {
                  quantityRange = fieldStart..<i
                  field += 1
                  i += 1
                  break
                }
                field += 1
                fieldStart = i + 1
              }
              i += 1
            }
            if !atLineEnd && quantityRange != nil {
              i = Self.recordEnd(b, from: i, inQuote: inQuote, newlines: &newlines)
            }
            let end = min(i + 1, b.count)  // past the LF
            var fieldEnd = i
            if fieldEnd > fieldStart && b[fieldEnd - 1] == 0x0D { fieldEnd -= 1 }
            if field == quantityColumn && quantityRange == nil {
              quantityRange = fieldStart..<max(fieldStart, fieldEnd)
            }
            let record = UnsafeBufferPointer(rebasing: b[start..<end])
            let recordLine = line
            line += newlines
            start = end
            // Blank rows (no quantity) are not figures, as the figures reader skips them.
            guard let range = quantityRange else { continue }
            // (The closure captures no class reference: one would be retained on every row.)
            let q = cache.value(for: UnsafeBufferPointer(rebasing: b[range])) { cell in
              let key = Self.cellText(cell)
              guard !key.isEmpty else { return -1 }
              if let known = index[key] { return known }
              index[key] = quantities.count
              quantities.append(key)
              return quantities.count - 1
            }
            guard q >= 0 else { continue }
            if q == spill.extents.count {
              spill.extents.append([])
              pending.addQuantity()
            }
            rowCount += 1
            let lf = record.last == 0x0A
            let length = record.count + (lf ? 0 : 1)
            pending.append(record, line: recordLine, length: length, lf: lf, to: q)
            // Written out when the records reach the limit, or when the buffers' storage
            // reaches twice it (many small quantities: 4 KB each for a few records).
            if (pending.total >= bufferLimit || pending.allocated >= 2 * bufferLimit) && !spill.flush(&pending) {
              failed = true
              return false
            }
          }
        }
        return true
      }
    } catch {
      return nil
    }
    spill.quantities = quantities
    spill.rowCount = rowCount
    guard !failed, spill.flush(&pending) else { return nil }
    return spill
  }

  /// The bytes the `k`-th quantity's records take in the temporary file.
  public func byteCount(of k: Int) -> Int {
    extents[k].reduce(0) { $0 + $1.length }
  }

  /// The figures of the `k`-th quantity, in file order, with their original lines.
  /// - Throws: `FiguresError` if the rows no longer read as they did (the file changed).
  public func figures(of k: Int) throws(FiguresError) -> FiguresFile {
    try figures(from: try records(of: k))
  }

  /// The figures of records read back by ``records(of:)``.
  public func figures(
    from read: (bytes: [UInt8], records: [(start: Int, end: Int, line: Int)])
  ) throws(FiguresError) -> FiguresFile {
    let (bytes, records) = read
    var rows = prefix
    rows.reserveCapacity(prefix.count + bytes.count)
    for r in records { rows.append(contentsOf: bytes[r.start..<r.end]) }
    return try FiguresReader.parseValidatedRows(rows, lines: records.map(\.line), hashtagRow: hashtagRow, path: path)
  }

  /// The columns as the figures reader maps them (``ColumnMap/init(header:hashtags:)``), for
  /// readers of the raw records; nil when the file has an HXL hashtag row, or any of the
  /// statement columns (``FigureColumn/statementColumns``: `kind`, `measure`, `series`…),
  /// whose meaning only the figures reader applies.
  public var columns: ColumnMap? {
    guard !hashtagRow else { return nil }
    var parser = CSVParser(path: path)
    _ = prefix.withUnsafeBufferPointer { parser.run($0) }
    guard let header = parser.header, parser.diagnostics.isEmpty else { return nil }
    let columns = ColumnMap(header: header.fields.map(\.value))
    return columns.hasStatementColumns ? nil : columns
  }

  /// The records of the `k`-th quantity as they are in the file (each with its line end, an
  /// LF added to a last line without one), in file order, with the line each starts on.
  /// - Throws: `FiguresError` if the temporary copy cannot be read back.
  public func records(of k: Int) throws(FiguresError) -> (bytes: [UInt8], records: [(start: Int, end: Int, line: Int)])
  {
    // The spilled form is [line][length][record bytes] per record.
    // Read straight into the array's storage (no zero fill first); `filled` counts what
    // actually arrived, so a short read leaves no uninitialized byte in the array.
    let total = byteCount(of: k)
    var complete = true
    let spilled = [UInt8](unsafeUninitializedCapacity: total) { buffer, filled in
      var at = 0
      for extent in extents[k] {
        let (n, _) = readFully(
          spillFD,
          into: UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[at..<(at + extent.length)])),
          at: extent.offset)
        at += n
        guard n == extent.length else {
          complete = false
          break
        }
      }
      filled = at
    }
    guard complete else {
      throw .unreadable(path: path, reason: "the temporary copy of its rows could not be read back")
    }
    var records: [(start: Int, end: Int, line: Int)] = []
    var i = 0
    while i + 16 <= spilled.count {
      let (line, length) = spilled.withUnsafeBytes {
        (
          Int(Int64(littleEndian: $0.loadUnaligned(fromByteOffset: i, as: Int64.self))),
          Int(Int64(littleEndian: $0.loadUnaligned(fromByteOffset: i + 8, as: Int64.self)))
        )
      }
      i += 16
      guard length >= 0, i + length <= spilled.count else { break }
      records.append((i, i + length, line))
      i += length
    }
    return (spilled, records)
  }

  /// Writes the pending records to the temporary file.
  private func flush(_ pending: inout PendingRecords) -> Bool {
    // A buffer keeps its storage for the next records (allocating it again, page faults
    // included, was a tenth of the run's CPU) while it is within twice its share of the
    // limit: the kept storage is then at most 2 × `bufferLimit` whatever the file.
    let share = 2 * bufferLimit / max(1, pending.count)
    // Only the buffers that have records (a file of 100,000 one-figure quantities flushes
    // every few thousand rows: visiting every buffer each time was a third of its report).
    for q in pending.takeFilled() {
      let buffer = pending.bytes(of: q)
      guard !buffer.isEmpty else { continue }
      guard writeAll(buffer, to: spillFD, at: spillSize) else { return false }
      extents[q].append((spillSize, buffer.count))
      spillSize += buffer.count
      pending.empty(q, keepingCapacityUpTo: share)
    }
    pending.total = 0
    return true
  }

  /// The offset of the LF that ends the record continuing at `from` (`b.count` when none
  /// does), `inQuote` telling whether `from` lies inside quotes; every LF passed is counted.
  /// (`reconcile_first_record_end`, 64 bytes at a time.)
  static func recordEnd(_ b: UnsafeBufferPointer<UInt8>, from: Int, inQuote: Bool, newlines: inout Int) -> Int {
    guard let base = b.baseAddress, from < b.count else { return b.count }
    var passed = 0
    let at = reconcile_first_record_end(base + from, b.count - from, inQuote ? 1 : 0, &passed)
    newlines += passed
    return from + at
  }

  /// A cell's text as the figures reader reads it: outer quotes removed, `""` read as `"`,
  /// surrounding whitespace trimmed.
  private static func cellText(_ cell: UnsafeBufferPointer<UInt8>) -> String {
    // The usual cell: ASCII, unquoted, nothing to trim — its bytes are its text.
    if let first = cell.first, let last = cell.last, first > 0x20, last > 0x20, first != 0x22,
      !cell.contains(where: { $0 >= 0x80 })
    {
      return String(decoding: cell, as: UTF8.self)
    }
    var bytes = Array(cell)
    while let first = bytes.first, first == 0x20 || first == 0x09 { bytes.removeFirst() }
    while let last = bytes.last, last == 0x20 || last == 0x09 || last == 0x0D { bytes.removeLast() }
    if bytes.count >= 2 && bytes.first == 0x22 && bytes.last == 0x22 {
      var unquoted: [UInt8] = []
      var i = 1
      while i < bytes.count - 1 {
        unquoted.append(bytes[i])
        i += bytes[i] == 0x22 && i + 1 < bytes.count - 1 && bytes[i + 1] == 0x22 ? 2 : 1
      }
      bytes = unquoted
    }
    return String(decoding: bytes, as: UTF8.self).trimmingWhitespace()
  }
}

/// The spill's per-quantity buffers of records waiting to be written, each record as it is
/// spilled: [line][length][bytes, ending in LF] (line and length as 8-byte little-endian
/// integers). The buffers are held by pointer: appending to an array of arrays in the spill's
/// stored property cost a retain, an exclusivity check, a uniqueness check and two capacity
/// checks per record, about a quarter of the sort's own time on a 500 MB file.
private struct PendingRecords {
  struct Slot {
    var base: UnsafeMutablePointer<UInt8>?
    var count = 0
    var capacity = 0
  }
  private var slots = UnsafeMutablePointer<Slot>.allocate(capacity: 16)
  private var slotCapacity = 16
  /// Quantities (buffers).
  private(set) var count = 0
  /// Bytes in all buffers.
  var total = 0
  /// The buffers that have records, in the order they got their first since the last flush.
  private var filled: [Int] = []
  /// Bytes of storage the buffers hold (at least 4 KB for each that has records): with many
  /// small quantities this, not `total`, is what the memory holds.
  private(set) var allocated = 0

  /// Adds an empty buffer for a new quantity, whose index is the old `count`.
  mutating func addQuantity() {
    if count == slotCapacity {
      let larger = UnsafeMutablePointer<Slot>.allocate(capacity: 2 * slotCapacity)
      larger.moveInitialize(from: slots, count: count)
      slots.deallocate()
      slots = larger
      slotCapacity *= 2
    }
    (slots + count).initialize(to: Slot())
    count += 1
  }

  /// Appends a record (`length` bytes: the record, and an LF when `lf` is false) to buffer `q`.
  @inline(__always)
  mutating func append(_ record: UnsafeBufferPointer<UInt8>, line: Int, length: Int, lf: Bool, to q: Int) {
    if slots[q].count == 0 { filled.append(q) }
    let needed = slots[q].count + 16 + length
    if needed > slots[q].capacity { grow(q, to: needed) }
    guard let base = slots[q].base else { return }
    let at = base + slots[q].count
    UnsafeMutableRawPointer(at).storeBytes(of: Int64(line).littleEndian, as: Int64.self)
    UnsafeMutableRawPointer(at + 8).storeBytes(of: Int64(length).littleEndian, as: Int64.self)
    if let from = record.baseAddress { (at + 16).update(from: from, count: record.count) }
    if !lf { at[16 + record.count] = 0x0A }
    slots[q].count = needed
    total += 16 + length
  }

  @inline(never)
  private mutating func grow(_ q: Int, to needed: Int) {
    // From 256 bytes: a buffer of 4 KB per quantity held 400 MB for 100,000 one-figure
    // quantities, and with the storage-triggered flush below made 20,000 quantities of 5 KB
    // flush (a write per quantity) every few megabytes.
    let larger = max(needed, 2 * slots[q].capacity, 256)
    let storage = UnsafeMutablePointer<UInt8>.allocate(capacity: larger)
    if let old = slots[q].base {
      storage.update(from: old, count: slots[q].count)
      old.deallocate()
    }
    allocated += larger - slots[q].capacity
    slots[q].base = storage
    slots[q].capacity = larger
  }

  /// The buffers that have records, each once, sorted; the list starts again empty.
  mutating func takeFilled() -> [Int] {
    defer { filled.removeAll(keepingCapacity: true) }
    return filled.sorted()
  }

  /// Buffer `q`'s bytes.
  func bytes(of q: Int) -> UnsafeBufferPointer<UInt8> {
    UnsafeBufferPointer(start: slots[q].base, count: slots[q].count)
  }

  /// Empties buffer `q`, keeping its storage when it is at most `limit` bytes.
  mutating func empty(_ q: Int, keepingCapacityUpTo limit: Int) {
    slots[q].count = 0
    if slots[q].capacity > limit {
      slots[q].base?.deallocate()
      allocated -= slots[q].capacity
      slots[q] = Slot()
    }
  }

  /// Releases every buffer; nothing may be used afterwards.
  func free() {
    for q in 0..<count { slots[q].base?.deallocate() }
    slots.deinitialize(count: count)
    slots.deallocate()
  }
}
