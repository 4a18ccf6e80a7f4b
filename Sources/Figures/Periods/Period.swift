/// The reference period of a figure: a whole year, a month, a day or an inclusive interval
/// of dates, which may run over several calendar years.
///
/// Accepted forms (ISO 8601 calendar dates, 4-digit years):
///
/// | text | start | end |
/// |---|---|---|
/// | `2002` | 2002-01-01 | 2002-12-31 |
/// | `2002-07` | 2002-07-01 | 2002-07-31 |
/// | `2002-07-15` | 2002-07-15 | 2002-07-15 |
/// | `START/END` | start of START | end of END |
///
/// In an interval each side may itself be a year, month or day (`2002-01/2002-06` is January
/// to June, `1999/2001` the three years 1999 to 2001). The period's *exposure* is its length
/// in years: the fraction of each calendar year it covers, summed over the years it touches,
///
///     exposure = Σ over years y (days covered in y) / (days in y)
///
/// so `2002` has exposure 1, `2002-01-01/2002-07-30` has 211/365, `2004-02` has 29/366 and
/// `1999/2001` has 3. Count models use it as an offset log(exposure). An interval over a year
/// end (`2003-03-18/2006-06-30`) is a flow over several years (``spansYears``); a stock is a
/// level at one date or in one year, and the figures reader refuses a stock over several.
public struct Period: Sendable, Hashable, CustomStringConvertible {
  /// The text as written (whitespace trimmed).
  public var text: String
  /// The first day covered.
  public var start: CalendarDate
  /// The last day covered (inclusive).
  public var end: CalendarDate

  /// Creates a period from validated dates with `start <= end` (use `parse(_:)` for text).
  public init(text: String, start: CalendarDate, end: CalendarDate) {
    self.text = text
    self.start = start
    self.end = end
  }

  /// The calendar year of the period (its start's year).
  public var year: Int { start.year }

  /// The number of days covered, both ends included.
  public var days: Int {
    if end.year == start.year { return end.dayOfYear - start.dayOfYear + 1 }
    // Not produced by `parse`, but computed correctly for hand-built periods.
    var total = CalendarDate.daysIn(year: start.year) - start.dayOfYear + 1
    var y = start.year + 1
    while y < end.year {
      total += CalendarDate.daysIn(year: y)
      y += 1
    }
    return total + end.dayOfYear
  }

  /// Whether the period runs over a year end (a flow over several years).
  public var spansYears: Bool { end.year != start.year }

  /// The calendar years the period touches, first to last.
  public var years: ClosedRange<Int> { start.year...max(start.year, end.year) }

  /// The period's length in years: for a period within one year, the days covered divided by
  /// the days in that year (1 for a whole year); over several years, that fraction for each
  /// year it touches, summed.
  public var exposure: Double {
    if !spansYears { return Double(days) / Double(CalendarDate.daysIn(year: year)) }
    let first = CalendarDate.daysIn(year: start.year)
    var total = Double(first - start.dayOfYear + 1) / Double(first)
    var y = start.year + 1
    while y < end.year {
      total += 1
      y += 1
    }
    return total + Double(end.dayOfYear) / Double(CalendarDate.daysIn(year: end.year))
  }

  /// Whether the text is one month (`2002-07`), not a year, a day or an interval.
  public var isSingleMonth: Bool {
    !text.contains("/") && text.utf8.count(where: { $0 == 0x2D }) == 1
  }

  /// Whether the text is an interval `START/END`.
  public var isInterval: Bool { text.contains("/") }

  /// The fraction of the calendar year `year` the period covers: its days in that year over
  /// the days of the year (0 for a year it does not touch).
  public func fraction(of year: Int) -> Double {
    guard year >= start.year, year <= end.year else { return 0 }
    let days = CalendarDate.daysIn(year: year)
    let first = year == start.year ? start.dayOfYear : 1
    let last = year == end.year ? end.dayOfYear : days
    return Double(last - first + 1) / Double(days)
  }

  /// Whether the period covers less than its whole year (`exposure < 1`).
  public var isPartial: Bool { exposure < 1 }

  /// The text as written.
  public var description: String { text }

