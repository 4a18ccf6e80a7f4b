import Figures
import Statistics

/// Which printing of a series a trend uses (issue #29). A series is often printed several
/// times: a yearly table, a later table that merges years into a bucket, running totals. The
/// rule, for the figures of one series (superseded ones and, under `--vintage`, those
/// published after it already left out):
///
/// 1. **Counts** (flows, or the levels of a stock series): for each year, the printing with
///    the latest `published` date among the counts covering it wins. A count is used only
///    when it wins every year it covers; one that loses a year is left out whole, and the
///    years it won go back to the older printings (repeated until nothing changes). Every
///    count left out is a *conflict*, listed with its size beside the counts used for its
///    years: "2001: 583 (2002-11) against the 1999–2001 bucket 1,043 (2025-01)". Two counts
///    covering a year with the same publication date — or with no date, so that neither can
///    be called the later — are an error at the second one's row, naming both.
/// 2. **Cumulative totals** (`measure` cumulative) cover the whole years from their stated
///    start (`START/END`), else from the first year any count of the series covers, through
///    their period's last year. Taken latest first (shorter totals first on one date), a total
///    that no used count as recent as it overlaps is a count itself — a bucket in the
///    likelihood — and the older counts it overlaps are its conflicts; otherwise it is
///    *checked* against the counts and the fit, not counted twice. A total that does not run
///    over whole years, or ends before the series' first year, is left out with a note.
extension TrendAnalysis {
  /// The figures of one series resolved into the counts to fit, the totals to check, the
  /// conflicts and the notes (the series name is left empty).
  /// - Throws: `AnalysisError` at a figure with no period or no point value, a stock over
  ///   several years, a figure whose measure does not go with the series' (a level among
  ///   counts), or a count covering a year that another count of the same publication date (or
  ///   without a date) covers.
  static func resolve(_ figs: [Figure], quantity: String) throws(AnalysisError) -> SeriesToFit {
    var counts: [Row] = []
    var totals: [(figure: Figure, period: Period, value: Double)] = []
    let stock = figs.first?.measure == .stock
    for f in figs {
      guard let p = f.period else {
        throw .located(f.location, "\(quantity): figure '\(f.id)' has no period; a trend needs one per figure")
      }
      guard let v = f.value ?? ((f.low != nil && f.low == f.high) ? f.low : nil) else {
        throw .located(f.location, "\(quantity): figure '\(f.id)' is a range, not a count; a trend needs point values")
      }
      if (f.measure == .stock) != stock, let first = figs.first {
        throw .located(
          f.location,
          "\(quantity): figure '\(f.id)' is a \(f.measure.rawValue) and '\(first.id)' a \(first.measure.rawValue) of the same series; a trend models levels or counts, not both"
        )
      }
      if f.measure == .stock && p.spansYears {
        throw .located(
          f.location,
          "\(quantity): figure '\(f.id)' is a stock over several years (\(p.text)); a stock is a level at a date")
      }
      if f.measure == .cumulative {
        totals.append((f, p, v))
      } else {
        counts.append(Row(figure: f, period: p, count: v))
      }
    }
    try checkSamePrinting(counts, quantity: quantity)
    var out = SeriesToFit(name: "", rows: [])
    var used = latestPrintings(counts, conflicts: &out.conflicts)
    let seriesFirst = counts.map(\.first).min()
    var checks: [Row] = []
    for t in orderedTotals(
      totals.compactMap { t in
        cumulativeRow(t.figure, t.period, t.value, seriesFirst: seriesFirst, notes: &out.notes)
      })
    {
      let overlapping = used.indices.filter { used[$0].first <= t.last && used[$0].last >= t.first }
      let asRecent = overlapping.contains { k in
        guard let a = used[k].published, let b = t.published else { return true }
        return a >= b
      }
      if asRecent {
        checks.append(t)
        continue
      }
      for k in overlapping { out.conflicts.append(PrintingConflict(figure: used[k].reference, against: [t.reference])) }
      let gone = Set(overlapping)
      used = used.indices.filter { !gone.contains($0) }.map { used[$0] }
      used.append(t)
    }
    // Conflicts in the order of the years they cover (then input order).
    let firstYear = Dictionary(
      figs.compactMap { f in f.period.map { (f.id, $0.year) } }, uniquingKeysWith: { a, _ in a })
    out.conflicts = out.conflicts.enumerated().sorted {
      (firstYear[$0.element.figure.id] ?? 0, $0.offset) < (firstYear[$1.element.figure.id] ?? 0, $1.offset)
    }.map(\.element)
    out.rows = used.sorted { ($0.first, $0.time) < ($1.first, $1.time) }
    out.checks = checks.sorted { ($0.last, $0.first) < ($1.last, $1.first) }
    return out
  }

