import Figures

/// The cells of the CSV files' date columns (`published`, `period`): ISO 8601 intervals of
/// calendar dates, `YYYY-MM-DD/YYYY-MM-DD`, both days included (issue #30).
///
/// A figures file writes a date as precisely as its source gives it — `2002`, `2002-11`,
/// `2002-11-15` or an interval of these — and a spreadsheet reads those as a number (2002),
/// text (`2002-11` in LibreOffice, a date in Excel) and a date, so a column of them sorts in no
/// useful order. Written as the interval of days they cover, every cell of the column is text
/// of one width (21 characters), which no spreadsheet turns into a number or a date, and text
/// order is time order (by first day, then last day); the precision stays readable
/// (`2002-01-01/2002-12-31` is the year 2002, `2002-11-01/2002-11-30` November 2002, a day is
/// `2002-11-15/2002-11-15`). A year as a number, for a chart's axis, is in the `year` column
/// where a file has one. Text that is not a date (`undated`) is written as it is.
enum ISODates {
  /// The length of an interval's text.
  static let width = 21

  /// `start/end` as `YYYY-MM-DD/YYYY-MM-DD`, passed to `body` without building a String.
  static func withInterval<R>(
    _ start: CalendarDate, _ end: CalendarDate, _ body: (UnsafeBufferPointer<UInt8>) -> R
  ) -> R {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: width) { buffer in
      write(start, into: buffer, at: 0)
      buffer[10] = 0x2F
      write(end, into: buffer, at: 11)
      return body(UnsafeBufferPointer(buffer))
    }
  }

  /// The interval of a period: `2002` → `2002-01-01/2002-12-31`.
  static func interval(_ period: Period) -> String {
    withInterval(period.start, period.end) { String(decoding: $0, as: UTF8.self) }
  }

  /// A date column's cell for `text`: its interval when it reads as `YYYY`, `YYYY-MM`,
  /// `YYYY-MM-DD` or `START/END` of these (``Period``'s forms), else `text` as written.
  static func cell(_ text: String) -> String {
    var copy = text
    return copy.withUTF8 { bytes in
      withCell(bytes) { iso in iso.map { String(decoding: $0, as: UTF8.self) } ?? text }
    }
  }

  /// Passes `body` the interval `text` reads as (see ``cell(_:)``), or nil when it is not a
  /// date; no allocation.
  static func withCell<R>(_ text: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>?) -> R) -> R {
    guard let (start, end) = parse(text) else { return body(nil) }
    return withInterval(start, end, body)
  }

  /// The first and last day of `YYYY`, `YYYY-MM`, `YYYY-MM-DD` or `START/END` (spaces around
  /// it ignored), nil for anything else, a date that does not exist or an end before its start.
  static func parse(_ text: UnsafeBufferPointer<UInt8>) -> (CalendarDate, CalendarDate)? {
    var lo = 0
    var hi = text.count
    while lo < hi && text[lo] == 0x20 { lo += 1 }
    while hi > lo && text[hi - 1] == 0x20 { hi -= 1 }
    guard hi - lo >= 4, hi - lo <= width else { return nil }
    var slash = lo
    while slash < hi && text[slash] != 0x2F { slash += 1 }
    guard let first = span(text, lo, slash) else { return nil }
    if slash == hi { return first }
    guard let second = span(text, slash + 1, hi), !(second.1 < first.0) else { return nil }
    return (first.0, second.1)
  }

  /// The first and last day of `YYYY`, `YYYY-MM` or `YYYY-MM-DD` in `text[from..<to]`.
  private static func span(_ text: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int)
    -> (CalendarDate, CalendarDate)?
  {
    func number(_ at: Int, _ digits: Int) -> Int? {
      var n = 0
      for i in at..<(at + digits) {
        let d = text[i] &- 0x30
        guard d < 10 else { return nil }
        n = n * 10 + Int(d)
      }
      return n
    }
    let length = to - from
    guard length == 4 || length == 7 || length == 10, let year = number(from, 4), year >= 1 else { return nil }
    if length == 4 {
      guard let a = CalendarDate(year: year, month: 1, day: 1), let b = CalendarDate(year: year, month: 12, day: 31)
      else { return nil }
      return (a, b)
    }
    guard text[from + 4] == 0x2D, let month = number(from + 5, 2), (1...12).contains(month) else { return nil }
    if length == 7 {
      let days = CalendarDate.daysIn(month: month, year: year)
      guard let a = CalendarDate(year: year, month: month, day: 1),
        let b = CalendarDate(year: year, month: month, day: days)
      else { return nil }
      return (a, b)
    }
    guard text[from + 7] == 0x2D, let day = number(from + 8, 2),
      let d = CalendarDate(year: year, month: month, day: day)
    else { return nil }
    return (d, d)
  }

  /// Writes `YYYY-MM-DD` (a year of up to four digits, zero-padded) at `offset`.
  private static func write(_ date: CalendarDate, into buffer: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
    func digits(_ value: Int, _ count: Int, _ at: Int) {
      var v = value
      for i in stride(from: at + count - 1, through: at, by: -1) {
        buffer[i] = UInt8(0x30 + v % 10)
        v /= 10
      }
    }
    digits(date.year, 4, offset)
    buffer[offset + 4] = 0x2D
    digits(date.month, 2, offset + 5)
    buffer[offset + 7] = 0x2D
    digits(date.day, 2, offset + 8)
  }
}
