import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An RFC 4180 CSV reader that keeps the line and column of every field.
///
/// The reader is a byte-level state machine over the file's UTF-8 bytes; it builds one
/// `String` per field and never one per byte (about 300 MB/s in release builds).
///
/// Accepted: UTF-8 with or without a byte-order mark; LF or CRLF line ends; quoted fields
/// with `""` escapes and embedded commas, CR and LF; a last line with or without a line end.
/// Lines that are completely empty are skipped wherever they are (they are not rows), so
/// trailing blank lines are ignored. A lone CR inside an unquoted field is data. Beyond
/// RFC 4180, spaces or tabs around a quoted field (`a, "b, c" ,d`) are tolerated: the field
/// is read as quoted and starts at its opening quote.
///
/// Errors (all counted, the first ``DiagnosticCollector/defaultLimit`` in file order kept,
/// then thrown together as `FiguresError.invalid`):
/// an empty file; an unterminated quoted field (located at its opening quote; the rest of
/// the file is then part of that field); a quote inside an unquoted field; text after a
/// closing quote; a row whose field count differs from the header's; a NUL byte; invalid
/// UTF-8; duplicate header names (compared ignoring case and surrounding whitespace; empty
/// names may repeat); CR-only line ends. A row with too many fields that looks like an
/// unquoted `300,000` gets a hint to quote it.
public enum CSVReader {
  /// Parses a CSV file's bytes. `path` is used only in diagnostics.
  ///
  /// - Throws: `FiguresError.invalid` with every error found.
  /// - Complexity: O(n) in the number of bytes.
  public static func parse(_ bytes: [UInt8], path: String) throws(FiguresError) -> CSVTable {
    let (table, diagnostics) = parseCollecting(bytes, path: path)
    guard let table, diagnostics.isEmpty else { throw diagnostics.invalid }
    return table
  }

  /// Parses as far as possible: the table (`nil` only when there is no header row) and the
  /// errors (the first ``DiagnosticCollector/defaultLimit`` in file order, and a count). Rows with the wrong field count are kept as they are, so a caller
  /// validating rows can skip them (`fields.count != header.count`) and still report the
  /// errors of the others.
  static func parseCollecting(_ bytes: [UInt8], path: String) -> (CSVTable?, DiagnosticCollector) {
    var header: CSVRecord? = nil
    var records: [CSVRecord] = []
    let diagnostics = parseStreaming(bytes, path: path) { record, isHeader in
      if isHeader { header = record } else { records.append(record) }
    }
    guard let header else { return (nil, diagnostics) }
    return (CSVTable(path: path, header: header.fields, records: records), diagnostics)
  }

  /// The parse of `parseCollecting` without keeping the rows: each row (the header first,
  /// flagged) goes to `emit` as it is read. Returns the CSV-level diagnostics as
  /// `parseCollecting` reports them (including "file is empty" when there is no header).
  static func parseStreaming(
    _ bytes: [UInt8], path: String, _ emit: (CSVRecord, _ isHeader: Bool) -> Void
  ) -> DiagnosticCollector {
    // A UTF-16 or UTF-32 file (as some spreadsheets export "Unicode text") would produce a
    // flood of NUL-byte errors; one clear error says what to do instead.
    if bytes.count >= 2, (bytes[0] == 0xFF && bytes[1] == 0xFE) || (bytes[0] == 0xFE && bytes[1] == 0xFF) {
      return DiagnosticCollector([
        .error(
          "file is encoded as UTF-16 (or UTF-32), not UTF-8: save it as \"CSV UTF-8\"",
          at: SourceLocation(path: path, line: 1, column: 1))
      ])
    }
    var parser = CSVParser(path: path)
    bytes.withUnsafeBufferPointer { parser.run($0, emit) }
    var diagnostics = parser.diagnostics
    guard let header = parser.header else {
      if diagnostics.isEmpty {
        diagnostics.append(
          .error(
            "file is empty: expected a header row",
            at: SourceLocation(path: path, line: 1, column: 1)))
      }
      return diagnostics
    }
    var seen: [String: Int] = [:]
    for (index, field) in header.fields.enumerated() {
      let key = CSVTable.normalizedName(field.value)
      if key.isEmpty { continue }
      if let first = seen[key] {
        diagnostics.append(
          .error(
            "duplicate column name '\(Diagnostic.excerpt(field.value.trimmingWhitespace()))' (same as header field \(first + 1))",
            at: SourceLocation(path: path, line: field.line, column: field.column)))
      } else {
        seen[key] = index
      }
    }
    return diagnostics
  }

