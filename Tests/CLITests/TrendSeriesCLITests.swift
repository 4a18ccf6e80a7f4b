import Foundation
import TestSupport
import Testing

/// `reconcile trend` on figures from several series, revisions, stocks and flows over several
/// years (issue #27), through the command line. Reference values are R's (`lm`, `glm`) on the
/// same rows.
@Suite("trend by series, end to end", .serialized)
struct TrendSeriesCLITests {
  static let fixtures = "Tests/Fixtures/trend/"

  @Test("Two series estimating the same year are fitted apart: JSON has one result per series under `series`")
  func perSeries() throws {
    let r = try CLI.run([
      "trend", Self.fixtures + "unauthorized.csv", "--quantity", "unauthorized", "--model", "loglinear", "--format",
      "json",
    ])
    #expect(r.status == 0, "\(r.stderr)")
    let doc = try #require(try CLI.json(r.stdout) as? [String: Any])
    let series = try #require(doc["series"] as? [[String: Any]])
    #expect(
      series.map { $0["series"] as? String } == [
        "Pew Research Center", "Department of Homeland Security", "Congressional Budget Office",
      ])
    #expect(series.map { $0["fitted"] as? Bool } == [true, true, false])
    #expect((series[2]["ids"] as? [String]) == ["cbo-2009"])
    // Two fitted series: no single result at the top level.
    #expect(doc["parameters"] == nil)
    // R: coef(lm(log(c(11.1e6, 12.2e6, 11.3e6, 11.5e6)) ~ c(2005, 2007, 2009, 2011)))[2]
    let pew = try #require(series[0]["parameters"] as? [[String: Any]])
    #expect(relativeDifference(try #require(pew[1]["estimate"] as? Double), 0.0014786277565917766) < 1e-9)
    let table = try CLI.run([
      "trend", Self.fixtures + "unauthorized.csv", "--quantity", "unauthorized", "--model", "loglinear",
    ])
    #expect(table.status == 0)
    #expect(table.stdout.contains("unauthorized — Pew Research Center: loglinear trend over 4 periods"))
    #expect(table.stdout.contains("unauthorized — Department of Homeland Security: loglinear trend over 4 periods"))
    #expect(table.stdout.contains("not fitted: series Congressional Budget Office has 1 figure(s) (cbo-2009)"))
    let csv = try CLI.run([
      "trend", Self.fixtures + "unauthorized.csv", "--quantity", "unauthorized", "--model", "loglinear", "--format",
      "csv",
    ])
    let header = csv.stdout.split(separator: "\n").first ?? ""
    #expect(header.hasPrefix("quantity,model,period,") && header.hasSuffix(",id,series,measure,implied"), "\(header)")
    #expect(
      csv.stdout.contains(",pew-2005,Pew Research Center,flow,no\n")
        || csv.stdout.contains(",pew-2005,Pew Research Center,stock,no\n"))
  }

  @Test("Three figures from three sources are a set of estimates, not a trend: exit 65 and a pointer to ranges")
  func threeSources() throws {
    let r = try CLI.run(["trend", Self.fixtures + "three-sources.csv", "--quantity", "nk_in_china"])
    #expect(r.status == 65)
    #expect(r.stdout.isEmpty)
    #expect(
      r.stderr.hasPrefix(
        "Tests/Fixtures/trend/three-sources.csv: error: nk_in_china: a set of estimates from 3 series, not a trend"),
      "\(r.stderr)")
    #expect(r.stderr.contains("reconcile ranges"))
    // The report reconciles them instead, with that sentence, and does not fail.
    let dir = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let rep = try CLI.run(["report", Self.fixtures + "three-sources.csv", "--quiet", "--out", dir.path])
    #expect(rep.status == 0, "\(rep.stderr)")
    let md = try String(contentsOf: dir.appendingPathComponent("three-sources/report.md"), encoding: .utf8)
    // Markdown escapes the underscores of the name.
    #expect(md.contains("Not a trend — nk\\_in\\_china: a set of estimates from 3 series, not a trend"), "\(md)")
    #expect(md.contains("## nk\\_in\\_china: reconciled range"))
    #expect(!md.contains(": trend"))
  }

  @Test("A flow over several years is the sum of the yearly means it covers (composite link): R's optim, implied rows")
  func multiYearFlow() throws {
    let r = try CLI.run([
      "trend", Self.fixtures + "multi-year.csv", "--quantity", "arrivals", "--model", "poisson", "--format", "json",
    ])
    #expect(r.status == 0, "\(r.stderr)")
    let doc = try #require(try CLI.json(r.stdout) as? [String: Any])
    #expect(doc["composite_link"] as? Bool == true)
    // R: optim on the Poisson log-likelihood of c(71, 1043, 1139, 1281, 1894), the 1999-2001 mean
    // the sum of exp(a + b t) over its years (TrendSeriesTests.multiYearFlow has the script).
    let params = try #require(doc["parameters"] as? [[String: Any]])
    #expect(relativeDifference(try #require(params[1]["estimate"] as? Double), 0.44968141381233395) < 1e-8)
    #expect(relativeDifference(try #require(params[1]["std_error"] as? Double), 0.0086729928203824573) < 1e-5)
    let points = try #require(doc["points"] as? [[String: Any]])
    #expect(points.count == 8)
    let bucket = try #require(
      points.first { $0["id"] as? String == "mou-1999-2001" && $0["implied"] as? Bool == false })
    #expect(bucket["exposure"] as? Double == 3)
    #expect(bucket["year"] as? Int == 2000)
    #expect(bucket["observed"] as? Double == 1043)
    #expect(
      points.filter { $0["implied"] as? Bool == true }.map { $0["period"] as? String } == ["1999", "2000", "2001"])
    let buckets = try #require(doc["buckets"] as? [[String: Any]])
    #expect(buckets.count == 1)
    let table = try CLI.run(["trend", Self.fixtures + "multi-year.csv", "--quantity", "arrivals", "--model", "poisson"])
    let row = table.stdout.split(separator: "\n").first { $0.hasPrefix("  1999/2001 ") }
    #expect(row?.contains("1,043") == true && row?.contains("347.7") == true, "\(table.stdout)")
    #expect(table.stdout.contains("  2000 (implied) "))
    #expect(table.stdout.contains("bucket 1999–2001 (mou-1999-2001; 3 years): 1,043 observed; fitted total"))
    // The least-squares models cannot split the bucket: a usage of the data they refuse.
    let ols = try CLI.run(["trend", Self.fixtures + "multi-year.csv", "--quantity", "arrivals", "--model", "loglinear"])
    #expect(ols.status == 65)
    #expect(
      ols.stderr.contains("multi-year.csv:3: error: arrivals: figure 'mou-1999-2001' is a count over several years"))
  }

  @Test("The Ministry's arrivals end to end: buckets, implied years, cumulative checks, conflicts, --vintage")
  func officialArrivals() throws {
    let table = try CLI.run(["trend", "datasets/mou-arrivals.csv", "--quantity", "mou_arrivals"])
    #expect(table.status == 0, "\(table.stderr)")
    for needle in [
      "mou_arrivals: negbin trend over 25 periods (composite link: 2 counts over several years)",
      "1993/1998", "1999 (implied)",
      "bucket 1999–2001 (mou-official-1999-2001; 3 years): 1,043 observed; fitted total",
      "bucket 1993–1998 (mou-official-through-1998; the cumulative total through 1998, counted from 1993",
      "PASS  mou-official-total-2022: cumulative 1993–2022: stated 33,882; observed 33,882",
      "PASS  mou-official-total-2024: cumulative 1993–2024: stated 34,314; observed 34,314",
      "conflict: 2001: 583 (mou-2001, 2002-11) against the 1999–2001 bucket 1,043 (mou-official-1999-2001, 2025-01)",
      "8 + 51 + 41 + 56 + 86 + 71 = 313 against the cumulative total through 1998 (counted from 1993) 947",
    ] {
      #expect(table.stdout.contains(needle), "missing: \(needle)")
    }
    let json = try CLI.run(["trend", "datasets/mou-arrivals.csv", "--quantity", "mou_arrivals", "--format", "json"])
    let doc = try #require(try CLI.json(json.stdout) as? [String: Any])
    let checks = try #require(doc["cumulative_checks"] as? [[String: Any]])
    #expect(checks.map { $0["passed"] as? Bool } == [true, true])
    #expect(checks.map { $0["observed"] as? Double } == [33_882, 34_314])
    #expect((doc["conflicts"] as? [Any])?.count == 10)
    let csv = try CLI.run(["trend", "datasets/mou-arrivals.csv", "--quantity", "mou_arrivals", "--format", "csv"])
    let lines = csv.stdout.split(separator: "\n")
    #expect(lines.first?.hasSuffix(",series,measure,implied") == true)
    #expect(lines.filter { $0.hasSuffix(",yes") }.count == 9)
    // As it stood in January 2003: the 2002 printing alone.
    let old = try CLI.run([
      "trend", "datasets/mou-arrivals.csv", "--quantity", "mou_arrivals", "--vintage", "2003-01-01",
    ])
    #expect(old.status == 0, "\(old.stderr)")
    #expect(old.stdout.hasPrefix("mou_arrivals: negbin trend over 10 periods\n"))
    #expect(old.stdout.contains("2002-01-01/2002-07-30"))
    #expect(!old.stdout.contains("conflict"))
    #expect(old.stdout.contains("vintage 2003-01-01: the series as it stood then"))
    let bad = try CLI.run([
      "trend", "datasets/mou-arrivals.csv", "--quantity", "mou_arrivals", "--vintage", "2003-13-01",
    ])
    #expect(bad.status == 64)
    #expect(bad.stderr.contains("--vintage must be a date YYYY-MM-DD"))
  }
}

