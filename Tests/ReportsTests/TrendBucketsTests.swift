import Figures
import Foundation
import Numerics
import Statistics
import TestSupport
import Testing

@testable import Reports

/// A figure of a trend, built directly, with its publication date and measure.
private func figure(
  _ id: String, _ value: Double, _ period: String, published: String, measure: FigureMeasure = .flow,
  kind: FigureKind = .point, line: Int
) throws -> Figure {
  var f = Figure(
    id: id, quantity: "arr", value: value, period: try Period.parse(period).get(), source: "MOU",
    location: SourceLocation(path: "t.csv", line: line))
  f.published = published
  f.measure = measure
  f.kind = kind
  return f
}

private func file(_ figures: [Figure]) -> FiguresFile {
  FiguresFile(path: "t.csv", columns: [], figures: figures, warnings: [])
}

/// The bundled arrivals: the 2002 printing (1993–2001 and 2002 to July 30) and the official
/// table transcribed at its 2025-01 vintage ("up to 1998", 1999–2001, 2002–2024, two totals).
private func arrivals() throws -> FiguresFile {
  try FiguresReader.read(path: Fixtures.repositoryRoot.appendingPathComponent("datasets/mou-arrivals.csv").path)
}

/// The official table's buckets as the composite link tests give them: 947 over 1993–1998
/// (the cumulative counted from the series' first year), 1,043 over 1999–2001, then years.
private let officialBuckets: [CompositeBucket] =
  [CompositeBucket(first: 1993, last: 1998, count: 947), CompositeBucket(first: 1999, last: 2001, count: 1043)]
  + zip(
    2002...2024,
    [
      1142, 1285, 1898, 1384, 2028, 2554, 2803, 2914, 2402, 2706, 1502, 1514, 1397, 1275, 1418, 1127, 1137, 1047, 229,
      63, 67, 196, 236,
    ] as [Double]
  ).map { CompositeBucket(year: $0, count: $1) }

@Suite("Trends of counts published over several years, cumulative totals and revised printings (#29)")
struct TrendBucketsTests {
  @Test(
    "The official series goes through the composite link model: trend coefficients are CompositeLink.fit's (and R's)",
    arguments: [(TrendModel.poisson, CompositeLinkFamily.poisson), (.negbin, .negativeBinomial)])
  func officialThroughTheModel(_ model: TrendModel, _ family: CompositeLinkFamily) throws {
    let q = try TrendAnalysis.run([try arrivals()], quantity: "mou_arrivals", model: model)
    let r = try #require(q.results.first)
    #expect(r.compositeLink)
    #expect(r.fit.n == 25)
    let design = try CompositeLinkDesign.trend(firstYear: 1993, lastYear: 2024)
    let direct = try CompositeLink.fit(family, buckets: officialBuckets, design: design)
    #expect(direct.converged)
    let (b0, b1) = (direct.parameters[0].estimate, direct.parameters[1].estimate)
    // The same fit, on [1, year] instead of [1, year − 2008.5].
    #expect(r.fit.parameters[1].estimate == b1)
    #expect(r.fit.parameters[1].standardError == direct.parameters[1].standardError)
    #expect(relativeDifference(r.fit.parameters[0].estimate, b0 - design.centre * b1) < 1e-12)
    #expect(relativeDifference(r.fit.logLikelihood, try #require(direct.logLikelihood)) < 1e-15)
    #expect(r.fit.theta == direct.theta)
    // R's composite reference (scripts/peers/composite): the same buckets.
    let reference = try Fixtures.csv("composite/reference.csv")
    func ref(_ term: String, _ what: String) throws -> Double {
      let row = reference.first {
        $0["case"] == "official" && $0["family"] == family.rawValue && $0["term"] == term && $0["what"] == what
      }
      return try #require(Double(row?["value"] ?? ""))
    }
    #expect(relativeDifference(r.fit.parameters[1].estimate, try ref("year", "estimate")) < 1e-6)
    #expect(relativeDifference(r.fit.parameters[1].standardError, try ref("year", "std_error")) < 1e-5)
    // Each fitted row of a single year is that year's implied mean; a bucket's implied years
    // sum to its fitted total.
    let bucket = try #require(r.buckets.first { $0.firstYear == 1999 && $0.lastYear == 2001 })
    #expect(bucket.id == "mou-official-1999-2001")
    #expect(bucket.observed == 1043)
    let implied = r.points.filter { $0.implied && $0.id == bucket.id }
    #expect(implied.map(\.period) == ["1999", "2000", "2001"])
    let sum = implied.reduce(0.0) { $0 + $1.fitted * $1.exposure }
    #expect(relativeDifference(sum, bucket.fitted) < 1e-9)
    #expect(relativeDifference(bucket.implied.reduce(0.0) { $0 + $1.mean }, bucket.fitted) < 1e-9)
    let directBucket = try #require(direct.buckets.first { $0.first == 1999 })
    #expect(relativeDifference(bucket.fitted, directBucket.fitted) < 1e-12)
    #expect(implied.allSatisfy { ($0.ciLow ?? .nan) < $0.fitted && $0.fitted < ($0.ciHigh ?? .nan) })
    // "Up to 1998" is the cumulative counted from 1993, the first year of the series.
    let early = try #require(r.buckets.first)
    #expect(early.cumulative && early.firstYear == 1993 && early.lastYear == 1998 && early.observed == 947)
    #expect(r.points.filter(\.implied).count == 9)
    #expect(r.points.first?.period == "1993/1998")
    // trend.csv: an `implied` column, yes for those nine years.
    let csv = TrendAnalysis.csv(q.results)
    let column = try #require(csv.header.firstIndex(of: "implied"))
    #expect(csv.header.last == "implied")
    #expect(csv.rows.filter { $0[column] == "yes" }.count == 9)
  }

