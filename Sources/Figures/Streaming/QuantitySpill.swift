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

  private var header: [UInt8] = []
  private var spillFD: Int32 = -1
  private var spillSize = 0
  /// Per quantity: its pieces in the temporary file (offset, length), in file order.
  private var extents: [[(offset: Int, length: Int)]] = []
  /// Per quantity: records not yet written out.
  private var pending: [[UInt8]] = []
  private var pendingBytes = 0
  private let bufferLimit: Int

  deinit { if spillFD >= 0 { close(spillFD) } }

  private init(path: String, bufferLimit: Int) {
    self.path = path
    self.bufferLimit = bufferLimit
  }

  /// Sorts the rows of the figures file at `path` by quantity, or returns nil when the file is
  /// not one this reads (no `quantity` column in the header, an HXL hashtag row, a record
  /// longer than 64 MB) or cannot be read or spilled: the caller then reads it whole.
  public static func make(path: String, bufferLimit: Int = 32 << 20) -> QuantitySpill? {
    guard let file = ChunkedFile(path: path) else { return nil }
    let spill = QuantitySpill(path: path, bufferLimit: bufferLimit)
    guard spill.openSpillFile() else { return nil }
    var quantityColumn: Int? = nil
    var index: [String: Int] = [:]
    var line = 1
    var sawHeader = false
    var firstDataRow = true
    var failed = false
    let scanner = ChunkedCSVScanner(roundSize: 8 << 20, parts: 1, maxRecord: 64 << 20)
    do throws(ScanStop) {
      try scanner.scan(file, from: 0) { blocks in
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
            while i < b.count {
              let c = b[i]
              if c == 0x22 {
                inQuote.toggle()
              } else if c == 0x0A {
                newlines += 1
                if !inQuote { break }
              } else if c == 0x2C && !inQuote {
                if field == quantityColumn { quantityRange = fieldStart..<i }
                field += 1
                fieldStart = i + 1
              }
              i += 1
            }
            let end = min(i + 1, b.count)  // past the LF
            var fieldEnd = i
            if fieldEnd > fieldStart && b[fieldEnd - 1] == 0x0D { fieldEnd -= 1 }
            if field == quantityColumn && quantityRange == nil { quantityRange = fieldStart..<max(fieldStart, fieldEnd) }
            let record = UnsafeBufferPointer(rebasing: b[start..<end])
            let recordLine = line
            line += newlines
            start = end
            if !sawHeader {
              sawHeader = true
              spill.header = Array(record)
              if spill.header.last != 0x0A { spill.header.append(0x0A) }
              guard let column = Self.quantityColumn(header: record) else {
                failed = true
                return false
              }
              quantityColumn = column
              continue
            }
            if firstDataRow {
              firstDataRow = false
              if Self.isHashtagRow(record) {
                failed = true
                return false
              }
            }
            guard let range = quantityRange else { continue }
            let key = Self.cellText(UnsafeBufferPointer(rebasing: b[range]))
            guard !key.isEmpty else { continue }
            let q: Int
            if let known = index[key] {
              q = known
            } else {
              q = spill.quantities.count
              index[key] = q
              spill.quantities.append(key)
              spill.extents.append([])
              spill.pending.append([])
            }
            spill.rowCount += 1
            withUnsafeBytes(of: Int64(recordLine).littleEndian) { spill.pending[q].append(contentsOf: $0) }
            let length = record.count + (record.last == 0x0A ? 0 : 1)
            withUnsafeBytes(of: Int64(length).littleEndian) { spill.pending[q].append(contentsOf: $0) }
            spill.pending[q].append(contentsOf: record)
            if record.last != 0x0A { spill.pending[q].append(0x0A) }
            spill.pendingBytes += 16 + length
            if spill.pendingBytes >= spill.bufferLimit && !spill.flush() {
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
    guard !failed, sawHeader, spill.flush() else { return nil }
    return spill
  }

  /// The figures of the `k`-th quantity, in file order, with their original lines.
  /// - Throws: `FiguresError` if the rows no longer read as they did (the file changed).
  public func figures(of k: Int) throws(FiguresError) -> FiguresFile {
    var bytes = header
    var lines: [Int] = []
    for extent in extents[k] {
      let start = bytes.count
      bytes.append(contentsOf: repeatElement(0, count: extent.length))
      let ok = bytes.withUnsafeMutableBufferPointer { buffer -> Bool in
        guard let base = buffer.baseAddress else { return false }
        var done = 0
        while done < extent.length {
          let n = pread(spillFD, base + start + done, extent.length - done, off_t(extent.offset + done))
          if n < 0 && errno == EINTR { continue }
          guard n > 0 else { return false }
          done += n
        }
        return true
      }
      guard ok else { throw .unreadable(path: path, reason: "the temporary copy of its rows could not be read back") }
    }
    // The spilled form is [line][length][record bytes] per record: strip the two numbers.
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    out.append(contentsOf: header)
    var i = header.count
    while i + 16 <= bytes.count {
      let line = bytes.withUnsafeBytes { Int(Int64(littleEndian: $0.loadUnaligned(fromByteOffset: i, as: Int64.self))) }
      let length = bytes.withUnsafeBytes { Int(Int64(littleEndian: $0.loadUnaligned(fromByteOffset: i + 8, as: Int64.self))) }
      i += 16
      guard length >= 0, i + length <= bytes.count else { break }
      out.append(contentsOf: bytes[i..<(i + length)])
      lines.append(line)
      i += length
    }
    return try FiguresReader.parseValidatedRows(out, lines: lines, path: path)
  }

  /// Writes the pending records to the temporary file.
  private func flush() -> Bool {
    for q in pending.indices where !pending[q].isEmpty {
      let length = pending[q].count
      let ok = pending[q].withUnsafeBufferPointer { buffer -> Bool in
        guard let base = buffer.baseAddress else { return false }
        var done = 0
        while done < length {
          let n = pwrite(spillFD, base + done, length - done, off_t(spillSize + done))
          if n < 0 && errno == EINTR { continue }
          guard n > 0 else { return false }
          done += n
        }
        return true
      }
      guard ok else { return false }
      extents[q].append((spillSize, length))
      spillSize += length
      pending[q].removeAll(keepingCapacity: false)
    }
    pendingBytes = 0
    return true
  }

  private func openSpillFile() -> Bool {
    let directory = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
    var template = Array((directory + "/reconcile-rows-XXXXXX").utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard fd >= 0 else { return false }
    template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
    spillFD = fd
    return true
  }

  /// The index of the header's `quantity` column (names matched as the figures reader
  /// matches them), or nil.
  private static func quantityColumn(header: UnsafeBufferPointer<UInt8>) -> Int? {
    var bytes = Array(header)
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
    var fields: [String] = []
    var current: [UInt8] = []
    var inQuote = false
    for c in bytes {
      if c == 0x22 {
        inQuote.toggle()
        continue
      }
      if !inQuote && (c == 0x2C || c == 0x0A || c == 0x0D) {
        if c == 0x2C || !current.isEmpty || fields.isEmpty { fields.append(String(decoding: current, as: UTF8.self)) }
        current = []
        if c != 0x2C { break }
        continue
      }
      current.append(c)
    }
    if !current.isEmpty { fields.append(String(decoding: current, as: UTF8.self)) }
    return fields.firstIndex { FigureColumn(headerName: $0) == .quantity }
  }

  /// Whether the record's non-empty cells all begin with `#` (an HXL hashtag row).
  private static func isHashtagRow(_ record: UnsafeBufferPointer<UInt8>) -> Bool {
    var any = false
    var atCellStart = true
    for c in record {
      if c == 0x2C || c == 0x0A || c == 0x0D {
        atCellStart = true
        continue
      }
      if atCellStart {
        if c == 0x20 || c == 0x09 || c == 0x22 { continue }
        if c != UInt8(ascii: "#") { return false }
        any = true
        atCellStart = false
      }
    }
    return any
  }

  /// A cell's text as the figures reader reads it: outer quotes removed, `""` read as `"`,
  /// surrounding whitespace trimmed.
  private static func cellText(_ cell: UnsafeBufferPointer<UInt8>) -> String {
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