  /// Reads and parses the CSV file at `path`.
  ///
  /// - Throws: `FiguresError.fileNotFound` when nothing exists at `path`;
  ///   `FiguresError.unreadable` for a directory or a file that cannot be read;
  ///   `FiguresError.invalid` as `parse(_:path:)`.
  public static func read(path: String) throws(FiguresError) -> CSVTable {
    try parse(readBytes(path: path), path: path)
  }

  /// The largest file read into memory: a quarter of physical memory, or the value of the
  /// `RECONCILE_MAX_FILE_MB` environment variable (in MB) when set.
  static var maximumFileSize: UInt64 {
    if let mb = ProcessInfo.processInfo.environment["RECONCILE_MAX_FILE_MB"].flatMap(UInt64.init) {
      return mb * 1_048_576
    }
    return ProcessInfo.processInfo.physicalMemory / 4
  }

  /// The bytes of the file at `path`, with the errors of `read(path:)`.
  static func readBytes(path: String) throws(FiguresError) -> [UInt8] {
    var info = stat()
    guard stat(path, &info) == 0 else {
      if errno == ENOENT || errno == ENOTDIR { throw .fileNotFound(path: path) }
      throw .unreadable(path: path, reason: systemErrorMessage(errno))
    }
    if (info.st_mode & S_IFMT) == S_IFDIR { throw .unreadable(path: path, reason: "is a directory") }
    // Files are read whole (and parsed into fields, about 3× their size): refuse one that
    // would not fit, with a message, rather than let the system kill the process.
    let size = UInt64(max(0, info.st_size))
    let limit = maximumFileSize
    if size > limit {
      throw .unreadable(
        path: path,
        reason:
          "file is \(size / 1_048_576) MB; reconcile reads a figures file into memory and this machine allows at most \(limit / 1_048_576) MB (a quarter of its memory) — split the file, e.g. by quantity"
      )
    }
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw .unreadable(path: path, reason: systemErrorMessage(errno)) }
    defer { close(fd) }
    // Straight into one buffer of the file's size; a file that grew meanwhile (or reports no
    // size) is read on, in further pieces, until its end.
    var failure: Int32 = 0
    var atEnd = false
    func fill(_ buffer: UnsafeMutableBufferPointer<UInt8>, _ count: inout Int) {
      let (n, error) = readFully(fd, into: UnsafeMutableRawBufferPointer(buffer))
      count = n
      failure = error
      atEnd = error != 0 || n < buffer.count
    }
    var bytes = [UInt8](unsafeUninitializedCapacity: Int(clamping: size)) { fill($0, &$1) }
    while !atEnd && failure == 0 {
      let piece = [UInt8](unsafeUninitializedCapacity: 1 << 20) { fill($0, &$1) }
      bytes.append(contentsOf: piece)
    }
    if failure != 0 { throw .unreadable(path: path, reason: systemErrorMessage(failure)) }
    return bytes
  }

  /// Stable sort by line, then column (a missing column sorts first on its line).
  static func sortedInFileOrder(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
    diagnostics.enumerated().sorted { a, b in
      let la = a.element.location
      let lb = b.element.location
      if la.line != lb.line { return la.line < lb.line }
      let ca = la.column ?? 0
      let cb = lb.column ?? 0
      if ca != cb { return ca < cb }
      return a.offset < b.offset
    }.map(\.element)
  }
}

private let lf: UInt8 = 0x0A
private let cr: UInt8 = 0x0D
private let quote: UInt8 = 0x22
private let comma: UInt8 = 0x2C
private let space: UInt8 = 0x20
private let tab: UInt8 = 0x09