  @Test("By default the likelihood-ratio test on the buckets picks the negative binomial; both totals pass")
  func officialDefault() throws {
    let r = try #require(try TrendAnalysis.run([try arrivals()], quantity: "mou_arrivals").results.first)
    #expect(r.model == .negbin)
    #expect(r.modelChoice.contains("composite link"))
    #expect(r.cumulativeChecks.map(\.id) == ["mou-official-total-2022", "mou-official-total-2024"])
    for c in r.cumulativeChecks {
      #expect(c.passed == true, "\(c.line)")
      #expect(c.basis == "observed")
      #expect(c.observed == c.stated)
      #expect(c.firstYear == 1993)
    }
    let table = TrendAnalysis.table(r)
    #expect(table.contains("PASS  mou-official-total-2024: cumulative 1993–2024: stated 34,314; observed 34,314"))
    #expect(table.contains("bucket 1999–2001 (mou-official-1999-2001; 3 years): 1,043 observed; fitted total"))
    #expect(table.contains("implied 1999 "))
    let json = TrendAnalysis.json(r).serialized()
    #expect(json.contains("\"cumulative_checks\""))
    #expect(json.contains("\"passed\": true"))
  }

  @Test("The latest printing wins; the older ones are listed as conflicts with their sizes")
  func latestPrintingWins() throws {
    let r = try #require(try TrendAnalysis.run([try arrivals()], quantity: "mou_arrivals").results.first)
    let lines = r.conflicts.map(\.line)
    #expect(
      lines.contains(
        "2001: 583 (mou-2001, 2002-11) against the 1999–2001 bucket 1,043 (mou-official-1999-2001, 2025-01)"),
      "\(lines)")
    #expect(
      lines.contains(
        "2002-01-01/2002-07-30: 629 (mou-2002-partial, 2002-11) against 2002: 1,142 (mou-official-2002, 2025-01)"))
    #expect(
      lines.contains(
        "1993: 8 (mou-1993, 2002-11) against the cumulative total through 1998 (counted from 1993) 947 (mou-official-through-1998, 2025-01)"
      ))
    #expect(r.conflicts.count == 10)
    #expect(!r.points.contains { $0.id.hasPrefix("mou-") && !$0.id.hasPrefix("mou-official") })
    let totals = TrendAnalysis.conflictLines(r.conflicts).filter { $0.hasPrefix("conflict total") }
    #expect(totals.contains { $0.contains("8 + 51 + 41 + 56 + 86 + 71 = 313 against") }, "\(totals)")
    #expect(totals.contains { $0.contains("148 + 312 + 583 = 1,043 against") })
    // A single year against a later single year, and a bucket against later single years.
    let figs = [
      try figure("a-1999", 100, "1999", published: "2002", line: 2),
      try figure("a-2000", 200, "2000", published: "2002", line: 3),
      try figure("b-9900", 330, "1999/2000", published: "2001", line: 4),
      try figure("c-2000", 210, "2000", published: "2003-05", line: 5),
      try figure("a-2001", 300, "2001", published: "2002", line: 6),
    ]
    let s = try TrendAnalysis.resolve(figs, quantity: "arr")
    #expect(s.rows.map(\.figure.id) == ["a-1999", "c-2000", "a-2001"])
    #expect(
      s.conflicts.map(\.line) == [
        "the 1999–2000 bucket 330 (b-9900, 2001) against 1999: 100 (a-1999, 2002) and 2000: 210 (c-2000, 2003-05)",
        "2000: 200 (a-2000, 2002) against 2000: 210 (c-2000, 2003-05)",
      ])
  }

  @Test("A later bucket that loses one of its years to an even later count gives its other years back")
  func partialWinnerGivesYearsBack() throws {
    let figs = [
      try figure("old-1999", 148, "1999", published: "2002", line: 2),
      try figure("old-2000", 312, "2000", published: "2002", line: 3),
      try figure("mid-9901", 1043, "1999/2001", published: "2010", line: 4),
      try figure("new-2001", 590, "2001", published: "2020", line: 5),
    ]
    let s = try TrendAnalysis.resolve(figs, quantity: "arr")
    #expect(s.rows.map(\.figure.id) == ["old-1999", "old-2000", "new-2001"])
    #expect(s.conflicts.map(\.figure.id) == ["mid-9901"])
  }

  @Test("--vintage 2003-01-01 fits the older printing, as the trend stood then")
  func vintage() throws {
    let all = try arrivals()
    let vintage = try #require(TrendAnalysis.parseVintage("2003-01-01"))
    let q = try TrendAnalysis.run([all], quantity: "mou_arrivals", vintage: vintage)
    let r = try #require(q.results.first)
    let older = file(all.figures.filter { $0.published == "2002-11" })
    #expect(older.figures.count == 10)
    let direct = try #require(try TrendAnalysis.run([older], quantity: "mou_arrivals").results.first)
    #expect(!r.compositeLink)
    #expect(r.conflicts.isEmpty && r.cumulativeChecks.isEmpty)
    #expect(r.model == direct.model)
    #expect(r.points.map(\.id) == direct.points.map(\.id))
    for (a, b) in zip(r.fit.parameters, direct.fit.parameters) { #expect(a.estimate == b.estimate) }
    #expect(q.notes.first?.hasPrefix("vintage 2003-01-01: the series as it stood then") == true)
    #expect(TrendAnalysis.json(q).serialized().contains("\"vintage\": \"2003-01-01\""))
    // Published "2002-11" is known by its last day, 2002-11-30.
    let before = try #require(TrendAnalysis.parseVintage("2002-11-29"))
    #expect(throws: AnalysisError.self) { try TrendAnalysis.run([all], quantity: "mou_arrivals", vintage: before) }
    #expect(TrendAnalysis.parseVintage("2003-01") == nil)
    #expect(TrendAnalysis.parseVintage("2003-02-30") == nil)
    #expect(TrendAnalysis.optionSyntaxProblem(grid: 0, span: nil, vintage: "2003") != nil)
  }

  @Test("Two figures of one publication date covering a year are an error naming both, with their lines")
  func samePublication() throws {
    let figs = [
      try figure("a-2000", 312, "2000", published: "2002-11", line: 2),
      try figure("a-2001", 583, "2001", published: "2002-11", line: 3),
      try figure("b-2001", 590, "2001", published: "2002-11", line: 4),
    ]
    do {
      _ = try TrendAnalysis.run([file(figs)], quantity: "arr")
      Issue.record("two counts of one printing for 2001 were fitted")
    } catch {
      #expect(
        error.description
          == "t.csv:4: error: arr: figures 'a-2001' (t.csv:3) and 'b-2001' both cover 2001 and were published on the same date (2002-11): a trend needs one count per year from each printing; keep one, or name the other in `supersedes`"
      )
    }
    #expect(!ReportBuilder.isSeries(figs))
    // Without dates neither printing is the later one.
    let undated = [
      try figure("a-2000", 312, "2000", published: "", line: 2),
      try figure("a-2001", 583, "2001", published: "2002-11", line: 3),
      try figure("c-2001", 590, "2001", published: "", line: 4),
    ]
    #expect(throws: AnalysisError.self) { try TrendAnalysis.run([file(undated)], quantity: "arr") }
    do {
      _ = try TrendAnalysis.run([file(undated)], quantity: "arr")
    } catch {
      #expect(error.description.contains("'c-2001' has no `published` date"), "\(error.description)")
    }
    // Different dates: a series, the later printing used.
    var revised = figs
    revised[2].published = "2003-01"
    #expect(ReportBuilder.isSeries(revised))
    let r = try #require(try TrendAnalysis.run([file(revised)], quantity: "arr", model: .poisson).results.first)
    #expect(r.points.map(\.id) == ["a-2000", "b-2001"])
  }

  @Test("A stated total checks pass and fail; off the buckets' edges the fitted interval decides")
  func cumulativeChecks() throws {
    var figs = try (2000...2005).enumerated().map { k, y in
      try figure("y-\(y)", [100, 130, 170, 220, 290, 380][k], "\(y)", published: "2006", line: k + 2)
    }
    figs.append(try figure("t-ok", 1290, "2005", published: "2006", measure: .cumulative, line: 8))
    figs.append(try figure("t-bad", 1400, "2005", published: "2006", measure: .cumulative, line: 9))
    figs.append(try figure("t-mid", 770, "2002/2004", published: "2006", measure: .cumulative, line: 10))
    let r = try #require(try TrendAnalysis.run([file(figs)], quantity: "arr", model: .poisson).results.first)
    #expect(r.compositeLink)
    #expect(r.buckets.isEmpty)
    let byID = Dictionary(uniqueKeysWithValues: r.cumulativeChecks.map { ($0.id, $0) })
    #expect(byID["t-ok"]?.passed == true)
    #expect(byID["t-ok"]?.line.hasPrefix("PASS  t-ok: cumulative 2000–2005: stated 1,290; observed 1,290") == true)
    #expect(byID["t-bad"]?.passed == false)
    #expect(byID["t-bad"]?.line.hasPrefix("FAIL  t-bad: cumulative 2000–2005: stated 1,400; observed 1,290") == true)
    #expect(byID["t-mid"]?.firstYear == 2002 && byID["t-mid"]?.observed == 680)
    #expect(byID["t-mid"]?.passed == false)
    // Single years and checks only: the Poisson fit is PoissonRegression's (1e-9).
    let glm = try #require(
      try TrendAnalysis.run([file(Array(figs.prefix(6)))], quantity: "arr", model: .poisson).results.first)
    #expect(!glm.compositeLink)
    #expect(relativeDifference(r.fit.parameters[1].estimate, glm.fit.parameters[1].estimate) < 1e-9)
    // The fitted interval decides where no bucket set covers the years exactly.
    var crossing = Array(figs.prefix(6))
    crossing[2] = try figure("y-0203", 390, "2002/2003", published: "2006", line: 4)
    crossing.remove(at: 3)
    crossing.append(try figure("t-cross", 600, "2003/2005", published: "2006", measure: .cumulative, line: 9))
    let c = try #require(try TrendAnalysis.run([file(crossing)], quantity: "arr", model: .poisson).results.first)
    let check = try #require(c.cumulativeChecks.first)
    #expect(check.basis == "fitted_interval")
    #expect(check.observed == nil)
    // Under a least-squares model the counts alone decide.
    let ols = try #require(
      try TrendAnalysis.run([file(Array(figs.prefix(7)))], quantity: "arr", model: .loglinear).results.first)
    #expect(ols.cumulativeChecks.first?.passed == true)
    #expect(ols.cumulativeChecks.first?.fitted == nil)
  }

  @Test("A total no printing as recent counts year by year is a bucket (the older counts it covers, its conflicts)")
  func cumulativeAsCount() throws {
    let figs = [
      try figure("old-9698", 300, "1996/1998", published: "2002", line: 2),
      try figure("old-1999", 148, "1999", published: "2002", line: 3),
      try figure("y-1999", 150, "1999", published: "2025", line: 4),
      try figure("y-2000", 312, "2000", published: "2025", line: 5),
      try figure("y-2001", 583, "2001", published: "2025", line: 6),
      try figure("up-to-1998", 947, "1998", published: "2025", measure: .cumulative, line: 7),
      try figure("t-2001", 1992, "2001", published: "2025", measure: .cumulative, line: 8),
    ]
    let s = try TrendAnalysis.resolve(figs, quantity: "arr")
    // The series starts in 1996 (old-9698's first year): the total through 1998 covers 1996–1998.
    #expect(s.rows.map(\.figure.id) == ["up-to-1998", "y-1999", "y-2000", "y-2001"])
    #expect(s.rows.first?.first == 1996 && s.rows.first?.last == 1998)
    #expect(s.conflicts.map(\.figure.id) == ["old-9698", "old-1999"])
    #expect(s.checks.map(\.figure.id) == ["t-2001"])
    let r = try #require(try TrendAnalysis.run([file(figs)], quantity: "arr", model: .poisson).results.first)
    #expect(r.cumulativeChecks.first?.observed == 1992)
    #expect(r.cumulativeChecks.first?.passed == true)
    // A total ending before the series' first year, or inside a year, is left out with a note.
    let early = [
      try figure("y-2000", 312, "2000", published: "2025", line: 2),
      try figure("y-2001", 583, "2001", published: "2025", line: 3),
      try figure("t-1998", 947, "1998", published: "2025", measure: .cumulative, line: 4),
      try figure("t-mid", 500, "2001-06-30", published: "2025", measure: .cumulative, line: 5),
    ]
    let e = try TrendAnalysis.resolve(early, quantity: "arr")
    #expect(e.rows.count == 2 && e.checks.isEmpty)
    #expect(e.notes.count == 2)
    #expect(e.notes[0].contains("t-1998 runs to 1998, before 2000"))
    #expect(e.notes[1].contains("over whole years"))
  }

  @Test("Least-squares models refuse a count over several years, naming the count models")
  func leastSquaresRefuseBuckets() throws {
    let all = try arrivals()
    for model in [TrendModel.loglinear, .linear] {
      do {
        _ = try TrendAnalysis.run([all], quantity: "mou_arrivals", model: model)
        Issue.record("\(model) fitted a bucket")
      } catch {
        #expect(error.description.contains("cannot split it: use a count model (poisson, quasipoisson or negbin)"))
        #expect(error.description.contains("mou-official-through-1998"), "\(error.description)")
      }
    }
    do {
      _ = try TrendAnalysis.run(
        [all], quantity: "mou_arrivals", model: .joinpoint, joinpoint: JoinpointSettings(model: .loglinear))
      Issue.record("the loglinear joinpoint fitted a bucket")
    } catch {
      #expect(error.description.contains("cannot split it: use --joinpoint-model poisson or negbin"))
      #expect(error.description.contains("mou-official-through-1998"), "\(error.description)")
    }
    // The report runs trend's default joinpoint (a count model since #29) beside the count fit:
    // the buckets enter its likelihood, so it is drawn.
    let report = try ReportBuilder.analyse(try arrivals(), name: "mou-arrivals", trajectories: false)
    #expect(report.trends.count == 1)
    #expect(report.segmented.count == 1)
    let md = try #require(report.outputs.first { $0.0 == "mou-arrivals/report.md" }?.1)
    #expect(md.contains("PASS  mou-official-total-2024"))
    #expect(md.contains("1999 (implied)"))
  }

  @Test("A bucket over parts of years counts each year at the fraction it covers")
  func partialYearBucket() throws {
    let figs = [
      try figure("a-2002", 140, "2002", published: "2007", line: 2),
      try figure("b", 601, "2003-03-18/2006-06-30", published: "2007", line: 3),
      try figure("c-2006", 120, "2006-07-01/2006-12-31", published: "2007", line: 4),
    ]
    // Two figures of one printing share 2006 (one year, one exposure): refused.
    #expect(throws: AnalysisError.self) { try TrendAnalysis.run([file(figs)], quantity: "arr", model: .poisson) }
    let fit = try #require(
      try TrendAnalysis.run(
        [file(Array(figs.prefix(2)) + [try figure("d-2007", 260, "2007", published: "2008", line: 4)])],
        quantity: "arr", model: .poisson
      ).results.first)
    let implied = fit.points.filter(\.implied)
    #expect(implied.map(\.year) == [2003, 2004, 2005, 2006])
    #expect(abs(implied[0].exposure - 289.0 / 365) < 1e-15)
    #expect(abs(implied[3].exposure - 181.0 / 365) < 1e-15)
    let bucket = try #require(fit.buckets.first)
    let sum = implied.reduce(0.0) { $0 + $1.fitted * $1.exposure }
    #expect(relativeDifference(sum, bucket.fitted) < 1e-9)
    let row = try #require(fit.points.first { $0.id == "b" && !$0.implied })
    #expect(abs(row.exposure - ((365.0 - 76) / 365 + 2 + 181.0 / 365)) < 1e-12)
  }

  @Test("Claims: growth() fits the series as it stood when the claim was published; annualise() refuses a total")
  func claims() throws {
    let text = """
      id,claim,formula,op,stated,tolerance,published
      doubling,roughly doubling,"growth(mou_arrivals, 1998, 2001)",≈,2,0.15,2002-11
      today,roughly doubling,"growth(mou_arrivals, 1998, 2001)",≈,2,0.15,
      total,a year,annualise(mou_official_total_2024),>,1,,

      """
    let claims = try ClaimsReader.parse(Array(text.utf8), path: "c.csv", keepingRowErrors: true)
    let report = ClaimsAnalysis.run(claims: [claims], figures: [try arrivals()])
    let doubling = try #require(report.results.first { $0.id == "doubling" })
    #expect(doubling.status == .pass, "\(doubling.detail)")
    // R 4: exp(coef(glm(c(71,148,312,583) ~ I(1998:2001), family=poisson))[2]) = 1.99156758697464; the
    // series as of 2002-11 is fitted by the negative binomial, whose θ runs off over these four
    // years (no overdispersion): Poisson's to 1e-6.
    #expect(relativeDifference(doubling.computed, 1.99156758697464, floor: 1e-300) <= 1e-6)
    #expect(
      doubling.detail.hasPrefix("growth factor per year of mou_arrivals 1998–2001 (figures published by 2002-11)"))
    // Undated, the claim meets today's table, whose 1998 lies in the 1993–1998 total.
    let today = try #require(report.results.first { $0.id == "today" })
    #expect(today.status == .error)
    #expect(today.detail.contains("covers 1 period(s)"), "\(today.detail)")
    let total = try #require(report.results.first { $0.id == "total" })
    #expect(total.status == .error)
    #expect(total.detail.contains("is a cumulative total"), "\(total.detail)")
  }

  @Test("ranges reads a cumulative total like any point figure of its quantity")
  func rangesReadCumulativeAsAPoint() throws {
    let figs = [
      try figure("a", 34_314, "2024", published: "2025-01", measure: .cumulative, line: 2),
      try figure("b", 34_000, "2024", published: "2024-06", kind: .about, line: 3),
      try figure("c", 33_900, "2024", published: "2024-03", line: 4),
    ]
    let q = try #require(try RangesAnalysis.run([file(figs)], quantities: ["arr"]).first)
    #expect(q.figures.map(\.id) == ["a", "b", "c"])
    #expect(RangesAnalysis.table([q]).contains("a "))
  }
}
