import Figures
import Foundation
import Statistics
import TestSupport
import Testing

@testable import Reports

/// `trend --model joinpoint` on counts (issue #29): the count joinpoint models, the one rule
/// `trend` and `report` share, and what the joinpoints do to the overdispersion.
@Suite("Joinpoints of counts: trend and report share one rule (#29)")
struct TrendJoinpointCountTests {
  static let datasetsFolder = Fixtures.repositoryRoot.appendingPathComponent("datasets")

  static let datasets: [String] =
    ((try? FileManager.default.contentsOfDirectory(atPath: datasetsFolder.path)) ?? [])
    .filter { $0.hasSuffix(".csv") && $0 != "claims.csv" }.sorted()  // claims.csv holds claims, not figures

  static func dataset(_ name: String) throws -> FiguresFile {
    try FiguresReader.read(path: datasetsFolder.appendingPathComponent(name).path)
  }

  /// R's figures for the 2002 printing (scripts/peers/joinpoint-count: glm / glm.nb), by
  /// "model/K/quantity".
  static let mouReference: [String: Double] = {
    var out: [String: Double] = [:]
    for r in (try? Fixtures.csv("joinpoint/count-reference.csv")) ?? [] where r["case"] == "mou-2002" {
      guard let m = r["model"], let k = r["k"], let q = r["quantity"], let i = r["index"],
        let v = Double(r["value"] ?? "")
      else { continue }
      out["\(m)/\(k)/\(q)/\(i)"] = v
    }
    return out
  }()

  @Test("there are datasets with series to compare") func datasetsPresent() {
    #expect(Self.datasets.contains("mou-arrivals.csv"))
  }

