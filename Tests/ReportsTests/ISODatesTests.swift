import Figures
import Testing

@testable import Reports

@Suite("CSV date columns: ISO intervals")
struct ISODatesTests {
  @Test(
    "Each precision becomes the interval of the days it covers",
    arguments: [
      ("2002", "2002-01-01/2002-12-31"), ("2002-11", "2002-11-01/2002-11-30"), ("2004-02", "2004-02-01/2004-02-29"),
      ("2002-11-15", "2002-11-15/2002-11-15"), ("1993/1998", "1993-01-01/1998-12-31"),
      ("2002-01-01/2002-07-30", "2002-01-01/2002-07-30"), ("2002-01/2002-06", "2002-01-01/2002-06-30"),
      (" 2002 ", "2002-01-01/2002-12-31"), ("0001", "0001-01-01/0001-12-31"),
    ])
  func interval(_ text: String, _ iso: String) throws {
    #expect(ISODates.cell(text) == iso)
    // The same days as the figures reader's Period.
    if case .success(let p) = Period.parse(text) { #expect(ISODates.interval(p) == iso) }
  }

  @Test(
    "Text that is not a date, or not a real one, is written as it is",
    arguments: ["", "undated", "2002-02-30", "2002-13", "02-11-2002", "2003/2002", "0000", "2002/", "2002-1-5"])
  func notADate(_ text: String) {
    #expect(ISODates.cell(text) == text)
  }
}
