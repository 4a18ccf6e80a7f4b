import Figures
import Foundation
import Statistics
import TestSupport
import Testing

@testable import Reports

/// Figures → the trajectory model's data (`TrajectoryAnalysis.input`): kinds, standard
/// deviations read exactly as `ranges` reads the same figures, years, series, evidence groups,
/// and what is left out and why. Files are parsed from CSV text by the figures reader, as the
/// command reads them.
@Suite("trajectory: figures as statements")
struct TrajectoryInputTests {
  static let header =
    "id,quantity,value,low,high,text,kind,unit,period,measure,coverage,source,series,supersedes,scope,evidence,derived_from"

  static func file(_ rows: [String], path: String = "t.csv") throws -> FiguresFile {
    try FiguresReader.parse(Array(([header] + rows).joined(separator: "\n").utf8), path: path)
  }

  static func input(_ file: FiguresFile, _ settings: TrajectorySettings = TrajectorySettings(quantity: "q")) throws
    -> TrajectoryInput
  {
    try TrajectoryAnalysis.input([file], settings: settings)
  }

  /// One figure of each kind, one a year from 2000.
  static let kinds = [
    "p,q,10000,,,,point,persons,2000,stock,,A,,,,,",
    "a,q,,,,about 12000,,persons,2001,stock,,B,,,,,",
    "r,q,,50000,300000,,range,persons,2002,stock,,C,,,,,",
    "c,q,98000,8000,194000,,range,persons,2003,stock,0.95,D,,,,,",
    "h,q,,20000,60000,,range,persons,2004,stock,1,E,,,,,",
    "l,q,,5000,,,at_least,persons,2005,stock,,F,,,,,",
    "u,q,,,300000,as many as 300000,at_most,persons,2006,stock,,G,,,,,",
    "v,q,,,,tens of thousands,,persons,2007,stock,,H,,,,,",
  ]

