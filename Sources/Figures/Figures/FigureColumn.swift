/// The columns a figures file may have (see the CLI contract, "Figures files").
enum FigureColumn: String, CaseIterable, Sendable {
  case quantity, value, low, high, text, period, coverage, id, unit, source, published
  case document, quote, method, note
  case derivedFrom = "derived_from"

  /// A dense index 0..<allCases.count, for array-backed maps.
  var ordinal: Int {
    switch self {
    case .quantity: return 0
    case .value: return 1
    case .low: return 2
    case .high: return 3
    case .text: return 4
    case .period: return 5
    case .coverage: return 6
    case .id: return 7
    case .unit: return 8
    case .source: return 9
    case .published: return 10
    case .document: return 11
    case .quote: return 12
    case .method: return 13
    case .note: return 14
    case .derivedFrom: return 15
    }
  }

  /// The column a header name denotes: case-insensitive, surrounding whitespace ignored,
  /// and inner spaces or hyphens read as underscores (`Derived From` → `derived_from`).
  init?(headerName: String) {
    // Spaces and hyphens read as underscores (a character map: the generic `replacing` took a
    // sixth of a report of many small quantities, which maps a header per quantity).
    var key = CSVTable.normalizedName(headerName)
    if key.utf8.contains(where: { $0 == 0x20 || $0 == 0x2D }) {
      key = String(decoding: key.utf8.map { $0 == 0x20 || $0 == 0x2D ? 0x5F : $0 }, as: UTF8.self)
    }
    self.init(rawValue: key)
  }

  /// The column an HXL hashtag denotes, for header names that are not known columns; the
  /// mapping table is documented on ``FiguresReader`` (keep the two in step).
  init?(hashtag: String) {
    let compact = hashtag.lowercased().filter { !$0.isWhitespace }
    guard compact.hasPrefix("#") else { return nil }
    let parts = compact.dropFirst().split(separator: "+").map(String.init)
    guard let base = parts.first else { return nil }
    let attributes = Set(parts.dropFirst())
    func has(_ names: String...) -> Bool { names.contains { attributes.contains($0) } }
    switch base {
    case "indicator", "item":
      if base == "indicator" && has("value", "num") { self = .value } else { self = .quantity }
    case "affected", "population", "value", "inneed", "targeted", "reached":
      if has("min") {
        self = .low
      } else if has("max") {
        self = .high
      } else {
        self = .value
      }
    case "date":
      self = has("reported", "published") ? .published : .period
    case "description":
      self = .note
    case "meta":
      if has("source") {
        self = .source
      } else if has("url", "document", "link") {
        self = .document
      } else if has("quote") {
        self = .quote
      } else if has("method") {
        self = .method
      } else if has("note", "comment") {
        self = .note
      } else if has("id") {
        self = .id
      } else if has("unit") {
        self = .unit
      } else if has("coverage") {
        self = .coverage
      } else if has("derived") {
        self = .derivedFrom
      } else if has("text") {
        self = .text
      } else if has("published") {
        self = .published
      } else if has("period") {
        self = .period
      } else {
        return nil
      }
    default:
      return nil
    }
  }
}

/// Which CSV column holds each known figures column; an array, not a dictionary, because it
/// is consulted for every cell.
struct ColumnMap: Sendable {
  private var indices = [Int?](repeating: nil, count: FigureColumn.allCases.count)

  /// The CSV column index of `column`, or `nil` when the file does not have it.
  subscript(column: FigureColumn) -> Int? {
    get { indices[column.ordinal] }
    set { indices[column.ordinal] = newValue }
  }

  /// Every mapped CSV column index.
  var mappedIndices: Set<Int> { Set(indices.compactMap { $0 }) }
}