  /// Throws at the second of two counts that cover a year with the same publication date, or
  /// where either has no date (neither can be called the later printing).
  static func checkSamePrinting(_ counts: [Row], quantity: String) throws(AnalysisError) {
    var byYear: [Int: [Int]] = [:]
    for (k, r) in counts.enumerated() {
      for year in r.first...r.last {
        for other in byYear[year, default: []] {
          let a = counts[other]
          let what =
            "\(quantity): figures '\(a.figure.id)' (\(a.figure.location)) and '\(r.figure.id)' both cover \(year)"
          switch (a.published, r.published) {
          case (let x?, let y?) where x == y:
            throw .located(
              r.figure.location,
              "\(what) and were published on the same date (\(r.figure.published)): a trend needs one count per year from each printing; keep one, or name the other in `supersedes`"
            )
          case (nil, _), (_, nil):
            let undated =
              a.published == nil && r.published == nil
              ? "neither has a" : "'\(a.published == nil ? a.figure.id : r.figure.id)' has no"
            throw .located(
              r.figure.location,
              "\(what), and \(undated) `published` date (YYYY, YYYY-MM or YYYY-MM-DD) to tell which printing is the later: a trend needs one count per year; date both (the latest printing is used) or name the older in `supersedes`"
            )
          default: break
          }
        }
        byYear[year, default: []].append(k)
      }
    }
  }

  /// The counts that win every year they cover (the latest printing of each year), in input
  /// order; the others go to `conflicts`, each against the counts used for its years. Every
  /// contested year's counts are dated and of different dates (``checkSamePrinting(_:quantity:)``).
  static func latestPrintings(_ counts: [Row], conflicts: inout [PrintingConflict]) -> [Row] {
    var alive = Array(counts.indices)
    var dropped: [Int] = []
    while true {
      let winner = winners(counts, alive)
      // A count that wins some of its years and loses others is left out whole; its years go
      // back to the older printings.
      let partial = alive.filter { k in
        let won = (counts[k].first...counts[k].last).map { winner[$0] == k }
        return won.contains(true) && won.contains(false)
      }
      if partial.isEmpty { break }
      dropped += partial
      alive.removeAll { partial.contains($0) }
    }
    let winner = winners(counts, alive)
    var used: [Int] = []
    for k in alive {
      if (counts[k].first...counts[k].last).allSatisfy({ winner[$0] == k }) {
        used.append(k)
      } else {
        dropped.append(k)
      }
    }
    for k in dropped.sorted() {
      var against: [Int] = []
      for year in counts[k].first...counts[k].last {
        if let w = winner[year], !against.contains(w) { against.append(w) }
      }
      conflicts.append(PrintingConflict(figure: counts[k].reference, against: against.map { counts[$0].reference }))
    }
    return used.map { counts[$0] }
  }

  /// For each year, the index of the latest printing among `alive` covering it.
  private static func winners(_ counts: [Row], _ alive: [Int]) -> [Int: Int] {
    var winner: [Int: Int] = [:]
    for k in alive {
      for year in counts[k].first...counts[k].last {
        guard let w = winner[year] else {
          winner[year] = k
          continue
        }
        if let a = counts[k].published, let b = counts[w].published, a > b { winner[year] = k }
      }
    }
    return winner
  }

  /// A cumulative total as a row over whole years, or nil with a note when it cannot be one.
  static func cumulativeRow(
    _ f: Figure, _ p: Period, _ value: Double, seriesFirst: Int?, notes: inout [String]
  ) -> Row? {
    let start: CalendarDate
    if p.isInterval {
      start = p.start
    } else if let first = seriesFirst, let date = CalendarDate(year: first, month: 1, day: 1) {
      start = date
    } else {
      notes.append(
        "left out: cumulative total \(f.id) (\(p.text)) states no start, and no count of its series says where the series starts: give its period as START/END"
      )
      return nil
    }
    guard start.month == 1 && start.day == 1, p.end.month == 12 && p.end.day == 31 else {
      notes.append(
        "left out: cumulative total \(f.id) runs from \(start) to \(p.end); a running total enters a trend over whole years (from January 1 to December 31)"
      )
      return nil
    }
    guard start.year <= p.end.year else {
      notes.append(
        "left out: cumulative total \(f.id) runs to \(p.end.year), before \(start.year), the first year a count of its series covers: give its start as START/END"
      )
      return nil
    }
    return Row(cumulative: f, period: p, count: value, first: start.year, last: p.end.year)
  }

  /// Cumulative totals in the order they are taken: latest publication first (undated last),
  /// then the shorter total (earlier last year) first, then input order.
  static func orderedTotals(_ rows: [Row]) -> [Row] {
    rows.enumerated().sorted { a, b in
      switch (a.element.published, b.element.published) {
      case (let x?, let y?) where x != y: return x > y
      case (.some, nil): return true
      case (nil, .some): return false
      default:
        if a.element.last != b.element.last { return a.element.last < b.element.last }
        return a.offset < b.offset
      }
    }.map(\.element)
  }
}
