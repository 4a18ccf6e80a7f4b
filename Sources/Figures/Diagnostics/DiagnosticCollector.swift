/// The first diagnostics of a run, in file order, and how many there were in all.
///
/// Readers report every error they find, but a file with millions of bad rows must not hold
/// millions of messages: the CLI prints the first ``defaultLimit`` and a count of the rest,
/// so that is all a collector keeps. Diagnostics may arrive out of file order (a header's
/// duplicate names are found after its rows are read); the ones kept are always the first
/// `limit` by line, then column, then arrival.
///
/// - Complexity: `append` is amortised O(log limit); memory is O(limit) diagnostics,
///   whatever the number appended.
public struct DiagnosticCollector: Sendable {
  /// How many diagnostics the CLI prints, and so how many a collector keeps by default.
  public static let defaultLimit = 100

  /// The most kept.
  public let limit: Int
  /// Whether the ones kept are the first by location (one file's diagnostics, in any order)
  /// or the first to arrive (several files' lists, each already in file order).
  public let inFileOrder: Bool
  /// How many were appended, kept or not.
  public private(set) var total = 0
  /// Kept diagnostics with their arrival number, unsorted; pruned to `limit` whenever it
  /// reaches twice that.
  private var entries: [(sequence: Int, diagnostic: Diagnostic)] = []

  /// An empty collector keeping at most `limit` diagnostics (at least one): the first by
  /// line and column, or with `inFileOrder: false` the first appended.
  public init(limit: Int = DiagnosticCollector.defaultLimit, inFileOrder: Bool = true) {
    self.limit = max(1, limit)
    self.inFileOrder = inFileOrder
  }

  /// A collector holding `diagnostics` (the first `limit` of them in file order).
  public init(_ diagnostics: some Sequence<Diagnostic>, limit: Int = DiagnosticCollector.defaultLimit) {
    self.init(limit: limit)
    append(contentsOf: diagnostics)
  }

  /// Whether nothing was appended.
  public var isEmpty: Bool { total == 0 }

  /// The diagnostics kept: the first `limit` in file order.
  public var diagnostics: [Diagnostic] {
    (inFileOrder ? Self.sorted(entries) : entries).prefix(limit).map(\.diagnostic)
  }

  /// How many were appended but not kept.
  public var omitted: Int { total - min(entries.count, limit) }

  /// Adds one diagnostic.
  public mutating func append(_ diagnostic: Diagnostic) {
    defer { total += 1 }
    if !inFileOrder && entries.count >= limit { return }
    entries.append((total, diagnostic))
    if entries.count >= 2 * limit {
      entries = Array(Self.sorted(entries).prefix(limit))
    }
  }

  /// Adds each of `diagnostics`, in order.
  public mutating func append(contentsOf diagnostics: some Sequence<Diagnostic>) {
    for d in diagnostics { append(d) }
  }

  /// Adds what `other` kept, and counts what it did not.
  public mutating func append(contentsOf other: DiagnosticCollector) {
    append(contentsOf: other.diagnostics, omitted: other.omitted)
  }

  /// Adds `diagnostics`, and counts `omitted` more that were not kept.
  public mutating func append(contentsOf diagnostics: [Diagnostic], omitted: Int) {
    append(contentsOf: diagnostics)
    total += max(0, omitted)
  }

  /// `FiguresError.invalid` with the diagnostics kept and the count of the others.
  public var invalid: FiguresError { .invalid(diagnostics, omitted: omitted) }

  /// Stable order by line, then column (a missing column first on its line), then arrival.
  private static func sorted(
    _ entries: [(sequence: Int, diagnostic: Diagnostic)]
  ) -> [(sequence: Int, diagnostic: Diagnostic)] {
    entries.sorted { a, b in
      let la = a.diagnostic.location
      let lb = b.diagnostic.location
      if la.line != lb.line { return la.line < lb.line }
      let ca = la.column ?? 0
      let cb = lb.column ?? 0
      if ca != cb { return ca < cb }
      return a.sequence < b.sequence
    }
  }
}

extension Diagnostic {
  /// The most characters of a user's text quoted in a message.
  public static let quotedTextLimit = 200

  /// `text` as quoted in a message: at most ``quotedTextLimit`` characters, the rest cut
  /// off with "…" (so that a megabyte cell does not make a megabyte message).
  public static func excerpt(_ text: some StringProtocol, limit: Int = Diagnostic.quotedTextLimit) -> String {
    var end = text.startIndex
    var n = 0
    while end < text.endIndex {
      if n == limit { return String(text[..<end]) + "…" }
      text.formIndex(after: &end)
      n += 1
    }
    return String(text)
  }
}

/// Reads every file of `paths` with `read`, in order, passing each file's warnings to
/// `warning`; the diagnostics of all the files are gathered (the first ones kept, the rest
/// counted) so that one run reports every bad file, not just the first.
///
/// - Throws: `FiguresError.invalid` with every file's diagnostics; or, when some file failed
///   otherwise (missing, unreadable), that first failure, after `report` received the
///   diagnostics gathered so far (which the error does not carry).
public func readEach<T>(
  _ paths: [String], read: (String) throws(FiguresError) -> T, warnings: (T) -> [Diagnostic],
  warning: (Diagnostic) -> Void, report: (DiagnosticCollector) -> Void
) throws(FiguresError) -> [T] {
  var files: [T] = []
  // The files' diagnostics one after the other; only the first are kept (as printed).
  var diagnostics = DiagnosticCollector(inFileOrder: false)
  var firstOther: FiguresError? = nil
  for path in paths {
    do throws(FiguresError) {
      let f = try read(path)
      for w in warnings(f) { warning(w) }
      files.append(f)
    } catch {
      if case .invalid(let d, let omitted) = error {
        diagnostics.append(contentsOf: d, omitted: omitted)
      } else if firstOther == nil {
        firstOther = error
      }
    }
  }
  if let e = firstOther {
    report(diagnostics)
    throw e
  }
  if !diagnostics.isEmpty { throw diagnostics.invalid }
  return files
}
