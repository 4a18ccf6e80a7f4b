/// One cell of a CSV file, with where it starts.
public struct CSVField: Sendable, Hashable {
  /// The unquoted text of the field (`""` escapes resolved, embedded newlines kept).
  public var value: String
  /// The 1-based physical line on which the field starts.
  public var line: Int
  /// The 1-based character column at which the field starts (its opening quote, if quoted).
  public var column: Int

  /// Creates a field.
  public init(value: String, line: Int, column: Int) {
    self.value = value
    self.line = line
    self.column = column
  }
}

/// One row of a CSV file.
public struct CSVRecord: Sendable, Hashable {
  /// The row's fields, left to right.
  public var fields: [CSVField]
  /// The 1-based physical line on which the row starts.
  public var line: Int

  /// Creates a record.
  public init(fields: [CSVField], line: Int) {
    self.fields = fields
    self.line = line
  }
}

/// A parsed CSV file: a header row and data rows that all have the header's field count.
public struct CSVTable: Sendable, Hashable {
  /// The path the table was read from, used in diagnostics.
  public var path: String
  /// The header row's fields.
  public var header: [CSVField]
  /// The data rows, in file order. Blank lines are not rows.
  public var records: [CSVRecord]

  /// Creates a table.
  public init(path: String, header: [CSVField], records: [CSVRecord]) {
    self.path = path
    self.header = header
    self.records = records
  }

  /// The index of the first header field whose name equals `name`, ignoring case and
  /// surrounding whitespace; `nil` if there is none.
  ///
  /// - Complexity: O(number of columns).
  public func columnIndex(_ name: String) -> Int? {
    let wanted = CSVTable.normalizedName(name)
    return header.firstIndex { CSVTable.normalizedName($0.value) == wanted }
  }

  /// The numbers in column `column`, one per row, for generic CSVs (`fit`, `describe`).
  ///
  /// Each cell is read by the rules of ``NumberSyntax``: surrounding whitespace is ignored,
  /// thousands separators are allowed when grouped by three (`"300,000"`), an exponent is
  /// allowed; NaN, infinities, hexadecimal and anything else is an error. A missing cell
  /// (empty, `NA`, `N/A`) becomes `nil` when `allowMissing` is true and is an error otherwise.
  ///
  /// - Throws: `FiguresError.invalid` with one diagnostic per bad cell (in file order), or one
  ///   at line 1 when the column does not exist.
  public func numbers(column: String, allowMissing: Bool = false) throws(FiguresError)
    -> [Double?]
  {
    let index = try requireColumn(column)
    var result: [Double?] = []
    result.reserveCapacity(records.count)
    var diagnostics: [Diagnostic] = []
    let name = header[index].value
    for record in records {
      guard index < record.fields.count else {
        diagnostics.append(
          .error(
            "row has \(record.fields.count) fields, header has \(header.count)",
            at: SourceLocation(path: path, line: record.line)))
        result.append(nil)
        continue
      }
      let field = record.fields[index]
      switch NumberSyntax.parse(field.value) {
      case .number(let x):
        result.append(x)
      case .missing:
        if !allowMissing {
          diagnostics.append(
            .error(
              "missing number in column \(name)",
              at: SourceLocation(path: path, line: field.line, column: field.column)))
        }
        result.append(nil)
      case .invalid:
        diagnostics.append(
          .error(
            NumberSyntax.rangeProblem(field.value).map {
              "number '\(field.value)' in column \(name) is out of range: it \($0)"
            }
              ?? "bad number '\(field.value)' in column \(name)",
            at: SourceLocation(path: path, line: field.line, column: field.column)))
        result.append(nil)
      }
    }
    if !diagnostics.isEmpty { throw .invalid(diagnostics) }
    return result
  }

  /// The raw text of column `column`, one per row.
  ///
  /// - Throws: `FiguresError.invalid` with one diagnostic at line 1 when the column does not
  ///   exist.
  public func strings(column: String) throws(FiguresError) -> [String] {
    let index = try requireColumn(column)
    return records.map { index < $0.fields.count ? $0.fields[index].value : "" }
  }

  private func requireColumn(_ name: String) throws(FiguresError) -> Int {
    guard let index = columnIndex(name) else {
      let known = header.map(\.value).joined(separator: ", ")
      throw .invalid([
        .error(
          "no column named '\(name)' (columns: \(known))",
          at: SourceLocation(path: path, line: 1))
      ])
    }
    return index
  }

  /// Lowercased, whitespace-trimmed column name, the key for case-insensitive lookups.
  static func normalizedName(_ name: String) -> String {
    name.trimmingWhitespace().lowercased()
  }
}

extension String {
  /// The string without leading and trailing spaces, tabs, CR/LF and no-break spaces.
  func trimmingWhitespace() -> String {
    // Fast path: neither end is whitespace (bytes below 0x80 that are not whitespace, or
    // a lead byte that cannot start a trimmable scalar).
    if let first = utf8.first, let last = utf8.last, !Self.mayTrim(first), !Self.mayTrimLast(last) {
      return self
    }
    let scalars = unicodeScalars
    guard let first = scalars.firstIndex(where: { !$0.isTrimmable }) else { return "" }
    guard let last = scalars.lastIndex(where: { !$0.isTrimmable }) else { return "" }
    if first == scalars.startIndex && scalars.index(after: last) == scalars.endIndex {
      return self
    }
    return String(scalars[first...last])
  }
}

extension String {
  /// Whether a string starting with `byte` may start with a trimmable scalar.
  fileprivate static func mayTrim(_ byte: UInt8) -> Bool {
    byte <= 0x20 || byte == 0xC2 || byte == 0xE2 || byte == 0xEF
  }

  /// Whether a string ending with `byte` may end with a trimmable scalar (the last byte of
  /// U+00A0, U+2007, U+202F or U+FEFF is A0, 87, AF or BF).
  fileprivate static func mayTrimLast(_ byte: UInt8) -> Bool {
    byte <= 0x20 || byte == 0xA0 || byte == 0x87 || byte == 0xAF || byte == 0xBF
  }
}

extension Unicode.Scalar {
  fileprivate var isTrimmable: Bool {
    switch value {
    case 0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C, 0xA0, 0x2007, 0x202F, 0xFEFF: return true
    default: return false
    }
  }
}