/// The same, on columns the figures reader parses from the `format` branch on (`series`,
/// `supersedes`, `measure`, and a single date read as a stock): these pass once it is merged.
@Suite("trend by series on the new columns, end to end", .serialized)
struct TrendSeriesColumnsCLITests {
  static let fixtures = "Tests/Fixtures/trend/"

  @Test("A superseded figure is left out and listed; the `series` column joins two sources into one series")
  func superseded() throws {
    let r = try CLI.run([
      "trend", Self.fixtures + "revised.csv", "--quantity", "arrivals", "--model", "poisson", "--format", "json",
    ])
    #expect(r.status == 0, "\(r.stderr)")
    let doc = try #require(try CLI.json(r.stdout) as? [String: Any])
    let superseded = try #require(doc["superseded"] as? [[String: Any]])
    #expect(superseded.map { $0["id"] as? String } == ["hrw-2001"])
    #expect((superseded.first?["superseded_by"] as? [String]) == ["mou-2001-revised"])
    #expect(doc["series"].flatMap { ($0 as? [[String: Any]])?.map { $0["series"] as? String } } == ["MOU"])
    let points = try #require(doc["points"] as? [[String: Any]])
    #expect(points.map { $0["id"] as? String } == ["mou-1998", "mou-1999", "mou-2000", "mou-2001-revised"])
    // R: coef(glm(c(71, 148, 312, 1043) ~ I(1998:2001), family = poisson))[2]
    let params = try #require(doc["parameters"] as? [[String: Any]])
    #expect(relativeDifference(try #require(params[1]["estimate"] as? Double), 0.9771928189352721) < 1e-8)
    let table = try CLI.run(["trend", Self.fixtures + "revised.csv", "--quantity", "arrivals", "--model", "poisson"])
    #expect(table.stdout.contains("superseded: hrw-2001 is revised by mou-2001-revised and left out of the trend"))
  }

