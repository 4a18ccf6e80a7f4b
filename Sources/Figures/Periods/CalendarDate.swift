/// A day of the proleptic Gregorian calendar, always valid when built with
/// `init?(year:month:day:)`.
///
/// Ordering is chronological.
public struct CalendarDate: Sendable, Hashable, Comparable, CustomStringConvertible {
  /// The year, 1...9999 for dates read from files.
  public var year: Int
  /// The month, 1...12.
  public var month: Int
  /// The day of the month, 1...`CalendarDate.daysIn(month:year:)`.
  public var day: Int

  /// A validated date, or `nil` when the day does not exist (2002-02-30, 2001-02-29,
  /// month 13, day 0).
  public init?(year: Int, month: Int, day: Int) {
    guard (1...12).contains(month), day >= 1, day <= CalendarDate.daysIn(month: month, year: year)
    else { return nil }
    self.year = year
    self.month = month
    self.day = day
  }

  /// Whether `year` is a Gregorian leap year: divisible by 4, except centuries not divisible
  /// by 400 (2000 is, 1900 is not).
  public static func isLeapYear(_ year: Int) -> Bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
  }

  /// The number of days in `year`: 366 in leap years, else 365.
  public static func daysIn(year: Int) -> Int { isLeapYear(year) ? 366 : 365 }

  /// The number of days in `month` (1...12) of `year`; 0 for a month outside 1...12.
  public static func daysIn(month: Int, year: Int) -> Int {
    switch month {
    case 1, 3, 5, 7, 8, 10, 12: return 31
    case 4, 6, 9, 11: return 30
    case 2: return isLeapYear(year) ? 29 : 28
    default: return 0
    }
  }

  /// The 1-based day of the year (1 January is 1, 31 December is 365 or 366).
  public var dayOfYear: Int {
    var total = day
    var m = 1
    while m < month {
      total += CalendarDate.daysIn(month: m, year: year)
      m += 1
    }
    return total
  }

  /// `YYYY-MM-DD`.
  public var description: String {
    func pad(_ value: Int, _ width: Int) -> String {
      let digits = String(value)
      return digits.count >= width
        ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
    return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
  }

  /// Chronological order.
  public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
    (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
  }
}
