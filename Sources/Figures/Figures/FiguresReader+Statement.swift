/// A row's numeric cells as read (scale words allowed), and whether each read without error.
struct StatedCells {
  var value: Double?
  var low: Double?
  var high: Double?
  var valueOK = true
  var lowOK = true
  var highOK = true

  /// Whether a numeric cell is filled (a bad number counts: it is already an error).
  var hasNumber: Bool { value != nil || low != nil || high != nil || !allOK }

  /// Whether every numeric cell read without error.
  var allOK: Bool { valueOK && lowOK && highOK }

  /// The filled cells, as a message names them: "value 300000", "low 10000, high 300000".
  var described: String {
    let named: [(String, Double?)] = [("value", value), ("low", low), ("high", high)]
    return named.compactMap { name, x in x.map { "\(name) \(formatNumber($0))" } }.joined(separator: ", ")
  }
}

/// A text's reading by the wording grammar, or nil (cached per distinct text).
typealias WordingReading = (kind: FigureKind, number: Double)?

/// What a row says it is: its kind (`kind`, the wording of `text`, or the cells) and its
/// measure (`measure`, or the period), with the errors of a statement that contradicts itself.
extension FiguresBuilder {
  /// The grammar's reading of a `text` cell (``FigureWording/reading(_:)``), each distinct
  /// text read once.
  mutating func wording(_ printed: String) -> WordingReading {
    if let cached = wordingCache[printed] { return cached }
    let reading = FigureWording.reading(printed)
    wordingCache[printed] = reading
    return reading
  }

  /// The word in `column` as one of `Word`'s cases: case-insensitive, spaces and hyphens
  /// read as underscores (`at least` → `at_least`); nil for an empty or absent cell, and for
  /// an unknown word, which is an error listing the accepted words (nearest first).
  mutating func word<Word: RawRepresentable & CaseIterable>(
    _ type: Word.Type, _ column: FigureColumn, _ record: CSVRecord
  ) -> (Word?, CSVField?) where Word.RawValue == String {
    guard let field = cell(column, record) else { return (nil, nil) }
    let raw = field.value.trimmingWhitespace()
    if raw.isEmpty { return (nil, field) }
    let key = String(raw.lowercased().map { $0 == " " || $0 == "-" ? "_" : $0 })
    if let word = Word(rawValue: key) { return (word, field) }
    let accepted = Word.allCases.map(\.rawValue)
    let hint = NearestNames.nearest(to: key, among: accepted, limit: 1).first.map { "did you mean '\($0)'? " } ?? ""
    errors.append(
      .error(
        "unknown \(column.rawValue) '\(Diagnostic.excerpt(raw))' in column \(headerName(column)): \(hint)(accepted: \(accepted.joined(separator: ", ")))",
        at: location(field)))
    return (nil, field)
  }

  /// The row's kind and whether it was stated. A stated `kind` wins; else a `text` in the
  /// wording grammar gives it (a bare number a point, unless the cells give a range); else
  /// the cells (``Figure/inferredKind(value:low:high:)``). A text in the grammar fills the
  /// empty numeric cells (its number goes to `value`, `low` for at_least, `high` for at_most)
  /// or must agree with the filled ones. A stated kind or one given by the text must agree
  /// with the cells. A bound may be given in `value` (``FigureKind``: `low` or `value` is an
  /// at_least figure's bound): it stays there.
  mutating func statementKind(
    _ record: CSVRecord, cells: inout StatedCells, printed: String, reading: WordingReading,
    verbal: VerbalQuantity?
  ) -> (FigureKind, Bool) {
    let (stated, kindField) = word(FigureKind.self, .kind, record)
    let inferred = Figure.inferredKind(value: cells.value, low: cells.low, high: cells.high)
    // Bad numbers are errors already: nothing is checked against them.
    guard cells.allOK else { return (stated ?? inferred, stated != nil) }
    let rowLocation = SourceLocation(path: path, line: record.line)
    let textLocation = cell(.text, record).map(location) ?? rowLocation
    var kind = stated ?? inferred
    // Where a contradiction is reported, and how the kind is named there.
    var at = kindField.map(location) ?? rowLocation
    var said = "kind \(kind.rawValue)"
    if let reading {
      let textSays = "text '\(Diagnostic.excerpt(printed))' (\(FigureWording.describe(reading.kind, reading.number)))"
      if let stated {
        let compatible =
          reading.kind == .point || reading.kind == stated || (reading.kind == .about && stated == .range)
        guard compatible else {
          errors.append(.error("kind \(stated.rawValue) contradicts \(textSays)", at: at))
          return (stated, true)
        }
      } else {
        let bothEnds = cells.low != nil && cells.high != nil
        kind = (reading.kind == .point || reading.kind == .about) && bothEnds ? .range : reading.kind
        at = textLocation
        said = "\(textSays), a figure of kind \(kind.rawValue),"
      }
      if !cells.hasNumber {
        switch kind {
        case .atLeast: cells.low = reading.number
        case .atMost: cells.high = reading.number
        case .point, .about, .range: cells.value = reading.number
        }
      } else {
        let slot: Double?
        switch kind {
        case .atLeast: slot = cells.low ?? cells.value
        case .atMost: slot = cells.high ?? cells.value
        case .point, .about, .range: slot = cells.value
        }
        guard let slot, abs(slot - reading.number) <= 1e-9 * max(abs(slot), abs(reading.number)) else {
          errors.append(
            .error("\(textSays) disagrees with the cells: \(cells.described)", at: textLocation))
          return (kind, stated != nil)
        }
      }
    } else if stated == nil {
      return (inferred, false)
    }
    checkKind(kind, said: said, cells: cells, verbal: verbal, at: at)
    return (kind, stated != nil)
  }