/// A hint for a row with too many fields that looks like an unquoted `12,000`: a field of
/// 1–3 digits followed by fields of exactly 3 digits.
func splitThousandsHint(_ fields: [CSVField]) -> String {
  func digits(_ s: String) -> Bool { !s.isEmpty && s.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
  var k = 1
  while k < fields.count {
    let previous = fields[k - 1].value
    if digits(previous), previous.utf8.count <= 3, fields[k].value.utf8.count == 3,
      digits(fields[k].value)
    {
      var parts = [previous, fields[k].value]
      var j = k + 1
      while j < fields.count, fields[j].value.utf8.count == 3, digits(fields[j].value) {
        parts.append(fields[j].value)
        j += 1
      }
      let number = parts.joined(separator: ",")
      return
        " (is \(number) a number with an unquoted thousands separator? write it as \"\(number)\")"
    }
    k += 1
  }
  return ""
}

/// The state machine behind `CSVReader.parse`.
struct CSVParser {
  let path: String
  /// The first errors (in file order) and their count.
  var diagnostics = DiagnosticCollector()
  /// The first row, once read.
  var header: CSVRecord? = nil
  /// Current physical line (1-based) and the byte offset where it starts.
  private var line = 1
  private var lineStart = 0
  /// Incremental column counting on the current line: `cursorColumn` is the column of the
  /// byte at `cursorOffset`.
  private var cursorOffset = 0
  private var cursorColumn = 1
  /// Whether every byte read since `cursorOffset` is ASCII, so columns are byte distances.
  private var asciiSinceCursor = true

  init(path: String) { self.path = path }

  private mutating func newLine(at offset: Int) {
    line += 1
    lineStart = offset
    cursorOffset = offset
    cursorColumn = 1
    asciiSinceCursor = true
  }

  /// The 1-based character column of byte `offset` on the current line (UTF-8 continuation
  /// bytes are not counted).
  private mutating func column(at offset: Int, _ b: UnsafeBufferPointer<UInt8>) -> Int {
    var c: Int
    if offset >= cursorOffset && asciiSinceCursor {
      c = cursorColumn + (offset - cursorOffset)
    } else {
      if offset < cursorOffset {
        cursorOffset = lineStart
        cursorColumn = 1
      }
      c = cursorColumn
      var i = cursorOffset
      while i < offset {
        if b[i] & 0xC0 != 0x80 { c += 1 }
        i += 1
      }
    }
    cursorOffset = offset
    cursorColumn = c
    asciiSinceCursor = true
    return c
  }

  /// Records that non-ASCII bytes may lie after the column cursor.
  private mutating func sawNonASCII(_ highBits: UInt8) {
    if highBits & 0x80 != 0 { asciiSinceCursor = false }
  }

  private mutating func error(_ message: String, line: Int, column: Int?) {
    diagnostics.append(.error(message, at: SourceLocation(path: path, line: line, column: column)))
  }

  /// Parses every row. The first is stored in `header`, and the rest returned; row-length
  /// errors are checked against the header.
  mutating func run(_ b: UnsafeBufferPointer<UInt8>) -> [CSVRecord] {
    var records: [CSVRecord] = []
    run(b) { record, isHeader in if !isHeader { records.append(record) } }
    return records
  }

  /// Parses every row, handing each to `emit` as it is read (the first, also stored in
  /// `header`, with `isHeader` true), so a caller can consume rows without keeping them all.
  mutating func run(_ b: UnsafeBufferPointer<UInt8>, _ emit: (CSVRecord, _ isHeader: Bool) -> Void) {
    let n = b.count
    var i = 0
    if n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
      i = 3
      lineStart = 3
      cursorOffset = 3
    }
    // Classic Mac files end lines with CR alone: nothing would split into rows.
    if b.firstIndex(of: lf) == nil, let firstCR = b.firstIndex(of: cr), firstCR + 1 < n {
      error(
        "line ends are CR only (classic Mac format): save the file with LF or CRLF line ends",
        line: 1, column: 1)
      return
    }
    var expected: Int? = nil
    var scratch: [UInt8] = []

    recordLoop: while i < n {
      // Blank lines are not rows.
      if b[i] == lf {
        i += 1
        newLine(at: i)
        continue
      }
      if b[i] == cr && (i + 1 == n || b[i + 1] == lf) {
        i += 1
        if i < n {
          i += 1
          newLine(at: i)
        }
        continue
      }
      let recordLine = line
      var fields: [CSVField] = []
      fields.reserveCapacity(expected ?? 8)
      fieldLoop: while true {
        // Spaces before an opening quote (`a, "b, c"`) are tolerated: the field is quoted.
        if i < n && (b[i] == space || b[i] == tab) {
          var q = i + 1
          while q < n && (b[q] == space || b[q] == tab) { q += 1 }
          if q < n && b[q] == quote { i = q }
        }
        let fieldStart = i
        let fieldLine = line
        let fieldColumn = column(at: i, b)
        let value: String
        var fieldEnd: Int
        if i < n && b[i] == quote {
          i += 1
          scratch.removeAll(keepingCapacity: true)
          var segment = i
          var closed = false
          var highBits: UInt8 = 0
          while i < n {
            let c = b[i]
            if c == quote {
              scratch.append(contentsOf: UnsafeBufferPointer(rebasing: b[segment..<i]))
              if i + 1 < n && b[i + 1] == quote {
                scratch.append(quote)
                i += 2
                segment = i
                continue
              }
              i += 1
              closed = true
              break
            } else if c == lf {
              i += 1
              newLine(at: i)
            } else if c == 0 {
              sawNonASCII(highBits)
              error("NUL byte in field", line: line, column: column(at: i, b))
              i += 1
            } else {
              highBits |= c
              i += 1
            }
          }
          if !closed {
            error(
              "unterminated quoted field: no closing quote before the end of the file",
              line: fieldLine, column: fieldColumn)
            break recordLoop
          }
          if highBits & 0x80 != 0,
            scratch.withUnsafeBufferPointer({ firstInvalidUTF8($0, 0, $0.count) }) != nil
          {
            error("invalid UTF-8 in field", line: fieldLine, column: fieldColumn)
          }
          value = String(decoding: scratch, as: UTF8.self)
          sawNonASCII(highBits)
          fieldEnd = i
          // Spaces after the closing quote are tolerated too.
          var afterSpaces = i
          while afterSpaces < n && (b[afterSpaces] == space || b[afterSpaces] == tab) {
            afterSpaces += 1
          }
          if afterSpaces > i,
            afterSpaces == n || b[afterSpaces] == comma || b[afterSpaces] == lf
              || b[afterSpaces] == cr
          {
            i = afterSpaces
          }
          let atEnd =
            i == n || b[i] == comma || b[i] == lf || (b[i] == cr && (i + 1 == n || b[i + 1] == lf))
          if !atEnd {
            error(
              "unexpected text after closing quote (a quote inside a quoted field is written \"\")",
              line: line, column: column(at: i, b))
            while i < n && b[i] != comma && b[i] != lf { i += 1 }
            asciiSinceCursor = false
            fieldEnd = i
            if fieldEnd > fieldStart && b[fieldEnd - 1] == cr { fieldEnd -= 1 }
          }
        } else {
          var highBits: UInt8 = 0
          while i < n {
            let c = b[i]
            if c > comma {  // the common case: letters, digits, most punctuation, UTF-8
              highBits |= c
              i += 1
              continue
            }
            if c == comma || c == lf { break }
            sawNonASCII(highBits)
            if c == quote {
              error(
                "stray quote in unquoted field (quote the whole field and write \"\" for a quote)",
                line: line, column: column(at: i, b))
            } else if c == 0 {
              error("NUL byte in field", line: line, column: column(at: i, b))
            }
            highBits |= c
            i += 1
          }
          var end = i
          if end > fieldStart && b[end - 1] == cr && (i == n || b[i] == lf) { end -= 1 }
          let bytes = UnsafeBufferPointer(rebasing: b[fieldStart..<end])
          sawNonASCII(highBits)
          if highBits & 0x80 != 0, let bad = firstInvalidUTF8(b, fieldStart, end) {
            error(
              "invalid UTF-8 byte 0x\(String(b[bad], radix: 16, uppercase: true))", line: line,
              column: column(at: bad, b))
            sawNonASCII(highBits)
          }
          value = String(decoding: bytes, as: UTF8.self)
          fieldEnd = end
        }
        fields.append(CSVField(value: value, line: fieldLine, column: fieldColumn))
        if i < n && b[i] == comma {
          i += 1
          continue fieldLoop
        }
        // End of the row: check its length while still on its last line.
        if let expected, fields.count != expected {
          let column =
            fields.count > expected ? fields[expected].column : column(at: fieldEnd, b)
          let columnLine = fields.count > expected ? fields[expected].line : line
          error(
            "row has \(fields.count) field\(fields.count == 1 ? "" : "s"), header has \(expected)"
              + (fields.count > expected ? splitThousandsHint(fields) : ""),
            line: columnLine, column: column)
        }
        if i < n && b[i] == cr { i += 1 }
        if i < n && b[i] == lf {
          i += 1
          newLine(at: i)
        }
        break fieldLoop
      }
      if expected == nil {
        expected = fields.count
        let record = CSVRecord(fields: fields, line: recordLine)
        header = record
        emit(record, true)
      } else {
        emit(CSVRecord(fields: fields, line: recordLine), false)
      }
    }
  }
}

/// The offset of the first byte in `b[from..<to]` that starts an invalid UTF-8 sequence
/// (overlong forms, surrogates and values above U+10FFFF are invalid), or `nil`.
func firstInvalidUTF8(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> Int? {
  var i = from
  while i < to {
    let c = b[i]
    if c < 0x80 {
      i += 1
      continue
    }
    var need = 0
    var minNext: UInt8 = 0x80
    var maxNext: UInt8 = 0xBF
    switch c {
    case 0xC2...0xDF: need = 1
    case 0xE0:
      need = 2
      minNext = 0xA0
    case 0xE1...0xEC, 0xEE...0xEF: need = 2
    case 0xED:
      need = 2
      maxNext = 0x9F
    case 0xF0:
      need = 3
      minNext = 0x90
    case 0xF1...0xF3: need = 3
    case 0xF4:
      need = 3
      maxNext = 0x8F
    default: return i
    }
    guard i + need < to else { return i }
    let c1 = b[i + 1]
    if c1 < minNext || c1 > maxNext { return i }
    var k = 2
    while k <= need {
      if b[i + k] & 0xC0 != 0x80 { return i }
      k += 1
    }
    i += need + 1
  }
  return nil
}