  @Test("Each kind enters as the issue says, with the mean and sd `ranges` reads for the same figure")
  func kindsAndSpreads() throws {
    let file = try Self.file(Self.kinds)
    let input = try Self.input(file)
    let data = input.data
    #expect(data.statements.map(\.id) == ["p", "a", "r", "c", "h", "l", "u", "v"])
    #expect(
      data.statements.map(\.kind) == [.point, .point, .point, .point, .interval, .lower, .upper, .point])
    #expect(input.sources.map(\.reading) == [.point, .about, .range, .range, .range, .atLeast, .atMost, .verbal])
    let ranges = try #require(try RangesAnalysis.run([file], coverage: nil, level: 0.9).first)
    for s in data.statements {
      let d = try #require(ranges.reconciliation.distributions.first { $0.id == s.id }, "\(s.id) not read by ranges")
      switch s.kind {
      case .interval:
        // Hard bounds: the interval is the uniform's support on the log scale.
        guard case .uniform(let low, let high) = d.shape else {
          Issue.record("\(s.id): ranges reads it as \(d.shape)")
          continue
        }
        #expect(s.low == low && s.high == high && s.low == log(20000.0) && s.high == log(60000.0))
      default:
        #expect(s.y == d.mu, "\(s.id): y \(s.y) vs ranges' mu \(d.mu)")
        #expect(s.sigma == d.sigma, "\(s.id): sigma \(s.sigma) vs ranges' sigma \(d.sigma)")
      }
    }
    // A point is right within a factor of 2 at 90%: sd ln 2 / z(0.95).
    let z95 = 1.6448536269514722
    #expect(relativeDifference(data.statements[0].sigma, log(2) / z95) < 1e-14)
    #expect(data.statements[0].y == log(10000.0))
    // "about" exactly as a point; a bound's sd is a point's (to the last bits, which depend on
    // the number: ln 2v − ln v/2 is rounded).
    let point = data.statements[0].sigma
    #expect(relativeDifference(data.statements[1].sigma, point) < 1e-14 && data.statements[1].y == log(12000.0))
    #expect(relativeDifference(data.statements[5].sigma, point) < 1e-14 && data.statements[5].y == log(5000.0))
    #expect(data.statements[6].y == log(300000.0))
    // A range at 90% is a point at its geometric midpoint with the range's sd.
    #expect(relativeDifference(data.statements[2].y, (log(50000.0) + log(300000.0)) / 2) < 1e-15)
    #expect(relativeDifference(data.statements[2].sigma, (log(300000.0) - log(50000.0)) / (2 * z95)) < 1e-14)
    // A stated centre is kept; its sd is the mean of the two half-sds at 95%.
    let z975 = 1.959963984540054
    #expect(data.statements[3].y == log(98000.0))
    let halves = ((log(98000.0) - log(8000.0)) / z975 + (log(194000.0) - log(98000.0)) / z975) / 2
    #expect(relativeDifference(data.statements[3].sigma, halves) < 1e-14)
    // A hard range's edges carry a point's error.
    #expect(relativeDifference(data.statements[4].sigma, point) < 1e-14)
    // Verbal: the table's range (20,000–99,999) as a range at 90%.
    #expect(relativeDifference(data.statements[7].y, (log(20000.0) + log(99999.0)) / 2) < 1e-15)
    #expect(input.sources[7].stated.low == 20000 && input.sources[7].stated.high == 99999)
  }

  @Test(
    "Years run from the first statement's to the last; each statement indexes its year; the prior is centred at the median log"
  )
  func yearsAndCentre() throws {
    let input = try Self.input(try Self.file(Self.kinds))
    #expect(input.data.years == Array(2000...2007))
    #expect(input.data.statements.map(\.year) == Array(0...7))
    #expect(input.firstObserved == 2000 && input.lastObserved == 2007)
    let logs = input.data.statements.map { $0.kind == .interval ? ($0.low + $0.high) / 2 : $0.y }.sorted()
    #expect(input.data.priors.levelCenter == (logs[3] + logs[4]) / 2)
    #expect(input.data.priors.smoothnessScale == TrajectoryPriors.defaultSmoothnessScale)
    // --from and --to: statements outside are left out, the years extend past the data.
    let window = try Self.input(
      try Self.file(Self.kinds), TrajectorySettings(quantity: "q", from: 2003, to: 2010))
    #expect(window.data.years == Array(2003...2010))
    #expect(window.data.statements.map(\.id) == ["c", "h", "l", "u", "v"])
    #expect(window.leftOut.map(\.id) == ["p", "a", "r"])
    #expect(window.leftOut[0].reason == "its year 2000 is outside the trajectory's years 2003–2010")
    #expect(window.statementsPerYear == [1, 1, 1, 1, 1, 0, 0, 0])
  }

  @Test("The year is the period's: a stock at a date or in a month; a flow over one year")
  func periods() throws {
    let stocks = try Self.input(
      try Self.file(["d,q,100,,,,,persons,2003-07-15,,,A,,,,,", "m,q,120,,,,,persons,2004-03,stock,,A,,,,,"]))
    #expect(stocks.sources.map(\.year) == [2003, 2004])
    let flows = try Self.input(
      try Self.file([
        "y,q,1500,,,,,persons,2005,flow,,B,,,,,",
        "part,q,629,,,,,persons,2002-01-01/2002-07-30,flow,,B,,,,,",
        "multi,q,3000,,,,,persons,1999/2001,flow,,B,,,,,",
        "none,q,200,,,,,persons,,flow,,B,,,,,",
        "y2,q,1700,,,,,persons,2006-01-01/2006-12-31,flow,,B,,,,,",
      ]))
    #expect(flows.data.statements.map(\.id) == ["y", "y2"])
    #expect(flows.data.years == [2005, 2006])
    #expect(
      flows.leftOut.map(\.reason) == [
        "a flow over part of a year (2002-01-01/2002-07-30, 0.578 of it): not the count of its year",
        "a flow over several years (1999/2001): not placed at one year (issue #29 spreads it over the years it covers)",
        "no period: the trajectory places each statement at its period's year",
      ])
    #expect(flows.leftOut.map(\.location.line) == [3, 4, 5])
  }

  @Test("Stocks and flows of one quantity are refused at the first figure of the other measure")
  func mixedMeasures() throws {
    let file = try Self.file(["s,q,100,,,,,persons,2003,stock,,A,,,,,", "f,q,120,,,,,persons,2004,flow,,A,,,,,"])
    #expect {
      try Self.input(file)
    } throws: { error in
      "\(error)"
        == "t.csv:3: error: q: figure 'f' is a flow and 's' a stock; a trajectory follows levels (stocks) or yearly counts (flows), not both"
    }
  }

  @Test("The series is the `series` column, else the source; indexed in order of first appearance")
  func series() throws {
    let input = try Self.input(
      try Self.file([
        "a,q,100,,,,,persons,2000,stock,,Ministry,Official count,,,,",
        "b,q,150,,,,,persons,2001,stock,,Ministry (as cited by HRW),Official count,,,,",
        "c,q,300,,,,,persons,2001,stock,,Good Friends,,,,,",
        "d,q,310,,,,,persons,2002,stock,,Good Friends,,,,,",
      ]))
    #expect(input.data.series == ["Official count", "Good Friends"])
    #expect(input.data.statements.map(\.series) == [0, 0, 1, 1])
    #expect(input.sources.map(\.series) == ["Official count", "Official count", "Good Friends", "Good Friends"])
    #expect(input.data.reference == nil)
    let referenced = try Self.input(
      try Self.file(["a,q,100,,,,,persons,2000,stock,,X,,,,,", "b,q,150,,,,,persons,2001,stock,,Y,,,,,"]),
      TrajectorySettings(quantity: "q", reference: "Y"))
    #expect(referenced.data.reference == 1)
  }

  @Test("Figures sharing an evidence value (two or more) are one group; a value held by one figure is no group")
  func evidenceGroups() throws {
    let input = try Self.input(
      try Self.file([
        "a,q,100,,,,,persons,2000,stock,,A,,,,survey-1,",
        "b,q,110,,,,,persons,2001,stock,,B,,,,lonely,",
        "c,q,120,,,,,persons,2001,stock,,C,,,,survey-1,",
        "d,q,130,,,,,persons,2002,stock,,D,,,,survey-2,",
        "e,q,140,,,,,persons,2002,stock,,E,,,,survey-2,",
      ]))
    #expect(input.data.groups == ["survey-1", "survey-2"])
    #expect(input.data.statements.map(\.group) == [0, nil, 0, 1, 1])
  }

  @Test("Superseded, restating and narrower-scope figures are left out with the reasons `ranges` gives")
  func leftOutAsRanges() throws {
    let file = try Self.file([
      "old,q,30000,,,,,persons,2000,stock,,A,,,,,",
      "new,q,40000,,,,,persons,2000,stock,,A,,old,,,",
      "yan,q,5000,,,,,persons,2001,stock,,B,,,Yanbian only,,",
      "sum,q,,10000,300000,,,persons,2002,stock,,C,,,,,new;other",
      "other,q,300000,,,,,persons,2002,stock,,D,,,,,",
    ])
    let input = try Self.input(file)
    #expect(input.data.statements.map(\.id) == ["new", "other"])
    let ranges = try #require(try RangesAnalysis.run([file], coverage: nil, level: 0.9).first)
    let reasons = Dictionary(uniqueKeysWithValues: ranges.reconciliation.excluded.map { ($0.id, $0.reason) })
    #expect(input.leftOut.map(\.id) == ["old", "yan", "sum"])
    for l in input.leftOut { #expect(l.reason == reasons[l.id], "\(l.id)") }
    #expect(input.leftOut[0].reason == "superseded by new")
    #expect(input.leftOut[1].reason == "narrower scope (Yanbian only): not pooled as the whole")
    #expect(input.leftOut[2].reason.hasPrefix("restates new, other"))
  }

  @Test("Fewer than 2 statements in 2 different years: exit 65's error, naming the file")
  func tooFew() throws {
    let one = try Self.file(["a,q,100,,,,,persons,2000,stock,,A,,,,,"], path: "few.csv")
    #expect(throws: AnalysisError.self) { try Self.input(one) }
    do {
      _ = try Self.input(one)
    } catch {
      #expect(CommandFailure(error).exitCode == 65)
      #expect(
        CommandFailure(error).lines == [
          "few.csv: error: q: 1 statement in 1 year; a trajectory needs at least 2 statements in at least 2 different years"
        ])
    }
    let sameYear = try Self.file(
      ["a,q,100,,,,,persons,2000,stock,,A,,,,,", "b,q,200,,,,,persons,2000,stock,,B,,,,,"], path: "few.csv")
    #expect(throws: AnalysisError.self) { try Self.input(sameYear) }
  }

  @Test("Options the data rule out are usage errors (exit 64)")
  func optionProblems() throws {
    let file = try Self.file(Self.kinds)
    let cases: [(TrajectorySettings, String)] = [
      (TrajectorySettings(quantity: "q", to: 1990), "--to 1990 is before 2000, the first year of q's statements"),
      (TrajectorySettings(quantity: "q", from: 2010), "--from 2010 is after 2007, the last year of q's statements"),
      (TrajectorySettings(quantity: "q", from: 1700), "the trajectory would span 1700–2007, 308 years; at most 200"),
      (TrajectorySettings(quantity: "q", year: 2010), "--year 2010 is outside the trajectory's years 2000–2007"),
      (
        TrajectorySettings(quantity: "q", reference: "Nobody"), "--reference 'Nobody' is not a series of q's statements"
      ),
    ]
    for (settings, message) in cases {
      do {
        _ = try Self.input(file, settings)
        Issue.record("no error for \(settings)")
      } catch {
        let failure = CommandFailure(error)
        #expect(failure.exitCode == 64)
        #expect(failure.lines.first?.contains(message) == true, "\(failure.lines)")
      }
    }
    #expect(
      TrajectoryAnalysis.optionSyntaxProblem(TrajectorySettings(quantity: "q", from: 2001, to: 2000))
        == "--to 2000 is before --from 2001")
    #expect(TrajectoryAnalysis.optionSyntaxProblem(TrajectorySettings(quantity: "q", level: 1)) != nil)
    #expect(TrajectoryAnalysis.optionSyntaxProblem(TrajectorySettings(quantity: "q", draws: 99)) != nil)
    #expect(TrajectoryAnalysis.optionSyntaxProblem(TrajectorySettings(quantity: "q", draws: 100_001)) != nil)
    #expect(TrajectoryAnalysis.optionSyntaxProblem(TrajectorySettings(quantity: "q", from: 1800, to: 2000)) != nil)
    #expect(TrajectoryAnalysis.optionSyntaxProblem(TrajectorySettings(quantity: "q", from: 1801, to: 2000)) == nil)
  }

  @Test("An unknown quantity names the file's quantities (exit 65)")
  func unknownQuantity() throws {
    do {
      _ = try Self.input(try Self.file(Self.kinds), TrajectorySettings(quantity: "qq"))
      Issue.record("no error")
    } catch {
      #expect(CommandFailure(error).exitCode == 65)
      #expect(CommandFailure(error).lines == ["reconcile: error: unknown quantity 'qq'; the files have: q"])
    }
  }
}
