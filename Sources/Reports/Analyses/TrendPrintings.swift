import Figures
import Statistics

/// When a figure was published: its `published` cell read as `YYYY`, `YYYY-MM` or
/// `YYYY-MM-DD`, and placed at the last day it can mean (`2002-11` is 2002-11-30, `2002` is
/// 2002-12-31). Two printings are ordered by that day, and are the same publication date
/// when it is the same day; `--vintage D` keeps the figures whose last possible day is on or
/// before D (so that a figure published "2003-01" is not taken to be known on 2003-01-01).
public struct PublicationDate: Sendable, Hashable, Comparable, CustomStringConvertible {
  /// The cell as written (trimmed).
  public var text: String
  /// The last day the cell can mean.
  public var lastDay: CalendarDate

  /// The date of a `published` cell; nil when it is empty or not a year, month or day.
  public init?(_ cell: String) {
    let t = cell.trimmingBlanks()
    guard !t.isEmpty, !t.contains("/"), case .success(let p) = Period.parse(t) else { return nil }
    text = t
    lastDay = p.end
  }

  public static func < (a: PublicationDate, b: PublicationDate) -> Bool { a.lastDay < b.lastDay }
  public static func == (a: PublicationDate, b: PublicationDate) -> Bool { a.lastDay == b.lastDay }
  public func hash(into hasher: inout Hasher) { hasher.combine(lastDay) }
  /// The cell as written.
  public var description: String { text }
}

/// One printed figure of a series, as a conflict names it.
public struct PrintingRef: Sendable, Equatable {
  /// The figure's id.
  public var id: String
  /// What it covers, in words: "2001", "the 1999–2001 bucket", "the cumulative total through
  /// 1998 (counted from 1993)".
  public var label: String
  /// Its count.
  public var value: Double
  /// Its `published` cell as written ("" when empty).
  public var published: String

  /// "2001: 583 (mou-2001, 2002-11)" — the label, the count, the id and the publication date.
  public var text: String {
    "\(label)\(label.hasPrefix("the ") ? "" : ":") \(NumberFormat.human(value, significant: 15)) (\(id)\(published.isEmpty ? "" : ", \(published)"))"
  }
}

/// A figure a later printing of its series revises: it counts years that printing counts
/// too, so it is left out of the fit (the latest printing wins) and listed with its size
/// beside the figures that replace it.
public struct PrintingConflict: Sendable, Equatable {
  /// The figure left out.
  public var figure: PrintingRef
  /// The figures used for the years it covers (one or more; later printings).
  public var against: [PrintingRef]

  /// "2001: 583 (mou-2001, 2002-11) against the 1999–2001 bucket 1,043 (mou-…, 2025-01)".
  public var line: String {
    "\(figure.text) against \(against.map(\.text).joined(separator: " and "))"
  }
}

/// A stated cumulative total checked against the counts of its series and the fit: a
/// claim-style pass or fail (``CompositeCumulativeCheck`` for the count models).
public struct CumulativeCheck: Sendable, Equatable {
  /// The cumulative figure's id.
  public var id: String
  /// The first year it covers (stated, or the first year a count of its series covers).
  public var firstYear: Int
  /// The last year it covers.
  public var lastYear: Int
  /// The stated total.
  public var stated: Double
  /// The allowed difference.
  public var tolerance: Double
  /// The sum of the counts used for exactly these years; nil when they do not cover them.
  public var observed: Double?
  /// Why there is, or is not, an observed sum.
  public var observedNote: String
  /// The model's sum of the yearly means with its interval (count models; nil otherwise).
  public var fitted: Double?
  /// Lower end of the fitted sum's interval.
  public var fittedLow: Double?
  /// Upper end of the fitted sum's interval.
  public var fittedHigh: Double?
  /// `observed`, `fitted_interval`, or `none` (not checked).
  public var basis: String
  /// Pass or fail; nil when it could not be checked.
  public var passed: Bool?
  /// The claim-style line: `PASS`, `FAIL` or `NOT CHECKED`, the id, the years and the numbers.
  public var line: String
}

/// A count over several years (a bucket) in a composite link fit: its published count, the
/// model's total for it, and the yearly means it implies, which sum to that total.
public struct TrendBucket: Sendable, Equatable {
  /// The figure's id.
  public var id: String
  /// The first year it covers.
  public var firstYear: Int
  /// The last year it covers.
  public var lastYear: Int
  /// Whether it is a cumulative total (counted from `firstYear`).
  public var cumulative: Bool
  /// The published count.
  public var observed: Double
  /// The fitted total λ = Σ μₜ over its years, with its interval.
  public var fitted: Double
  /// Lower end of the fitted total's interval.
  public var low: Double
  /// Upper end of the fitted total's interval.
  public var high: Double
  /// The implied mean of each year it covers (at that year's exposure), with its interval.
  public var implied: [CompositeYearMean]
}