  @Test("Five 'as of 1 January' figures are levels: not annualised, no 'a year', log-linear on the levels (R's lm)")
  func noAnnualisedStock() throws {
    let r = try CLI.run(["trend", Self.fixtures + "as-of-january.csv", "--quantity", "unauthorized"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(!r.stdout.contains("4,307"))
    #expect(!r.stdout.contains("a year"))
    #expect(
      r.stdout.contains("unauthorized: loglinear trend over 5 periods (stock: levels at a date, never annualised)"))
    let j = try CLI.run([
      "trend", Self.fixtures + "as-of-january.csv", "--quantity", "unauthorized", "--format", "json",
    ])
    let doc = try #require(try CLI.json(j.stdout) as? [String: Any])
    #expect(doc["measure"] as? String == "stock")
    let points = try #require(doc["points"] as? [[String: Any]])
    #expect(points.allSatisfy { $0["annualized"] is NSNull && $0["exposure"] is NSNull })
    // R: l <- lm(log(c(11.8e6, 11.6e6, 11.3e6, 11.1e6, 11.4e6)) ~ I(2007:2011)); exp(predict(l))[1]
    #expect(relativeDifference(try #require(points.first?["fitted"] as? Double), 11_698_956.294091813) < 1e-9)
  }

  @Test("Stocks stated in the `measure` column: two series, each a trend of levels")
  func statedStocks() throws {
    let r = try CLI.run([
      "trend", Self.fixtures + "unauthorized.csv", "--quantity", "unauthorized", "--format", "json",
    ])
    #expect(r.status == 0, "\(r.stderr)")
    let doc = try #require(try CLI.json(r.stdout) as? [String: Any])
    let series = try #require(doc["series"] as? [[String: Any]])
    #expect(series.prefix(2).map { $0["measure"] as? String } == ["stock", "stock"])
    #expect(series.prefix(2).map { $0["model"] as? String } == ["loglinear", "loglinear"])
  }
}
