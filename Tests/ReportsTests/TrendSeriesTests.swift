import Figures
import Foundation
import TestSupport
import Testing

@testable import Reports

/// A figure of a trend, built directly (the figures reader fills `series`, `supersedes` and
/// `measure` from their columns).
private func figure(
  _ id: String, _ quantity: String, _ value: Double, _ period: String, source: String,
  measure: FigureMeasure = .flow, series: String = "", supersedes: [String] = [], line: Int
) throws -> Figure {
  var f = Figure(
    id: id, quantity: quantity, value: value, period: try Period.parse(period).get(), source: source,
    location: SourceLocation(path: "t.csv", line: line))
  f.measure = measure
  f.series = series
  f.supersedes = supersedes
  return f
}

private func file(_ figures: [Figure]) -> FiguresFile {
  FiguresFile(path: "t.csv", columns: [], figures: figures, warnings: [])
}

/// Pew and DHS both estimate 2007; CBO gives one figure.
private func unauthorized() throws -> FiguresFile {
  let rows: [(String, Double, String, String)] = [
    ("pew-2005", 11_100_000, "2005", "Pew"), ("pew-2007", 12_200_000, "2007", "Pew"),
    ("pew-2009", 11_300_000, "2009", "Pew"), ("pew-2011", 11_500_000, "2011", "Pew"),
    ("dhs-2006", 11_550_000, "2006", "DHS"), ("dhs-2007", 11_780_000, "2007", "DHS"),
    ("dhs-2008", 11_600_000, "2008", "DHS"), ("dhs-2010", 10_790_000, "2010", "DHS"),
    ("cbo-2009", 11_000_000, "2009", "CBO"),
  ]
  return file(
    try rows.enumerated().map { k, r in try figure(r.0, "unauth", r.1, r.2, source: r.3, line: k + 2) })
}

@Suite("Trends by series: series, superseded figures, stocks, flows over several years")
struct TrendSeriesTests {
  @Test("Two series estimating the same year are two trends; a series of one figure is listed, not fitted")
  func twoSeries() throws {
    let q = try TrendAnalysis.run([try unauthorized()], quantity: "unauth", model: .loglinear)
    #expect(q.results.map(\.series) == ["Pew", "DHS"])
    #expect(q.results.allSatisfy { $0.ofSeveral })
    #expect(q.unfitted == [UnfittedSeries(series: "CBO", ids: ["cbo-2009"], reason: "a trend needs at least 2")])
    // R: coef(lm(log(c(11.1e6, 12.2e6, 11.3e6, 11.5e6)) ~ c(2005, 2007, 2009, 2011)))
    let pew = try #require(q.results.first)
    #expect(relativeDifference(pew.fit.parameters[1].estimate, 0.0014786277565917766) < 1e-9)
    #expect(relativeDifference(pew.fit.parameters[1].standardError, 0.011179713042604515) < 1e-9)
    #expect(pew.points.map(\.id) == ["pew-2005", "pew-2007", "pew-2009", "pew-2011"])
    let table = TrendAnalysis.table(q)
    #expect(table.contains("unauth — Pew: loglinear trend over 4 periods"))
    #expect(table.contains("unauth — DHS: loglinear trend over 4 periods"))
    #expect(table.contains("not fitted: series CBO has 1 figure(s) (cbo-2009)"))
    let csv = TrendAnalysis.csv(q.results)
    let series = try #require(csv.header.firstIndex(of: "series"))
    #expect(Set(csv.rows.map { $0[series] }) == ["Pew", "DHS"])
  }

  @Test("Three figures from three sources are a set of estimates, not a trend; the report reconciles them instead")
  func setOfEstimates() throws {
    let three = file([
      try figure("a", "nk", 400_000, "2005", source: "Good Friends", line: 2),
      try figure("b", "nk", 200_000, "2006", source: "Human Rights Watch", line: 3),
      try figure("c", "nk", 10_000, "2008", source: "Ministry of Unification", line: 4),
    ])
    var message = ""
    do {
      _ = try TrendAnalysis.run([three], quantity: "nk")
      Issue.record("three sources were fitted as a trend")
    } catch {
      message = error.description
    }
    #expect(message.contains("nk: a set of estimates from 3 series, not a trend"), "\(message)")
    #expect(message.contains("reconcile ranges"))
    // (Its trajectory, three statements in three years, is ReportTrajectoryTests' business.)
    let analysed = try ReportBuilder.analyseQuantity("nk", in: three, trajectory: false)
    guard analysed.count == 1, case .estimates(let ranges, let note) = analysed[0] else {
      Issue.record("the report did not reconcile the three figures: \(analysed)")
      return
    }
    #expect(ranges.figures.count == 3)
    #expect(note.contains("a set of estimates from 3 series"))
    let report = try ReportBuilder.analyse(three, name: "three", trajectories: false)
    let md = try #require(report.outputs.first { $0.0 == "three/report.md" }?.1)
    #expect(md.contains("Not a trend — nk: a set of estimates from 3 series"))
    #expect(report.trends.isEmpty)
  }

