import Testing

@testable import Figures

@Suite("Periods")
struct PeriodTests {
  struct Case: Sendable, CustomTestStringConvertible {
    var text: String
    var start: String
    var end: String
    var days: Int
    var daysInYear: Int
    var testDescription: String { text }
  }

  static let valid: [Case] = [
    Case(text: "2002", start: "2002-01-01", end: "2002-12-31", days: 365, daysInYear: 365),
    Case(text: "2004", start: "2004-01-01", end: "2004-12-31", days: 366, daysInYear: 366),
    Case(text: "2002-07", start: "2002-07-01", end: "2002-07-31", days: 31, daysInYear: 365),
    Case(text: "2002-02", start: "2002-02-01", end: "2002-02-28", days: 28, daysInYear: 365),
    Case(text: "2004-02", start: "2004-02-01", end: "2004-02-29", days: 29, daysInYear: 366),
    Case(text: "2002-07-15", start: "2002-07-15", end: "2002-07-15", days: 1, daysInYear: 365),
    Case(text: "2000-02-29", start: "2000-02-29", end: "2000-02-29", days: 1, daysInYear: 366),
    Case(
      text: "2002-01-01/2002-07-30", start: "2002-01-01", end: "2002-07-30", days: 211,
      daysInYear: 365),
    Case(
      text: "2004-01-01/2004-07-30", start: "2004-01-01", end: "2004-07-30", days: 212,
      daysInYear: 366),
    Case(
      text: "2002-01/2002-06", start: "2002-01-01", end: "2002-06-30", days: 181, daysInYear: 365),
    Case(
      text: "2002-03-05/2002-03-05", start: "2002-03-05", end: "2002-03-05", days: 1,
      daysInYear: 365),
    Case(text: "2002/2002", start: "2002-01-01", end: "2002-12-31", days: 365, daysInYear: 365),
  ]

  @Test("each form, its dates and exposure", arguments: valid)
  func parses(_ c: Case) throws {
    let period = try Period.parse(c.text).get()
    #expect(period.start.description == c.start)
    #expect(period.end.description == c.end)
    #expect(period.days == c.days)
    #expect(period.year == Int(c.start.prefix(4)))
    #expect(period.exposure == Double(c.days) / Double(c.daysInYear))
    #expect(period.isPartial == (c.days < c.daysInYear))
    #expect(period.description == c.text)
  }

  @Test("exposure of 2002-01-01/2002-07-30 is 211/365")
  func exposureExample() throws {
    let period = try Period.parse("2002-01-01/2002-07-30").get()
    #expect(period.exposure == 211.0 / 365.0)
    #expect(period.isPartial)
    #expect(try Period.parse("2002").get().exposure == 1)
    #expect(try !Period.parse("2002").get().isPartial)
  }

  @Test("an interval over year ends is a period of several years, its exposure their fractions summed")
  func multiYear() throws {
    let bucket = try Period.parse("1999/2001").get()
    #expect(bucket.spansYears && bucket.years == 1999...2001 && bucket.days == 365 + 366 + 365 && bucket.exposure == 3)
    // 2003-03-18 to 2006-06-30: 289 days of 2003, all of 2004 (leap) and 2005, 181 days of 2006.
    let survey = try Period.parse("2003-03-18/2006-06-30").get()
    #expect(survey.years == 2003...2006 && survey.days == 289 + 366 + 365 + 181)
    #expect(abs(survey.exposure - (289.0 / 365 + 2 + 181.0 / 365)) < 1e-15)
    let split = try Period.parse("2001-07/2002-06").get()
    #expect(split.spansYears && abs(split.exposure - (184.0 / 365 + 181.0 / 365)) < 1e-15)
    #expect(!(try Period.parse("2002-01/2002-06").get().spansYears))
  }

  @Test(
    "rejected periods and their reasons",
    arguments: [
      ("2002-02-30", "2002-02-30 is not a valid date: February 2002 has 28 days"),
      ("2001-02-29", "2001-02-29 is not a valid date: February 2001 has 28 days"),
      ("1900-02-29", "1900-02-29 is not a valid date: February 1900 has 28 days"),
      ("2002-04-31", "2002-04-31 is not a valid date: April 2002 has 30 days"),
      ("2002-13", "2002-13 is not a valid date: month 13 is not 01-12"),
      ("2002-07-30/2002-01-01", "interval 2002-07-30/2002-01-01 ends before it starts"),
      ("02", "'02' is not a period: expected YYYY, YYYY-MM, YYYY-MM-DD or START/END"),
      ("2002-7-1", "'2002-7-1' is not a period: expected YYYY, YYYY-MM, YYYY-MM-DD or START/END"),
      ("July 2002", "'July 2002' is not a period: expected YYYY, YYYY-MM, YYYY-MM-DD or START/END"),
      (
        "2002/2003/2004",
        "'2002/2003/2004' is not a period: expected YYYY, YYYY-MM, YYYY-MM-DD or START/END"
      ),
      ("2002-01-01/", "'' is not a period: expected YYYY, YYYY-MM, YYYY-MM-DD or START/END"),
    ])
  func rejected(_ text: String, _ reason: String) {
    switch Period.parse(text) {
    case .success(let period): Issue.record("accepted \(period)")
    case .failure(let error): #expect(error.description == reason)
    }
  }

  @Test("calendar dates are validated and ordered")
  func dates() throws {
    #expect(CalendarDate(year: 2002, month: 2, day: 30) == nil)
    #expect(CalendarDate(year: 2000, month: 2, day: 29) != nil)
    #expect(CalendarDate(year: 2002, month: 0, day: 1) == nil)
    let a = try #require(CalendarDate(year: 2002, month: 1, day: 31))
    let b = try #require(CalendarDate(year: 2002, month: 2, day: 1))
    #expect(a < b)
    #expect(b.dayOfYear == 32)
    #expect(try #require(CalendarDate(year: 2004, month: 12, day: 31)).dayOfYear == 366)
  }
}