  /// The errors of a stated (or worded) kind that the cells contradict.
  private mutating func checkKind(
    _ kind: FigureKind, said: String, cells: StatedCells, verbal: VerbalQuantity?, at: SourceLocation
  ) {
    let message: String?
    switch kind {
    case .atLeast:
      if let high = cells.high {
        message =
          "\(said) has a high (\(formatNumber(high))): an at_least figure has no upper end; give its bound in low or value, or make it a range"
      } else {
        message = cells.low == nil && cells.value == nil ? "\(said) needs its bound in low or value" : nil
      }
    case .atMost:
      if let low = cells.low {
        message =
          "\(said) has a low (\(formatNumber(low))): an at_most figure has no lower end; give its bound in high or value, or make it a range"
      } else {
        message = cells.high == nil && cells.value == nil ? "\(said) needs its bound in high or value" : nil
      }
    case .range:
      let verbalOnly = verbal != nil && cells.low == nil && cells.high == nil
      message =
        (cells.low != nil && cells.high != nil) || verbalOnly
        ? nil : "\(said) needs both low and high (or a verbal text): it has \(describedOrNothing(cells))"
    case .point, .about:
      if cells.low != nil || cells.high != nil {
        message =
          "\(said) has \(cells.low != nil && cells.high != nil ? "low and high" : cells.low != nil ? "a low" : "a high") (\(cells.described)): it is one number; give it in value, or make it a range"
      } else {
        message = cells.value == nil ? "\(said) needs a value" : nil
      }
    }
    if let message { errors.append(.error(message, at: at)) }
  }

  private func describedOrNothing(_ cells: StatedCells) -> String {
    let d = cells.described
    return d.isEmpty ? "no number" : d
  }

  /// The row's measure and whether it was stated: `measure`, else a stock for a single-day
  /// period and a flow otherwise. A stock over a period that spans years is an error.
  mutating func statementMeasure(_ record: CSVRecord, period: Period?) -> (FigureMeasure, Bool) {
    let (stated, field) = word(FigureMeasure.self, .measure, record)
    let singleDay = period.map { $0.start == $0.end } ?? false
    let measure = stated ?? (singleDay ? .stock : .flow)
    if measure == .stock, let period, period.spansYears {
      let at = (field ?? cell(.period, record)).map(location) ?? SourceLocation(path: path, line: record.line)
      errors.append(
        .error(
          "a stock over a period that spans years (\(Diagnostic.excerpt(period.text))): a stock is a level at a date or in one year; make it a flow, or give the date or year it stands at",
          at: at))
    }
    return (measure, stated != nil)
  }

  /// The errors of a cumulative total that is not one: a running total is one count (kind
  /// `point` or `about`, not a range or a bound) and needs the date it runs to — a day
  /// (`2024-12-31`), a year (through its end: `2024`) or `START/END` stating its start; a
  /// month alone (`2024-06`) does not say which day it runs to. A period that did not parse is
  /// an error already.
  mutating func checkCumulative(
    _ record: CSVRecord, kind: FigureKind, cells: StatedCells, period: Period?, periodGiven: Bool
  ) {
    let rowLocation = SourceLocation(path: path, line: record.line)
    let measureAt = cell(.measure, record).map(location) ?? rowLocation
    if cells.allOK && kind != .point && kind != .about {
      let stated = cell(.kind, record).flatMap { $0.value.trimmingWhitespace().isEmpty ? nil : $0 }
      let at = stated.map(location) ?? measureAt
      errors.append(
        .error(
          "a cumulative total is one count (kind point or about), not a \(kind == .range ? "range" : "bound") (\(kind.rawValue)): give the running total in value",
          at: at))
    }
    if let period, period.isSingleMonth {
      let at = cell(.period, record).map(location) ?? rowLocation
      errors.append(
        .error(
          "a cumulative total runs to a date, and the month \(Diagnostic.excerpt(period.text)) does not say which day: give YYYY-MM-DD, a year YYYY (through its end) or START/END",
          at: at))
    } else if period == nil && !periodGiven {
      errors.append(
        .error(
          "a cumulative total needs the date it runs to in period: YYYY-MM-DD, a year YYYY (through its end) or START/END (stating its start)",
          at: measureAt))
    }
  }
}