  @Test("A superseded figure is left out of the trend and listed; its revision of the same year no longer blocks it")
  func superseded() throws {
    let counts: [(String, Double, String)] = [
      ("m-1998", 71, "1998"), ("m-1999", 148, "1999"), ("m-2000", 312, "2000"), ("m-2001-old", 583, "2001"),
    ]
    var figures = try counts.enumerated().map { k, r in try figure(r.0, "arr", r.1, r.2, source: "MOU", line: k + 2) }
    figures.append(try figure("m-2001", "arr", 1043, "2001", source: "MOU", supersedes: ["m-2001-old"], line: 6))
    let q = try TrendAnalysis.run([file(figures)], quantity: "arr", model: .poisson)
    #expect(q.superseded == [SupersededFigure(id: "m-2001-old", by: ["m-2001"])])
    let r = try #require(q.results.first)
    #expect(q.results.count == 1)
    #expect(r.points.map(\.id) == ["m-1998", "m-1999", "m-2000", "m-2001"])
    // R: coef(glm(c(71, 148, 312, 1043) ~ I(1998:2001), family = poisson))
    #expect(relativeDifference(r.fit.parameters[1].estimate, 0.9771928189352721) < 1e-8)
    #expect(TrendAnalysis.table(q).contains("superseded: m-2001-old is revised by m-2001 and left out of the trend"))
    let json = TrendAnalysis.json(q).serialized()
    #expect(json.contains("\"superseded_by\""))
    #expect(ReportBuilder.isSeries(figures))
  }