  @Test("report's joinpoints are those of trend --model joinpoint without options", arguments: datasets)
  func reportUsesTrendsRule(_ name: String) throws {
    let file = try Self.dataset(name)
    let report = try ReportBuilder.analyse(file, name: name)
    for t in report.trends {
      let trend = try? TrendAnalysis.run([file], quantity: t.quantity, model: .joinpoint)
      let mine = trend?.results.first { $0.series == t.series }
      let segmented = report.segmented[t.label]
      #expect((mine == nil) == (segmented == nil), "\(name) \(t.label)")
      guard let mine, let segmented else { continue }
      #expect(segmented.joinpointFit?.joinpoints == mine.joinpointFit?.joinpoints, "\(name) \(t.label)")
      #expect(segmented.joinpointModel == mine.joinpointModel, "\(name) \(t.label)")
      #expect(
        segmented.joinpointFit?.selection?.chosen == mine.joinpointFit?.selection?.chosen, "\(name) \(t.label)")
    }
  }

  @Test("the 2002 printing: negbin by default; the joinpoints remove most of the Poisson fit's overdispersion (R)")
  func vintage2002() throws {
    let vintage = try #require(TrendAnalysis.parseVintage("2003-01-01"))
    let q = try TrendAnalysis.run(
      [try Self.dataset("mou-arrivals.csv")], quantity: "mou_arrivals", model: .joinpoint, vintage: vintage)
    let r = try #require(q.results.first)
    #expect(r.joinpointModel == .negbin)
    let d = try #require(r.joinpointDispersion)
    let ref = Self.mouReference
    let without = try #require(ref["poisson/0/dispersion/0"])
    let lrWithout = try #require(ref["poisson/0/lrNB/0"])
    #expect(relativeDifference(d.without.pearsonDispersion, without) <= 1e-6)
    #expect(relativeDifference(d.without.lrStatistic, lrWithout) <= 1e-5)
    // R's best Poisson placement of as many joinpoints as were chosen.
    let k = d.joinpoints.count
    let rJoinpoints = (1...k).compactMap { ref["poisson/\(k)/joinpoint/\($0)"] }
    #expect(d.joinpoints == rJoinpoints)
    let with = try #require(ref["poisson/\(k)/dispersion/0"])
    #expect(relativeDifference(d.with.pearsonDispersion, with) <= 1e-6)
    #expect(d.removesMost)
    let table = TrendAnalysis.table(r)
    #expect(table.contains("remove most of the overdispersion"))
    #expect(table.contains("model: joinpoint (negbin)"))
    // One joinpoint at 1998, as in the issue: 17.3 → 4.45.
    let at1998 = try #require(ref["poisson/1/dispersion/0"])
    #expect(ref["poisson/1/joinpoint/1"] == 1998)
    #expect(abs(at1998 - 4.45) < 0.005 && abs(without - 17.25) < 0.005)
  }

  @Test("the official table: its buckets enter the count joinpoint fit (composite link); least squares refuses them")
  func buckets() throws {
    let file = try Self.dataset("mou-arrivals.csv")
    for jm in [JoinpointModel.poisson, .negbin] {
      let r = try #require(
        try TrendAnalysis.run(
          [file], quantity: "mou_arrivals", model: .joinpoint, joinpoint: JoinpointSettings(model: jm)
        ).results.first)
      #expect(r.compositeLink)
      #expect(r.buckets.map(\.firstYear) == [1993, 1999])
      #expect(r.points.contains { $0.implied })
      #expect(r.cumulativeChecks.count == 2)
      #expect(!(r.joinpointFit?.joinpoints.isEmpty ?? true))
    }
    for jm in [JoinpointModel.loglinear, .weighted] {
      do {
        _ = try TrendAnalysis.run(
          [file], quantity: "mou_arrivals", model: .joinpoint, joinpoint: JoinpointSettings(model: jm))
        Issue.record("\(jm) should refuse the buckets")
      } catch {
        #expect(error.description.contains("--joinpoint-model poisson or negbin"))
      }
    }
  }

  @Test("--span gives the AAPC of the count joinpoint fit with its interval")
  func span() throws {
    let vintage = try #require(TrendAnalysis.parseVintage("2003-01-01"))
    let q = try TrendAnalysis.run(
      [try Self.dataset("mou-arrivals.csv")], quantity: "mou_arrivals", model: .joinpoint, span: 1998...2001,
      joinpoint: JoinpointSettings(model: .poisson), vintage: vintage)
    let r = try #require(q.results.first)
    let jp = try #require(r.joinpointFit)
    let sp = try #require(r.span)
    let a = try Joinpoint.aapc(jp, from: 1998, to: 2001)
    #expect(sp.annualPercentChange.estimate == a.estimate)
    #expect(sp.annualPercentChange.low == a.low && sp.annualPercentChange.high == a.high)
    #expect((a.low..<a.high).contains(a.estimate))
  }

  @Test("usage problems: the count models choose by BIC only and have no grid")
  func optionProblems() {
    #expect(
      TrendAnalysis.joinpointOptionProblem(
        model: .joinpoint, joinpointModel: .poisson, select: .permutation, permutations: 4499, grid: 0)?
        .contains("BIC") == true)
    #expect(
      TrendAnalysis.joinpointOptionProblem(
        model: .joinpoint, joinpointModel: .negbin, select: nil, permutations: 4499, grid: 4) != nil)
    #expect(
      TrendAnalysis.joinpointOptionProblem(
        model: .poisson, joinpointModel: .negbin, select: nil, permutations: 4499, grid: 0) != nil)
    #expect(
      TrendAnalysis.joinpointOptionProblem(
        model: .joinpoint, joinpointModel: .weighted, select: .permutation, permutations: 0, grid: 0) != nil)
    #expect(
      TrendAnalysis.joinpointOptionProblem(
        model: .joinpoint, joinpointModel: .weighted, select: .permutation, permutations: 999, grid: 0) == nil)
    #expect(JoinpointSettings.defaultRule(for: .poisson) == .bic)
    #expect(JoinpointSettings.defaultRule(for: .loglinear) == .permutation)
    #expect(JoinpointSettings().permutations == 4499)
  }
}
