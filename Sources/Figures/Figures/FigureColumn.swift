/// The columns a figures file may have: the one description of the format (see the CLI
/// contract, "Figures files", and `datasets/README.md`). Each column is listed once, with its
/// name (`rawValue`), what it means (``meaning``) and what an empty or absent cell means
/// (``whenEmpty``). ``ColumnMap/init(header:hashtags:)`` maps a header to these columns for
/// every reader of the format: ``FiguresReader``, ``StreamingValidator`` and ``QuantitySpill``.
public enum FigureColumn: String, CaseIterable, Sendable {
  case quantity, value, low, high, text, period, coverage, id, unit, source, published
  case document, quote, method, note
  case derivedFrom = "derived_from"
  case kind, measure, series, supersedes, scope, evidence

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
    case .kind: return 16
    case .measure: return 17
    case .series: return 18
    case .supersedes: return 19
    case .scope: return 20
    case .evidence: return 21
    }
  }

  /// What the column holds, in a sentence (the format's documentation says the same).
  public var meaning: String {
    switch self {
    case .quantity: return "machine name of what is counted (required)"
    case .value: return "the stated number; with low and high, the stated centre of the range"
    case .low: return "the lower end of a range, or the bound of an at_least figure"
    case .high: return "the upper end of a range, or the bound of an at_most figure"
    case .text: return "the figure as printed: a number, a hedge or bound and a number, or a verbal quantity"
    case .period: return "the reference period: YYYY, YYYY-MM, YYYY-MM-DD or START/END"
    case .coverage:
      return "the probability that low–high holds the true value (a fraction or a percentage; 1 for a hard count range)"
    case .id: return "a unique name for the row"
    case .unit: return "the unit counted"
    case .source: return "who published the figure"
    case .published: return "when it was published"
    case .document: return "where: a URL or document reference"
    case .quote: return "the sentence the figure was taken from"
    case .method: return "how the source arrived at it"
    case .note: return "free-text remarks"
    case .derivedFrom: return "ids of the figures this one restates (split on ;)"
    case .kind: return "point, range, at_least, at_most or about"
    case .measure: return "stock (a level at a date or in a year) or flow (a count over a period)"
    case .series: return "one organisation's continuing estimate"
    case .supersedes: return "ids of the figures this one revises (split on ;)"
    case .scope: return "what part of the quantity the figure covers, when narrower than it"
    case .evidence: return "a name shared by figures that rest on one underlying estimate"
    }
  }

  /// What an empty cell (or an absent column) means: "not stated", and what is then used.
  public var whenEmpty: String {
    switch self {
    case .quantity: return "an error"
    case .value, .low, .high: return "not stated"
    case .text: return "not stated; a row needs value, low, high or text"
    case .period: return "no period"
    case .coverage: return "the run's --coverage, else Figure.defaultCoverage (\(Figure.defaultCoverage))"
    case .id: return "<file stem>:<line>"
    case .kind: return "inferred from the text's wording, else from the cells (Figure.inferredKind)"
    case .measure: return "stock for a single-day period, flow otherwise"
    case .series: return "the source is the series"
    case .scope: return "the whole quantity"
    case .unit, .source, .published, .document, .quote, .method, .note, .derivedFrom, .supersedes, .evidence:
      return "not stated"
    }
  }

  /// The columns that say what a statement is (`kind`, `measure`, `series`, `supersedes`,
  /// `scope`, `evidence`): the plain rows of `ranges`, which read raw records, leave files
  /// with them to ``FiguresReader`` (``QuantitySpill/columns``).
  public static let statementColumns: [FigureColumn] = [.kind, .measure, .series, .supersedes, .scope, .evidence]

  /// The column a header name denotes: case-insensitive, surrounding whitespace ignored,
  /// and inner spaces or hyphens read as underscores (`Derived From` → `derived_from`).
  public init?(headerName: String) {
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
  public init?(hashtag: String) {
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
      guard let column = Self.metaColumn(attributes) else { return nil }
      self = column
    default:
      return nil
    }
  }

  /// The column of a `#meta` hashtag, by its attributes (first match in this order).
  private static func metaColumn(_ attributes: Set<String>) -> FigureColumn? {
    let order: [(attribute: [String], column: FigureColumn)] = [
      (["source"], .source), (["url", "document", "link"], .document), (["quote"], .quote),
      (["method"], .method), (["note", "comment"], .note), (["id"], .id), (["unit"], .unit),
      (["coverage"], .coverage), (["derived"], .derivedFrom), (["text"], .text), (["published"], .published),
      (["period"], .period), (["kind"], .kind), (["measure"], .measure), (["series"], .series),
      (["supersedes"], .supersedes), (["scope"], .scope), (["evidence"], .evidence),
    ]
    return order.first { entry in entry.attribute.contains { attributes.contains($0) } }?.column
  }
}

/// Which CSV column holds each known figures column, for one file's header: the one mapping
/// of a header to the format (``init(header:hashtags:)``), used by the figures reader, the
/// streaming validator and the rows sorted by quantity. An array, not a dictionary, because
/// it is consulted for every cell.
public struct ColumnMap: Sendable, Hashable {
  private var indices = [Int?](repeating: nil, count: FigureColumn.allCases.count)
  /// The header's fields, as written.
  public private(set) var names: [String] = []
  /// The CSV column indices that map to no known column, in order: passed through in
  /// ``Figure/extra`` under their header names.
  public private(set) var extraIndices: [Int] = []

  /// Maps a header: each known column to the first header name that denotes it
  /// (``FigureColumn/init(headerName:)``); then, for the header names that are not known
  /// columns, the hashtags of an HXL row (`hashtags`, the row's cells in order), when the
  /// column they denote is not mapped yet.
  public init(header: [String], hashtags: [String]? = nil) {
    names = header
    var named = [Bool](repeating: false, count: header.count)
    for (index, name) in header.enumerated() {
      guard let column = FigureColumn(headerName: name) else { continue }
      named[index] = true
      if self[column] == nil { self[column] = index }
    }
    if let hashtags {
      for (index, tag) in hashtags.enumerated() {
        guard index < header.count, !named[index], let column = FigureColumn(hashtag: tag), self[column] == nil
        else { continue }
        self[column] = index
      }
    }
    let mapped = Set(indices.compactMap { $0 })
    extraIndices = header.indices.filter { !mapped.contains($0) }
  }

  /// The CSV column index of `column`, or `nil` when the file does not have it.
  public subscript(column: FigureColumn) -> Int? {
    get { indices[column.ordinal] }
    set { indices[column.ordinal] = newValue }
  }

  /// Fields per row: the header's field count.
  public var count: Int { names.count }

  /// Every mapped CSV column index.
  var mappedIndices: Set<Int> { Set(indices.compactMap { $0 }) }

  /// Whether the file has any of ``FigureColumn/statementColumns``.
  public var hasStatementColumns: Bool { FigureColumn.statementColumns.contains { self[$0] != nil } }

  // Accessors that keep column reads short (`columns.value`).
  public var quantity: Int? { self[.quantity] }
  public var value: Int? { self[.value] }
  public var low: Int? { self[.low] }
  public var high: Int? { self[.high] }
  public var text: Int? { self[.text] }
  public var period: Int? { self[.period] }
  public var coverage: Int? { self[.coverage] }
  public var id: Int? { self[.id] }
  public var unit: Int? { self[.unit] }
  public var source: Int? { self[.source] }
  public var published: Int? { self[.published] }
  public var document: Int? { self[.document] }
  public var derivedFrom: Int? { self[.derivedFrom] }
}