  @Test("Stocks are levels: never annualised, fitted by least squares on the log levels, no 'a year' anywhere")
  func stocks() throws {
    let levels: [Double] = [11_800_000, 11_600_000, 11_300_000, 11_100_000, 11_400_000]
    let figures = try levels.enumerated().map { k, v in
      try figure(
        "dhs-\(2007 + k)", "unauth", v, "\(2007 + k)-01-01", source: "DHS", measure: .stock, line: k + 2)
    }
    let q = try TrendAnalysis.run([file(figures)], quantity: "unauth")
    let r = try #require(q.results.first)
    #expect(r.model == .loglinear)
    #expect(r.measure == .stock)
    // R: l <- lm(log(c(11.8e6, 11.6e6, 11.3e6, 11.1e6, 11.4e6)) ~ I(2007:2011)); coef(l); exp(predict(l))[1]
    #expect(relativeDifference(r.fit.parameters[1].estimate, -0.011303234193637754) < 1e-9)
    #expect(relativeDifference(r.fit.parameters[1].standardError, 0.0056248700850501212) < 1e-9)
    #expect(relativeDifference(try #require(r.points.first).fitted, 11_698_956.294091813) < 1e-9)
    #expect(r.points.allSatisfy { $0.annualized == nil && $0.annualizedLow == nil && $0.stock })
    #expect(r.points.allSatisfy { $0.exposure == 1 })
    let table = TrendAnalysis.table(q)
    #expect(!table.contains("a year"))
    #expect(!table.contains("annualized"))
    #expect(!table.contains("4,307"))
    #expect(table.contains("level"))
    // A count model asked for on stocks uses exposure 1: still nothing annualised.
    let poisson = try #require(
      try TrendAnalysis.run([file(figures)], quantity: "unauth", model: .poisson).results.first)
    #expect(poisson.points.allSatisfy { $0.annualized == nil })
    let report = try ReportBuilder.analyse(file(figures), name: "levels")
    for (path, text) in report.outputs where path.hasSuffix(".md") || path.hasSuffix(".html") {
      #expect(!text.contains("a year") && !text.contains("per year —"), "\(path)")
    }
  }

  @Test("A flow over several years is the sum of the yearly means it covers (composite link), as R's optim finds")
  func multiYearFlow() throws {
    let counts: [(String, Double, String)] = [
      ("m-1998", 71, "1998"), ("m-9901", 1043, "1999/2001"), ("m-2002", 1139, "2002"), ("m-2003", 1281, "2003"),
      ("m-2004", 1894, "2004"),
    ]
    let figures = try counts.enumerated().map { k, r in try figure(r.0, "arr", r.1, r.2, source: "MOU", line: k + 2) }
    let r = try #require(try TrendAnalysis.run([file(figures)], quantity: "arr", model: .poisson).results.first)
    #expect(r.compositeLink)
    // R: y <- c(71, 1043, 1139, 1281, 1894); the bucket 1999-2001's mean is the sum of
    // exp(a + b t) over its years; optim (BFGS, Nelder-Mead, BFGS, reltol 1e-16) on the Poisson
    // log-likelihood, optimHess for the SE: b = 0.44968141381233395 (SE 0.0086729928203824573).
    // The mid-period approximation this replaces gave 0.43854352570025362 (glm with offset log 3 at 2000).
    #expect(relativeDifference(r.fit.parameters[1].estimate, 0.44968141381233395) < 1e-8)
    #expect(relativeDifference(r.fit.parameters[1].standardError, 0.0086729928203824573) < 1e-5)
    #expect(relativeDifference(r.fit.parameters[0].estimate, -893.53397513970538) < 1e-8)
    let bucket = try #require(r.points.first { $0.id == "m-9901" && !$0.implied })
    #expect(r.points.count == 8)
    #expect(bucket.exposure == 3)
    #expect(bucket.time == 2000)
    #expect(bucket.year == 2000)
    #expect(relativeDifference(try #require(bucket.annualized), 1043.0 / 3) < 1e-15)
    let implied = r.points.filter(\.implied)
    #expect(implied.map(\.period) == ["1999", "2000", "2001"])
    #expect(relativeDifference(implied.reduce(0) { $0 + $1.fitted }, 3 * bucket.fitted) < 1e-9)
    #expect(TrendAnalysis.table(r).contains("bucket 1999–2001 (m-9901; 3 years): 1,043 observed; fitted total"))
    // A flow over several years overlapping a year of its own series, neither dated: refused at its row.
    let overlap = figures + [try figure("m-2000", "arr", 300, "2000", source: "MOU", line: 7)]
    do {
      _ = try TrendAnalysis.run([file(overlap)], quantity: "arr")
      Issue.record("an overlapping year was fitted")
    } catch {
      #expect(
        error.description.hasPrefix(
          "t.csv:7: error: arr: figures 'm-9901' (t.csv:3) and 'm-2000' both cover 2000, and neither has a `published` date"
        ), "\(error.description)")
    }
  }

  @Test("A flow over several years is placed at its middle on the scale where a whole year is centred at its year")
  func middleOfAPeriod() throws {
    func time(_ text: String) throws -> Double {
      TrendAnalysis.Row.time(of: try Period.parse(text).get(), stock: false)
    }
    #expect(try time("1999/2001") == 2000)
    #expect(try time("1999/2000") == 1999.5)
    #expect(try time("2002") == 2002)
    // A partial year keeps its year, as before.
    #expect(try time("2002-01-01/2002-07-30") == 2002)
    // 2003-03-18 is day 77 of 2003; 2006-06-30 day 181 of 2006.
    let exposure = (365.0 - 76) / 365 + 2 + 181.0 / 365
    #expect(abs(try time("2003-03-18/2006-06-30") - (2003 + 76.0 / 365 + exposure / 2 - 0.5)) < 1e-12)
  }

  @Test("annualise() refuses a stock; a flow over several years is divided by its length in years")
  func claimsAnnualise() throws {
    var stock = try figure("pop-2007", "pop", 11_800_000, "2007-01-01", source: "DHS", measure: .stock, line: 2)
    stock.unit = "persons"
    let flow = try figure("deaths", "deaths", 601_027, "2003-03-18/2006-06-30", source: "Lancet", line: 3)
    let text = "id,claim,formula,op,stated\ns,stock,annualise(pop_2007),>,1\nf,flow,annualise(deaths),>,1\n"
    let claims = try ClaimsReader.parse(Array(text.utf8), path: "c.csv", keepingRowErrors: true)
    let report = ClaimsAnalysis.run(claims: [claims], figures: [file([stock, flow])])
    let s = try #require(report.results.first { $0.id == "s" })
    #expect(s.status == .error)
    #expect(s.detail.contains("is a stock"))
    let f = try #require(report.results.first { $0.id == "f" })
    #expect(f.status == .pass)
    let exposure = (365.0 - 76) / 365 + 2 + 181.0 / 365
    #expect(relativeDifference(try #require(f.computed), 601_027 / exposure) < 1e-12)
  }
}