  /// Parses `YYYY`, `YYYY-MM`, `YYYY-MM-DD` or `START/END`.
  ///
  /// - Returns: the period, or the reason it is not one: malformed text, a date that does not
  ///   exist, or an end before its start.
  public static func parse(_ text: String) -> Result<Period, PeriodParseError> {
    let trimmed = text.trimmingWhitespace()
    if trimmed.isEmpty { return .failure(.malformed(text: trimmed)) }
    let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false)
    switch parts.count {
    case 1:
      return parseSpan(Substring(trimmed)).map {
        Period(text: trimmed, start: $0.start, end: $0.end)
      }
    case 2:
      let first: (start: CalendarDate, end: CalendarDate)
      let second: (start: CalendarDate, end: CalendarDate)
      switch parseSpan(parts[0]) {
      case .success(let span): first = span
      case .failure(let error): return .failure(error)
      }
      switch parseSpan(parts[1]) {
      case .success(let span): second = span
      case .failure(let error): return .failure(error)
      }
      if second.end < first.start {
        return .failure(.endBeforeStart(text: trimmed))
      }
      return .success(Period(text: trimmed, start: first.start, end: second.end))
    default:
      return .failure(.malformed(text: trimmed))
    }
  }

  /// Parses one `YYYY`, `YYYY-MM` or `YYYY-MM-DD` into its first and last day.
  private static func parseSpan(_ text: Substring) -> Result<
    (start: CalendarDate, end: CalendarDate), PeriodParseError
  > {
    let pieces = text.split(separator: "-", omittingEmptySubsequences: false)
    let widths = [4, 2, 2]
    guard (1...3).contains(pieces.count) else { return .failure(.malformed(text: String(text))) }
    var numbers: [Int] = []
    for (index, piece) in pieces.enumerated() {
      guard piece.utf8.count == widths[index], piece.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
        let number = Int(piece)
      else { return .failure(.malformed(text: String(text))) }
      numbers.append(number)
    }
    let year = numbers[0]
    guard year >= 1 else {
      return .failure(.invalidDate(text: String(text), reason: "year 0000 does not exist"))
    }
    if numbers.count == 1 {
      guard let start = CalendarDate(year: year, month: 1, day: 1),
        let end = CalendarDate(year: year, month: 12, day: 31)
      else { return .failure(.malformed(text: String(text))) }
      return .success((start, end))
    }
    let month = numbers[1]
    guard (1...12).contains(month) else {
      return .failure(.invalidDate(text: String(text), reason: "month \(month) is not 01-12"))
    }
    let monthDays = CalendarDate.daysIn(month: month, year: year)
    if numbers.count == 2 {
      guard let start = CalendarDate(year: year, month: month, day: 1),
        let end = CalendarDate(year: year, month: month, day: monthDays)
      else { return .failure(.malformed(text: String(text))) }
      return .success((start, end))
    }
    let day = numbers[2]
    guard let date = CalendarDate(year: year, month: month, day: day) else {
      return .failure(
        .invalidDate(
          text: String(text),
          reason: "\(monthName(month)) \(year) has \(monthDays) days"))
    }
    return .success((date, date))
  }

  private static func monthName(_ month: Int) -> String {
    let names = [
      "January", "February", "March", "April", "May", "June", "July", "August", "September",
      "October", "November", "December",
    ]
    return (1...12).contains(month) ? names[month - 1] : "month \(month)"
  }
}

/// Why a period's text was rejected; `description` is the reason shown to users.
public enum PeriodParseError: Error, Sendable, Hashable, CustomStringConvertible {
  /// Not one of the accepted forms.
  case malformed(text: String)
  /// Well formed, but the date does not exist.
  case invalidDate(text: String, reason: String)
  /// An interval whose end is before its start.
  case endBeforeStart(text: String)

  /// The reason, in words.
  public var description: String {
    switch self {
    case .malformed(let text):
      return "'\(Diagnostic.excerpt(text))' is not a period: expected YYYY, YYYY-MM, YYYY-MM-DD or START/END"
    case .invalidDate(let text, let reason):
      return "\(text) is not a valid date: \(reason)"
    case .endBeforeStart(let text):
      return "interval \(text) ends before it starts"
    }
  }
}
