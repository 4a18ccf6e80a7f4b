import Figures
import Foundation
import TestSupport
import Testing

@testable import Reports

/// The claims fixtures folder.
private let claimsFixtures = Fixtures.url("claims")

/// The small figures file every claim here is checked against.
private let figuresFile: FiguresFile? = try? FiguresReader.read(
  path: claimsFixtures.appendingPathComponent("figures.csv").path)

/// Checks one claim row (`formula,op,stated[,tolerance]`) against the fixture figures.
private func check(_ formula: String, _ op: String, _ stated: String, tolerance: String = "")
  throws -> ClaimResult
{
  func q(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
  let text = "id,claim,formula,op,stated,tolerance\nc,claim,\(q(formula)),\(op),\(q(stated)),\(tolerance)\n"
  let file = try ClaimsReader.parse(Array(text.utf8), path: "c.csv", keepingRowErrors: true)
  let figures = try #require(figuresFile)
  let report = ClaimsAnalysis.run(claims: [file], figures: [figures])
  return try #require(report.results.first)
}

@Suite("Claims: checking printed figures")
struct ClaimsAnalysisTests {
  @Test("≈ at the printed precision: 80,000 vs 84,388 passes, 50 vs 60.24 fails, 9.60 vs 9.64 passes")
  func approximately() throws {
    let survey = try check("nk_survey", "≈", "80,000")
    #expect(survey.status == .pass)
    #expect(survey.detail == "84,388 ≈ 80,000 (5.5% off; the printed figure allows ±5,000)")
    let fine = try check("convert(fine_rmb, rmb_per_usd)", "≈", "50")
    #expect(fine.status == .fail)
    #expect(relativeDifference(fine.computed, 500 / 8.3, floor: 1e-300) <= 1e-12)
    #expect(fine.detail == "500 / 8.3 = 60.24, not ≈ 50 (20% off; the printed figure allows ±5)")
    #expect(try check("price_a", "≈", "9.60").status == .pass)
    // A stated expression has no printed precision: only the tolerance counts.
    #expect(try check("price_a", "≈", "960/100").status == .pass)
    #expect(try check("price_a", "≈", "960/100", tolerance: "0.001").status == .fail)
    // A stated tolerance is the whole rule: the printed precision no longer widens it.
    #expect(try check("price_a", "≈", "9.6", tolerance: "0").status == .fail)
    #expect(try check("price_a", "≈", "9.6", tolerance: "1%").status == .pass)  // 0.42% off
  }

  @Test("An explicit tolerance wins over the printed precision: 1.72 is not ≈ 2 at 5%, is at the default")
  func statedToleranceWins() throws {
    let strict = try check("172/100", "≈", "2", tolerance: "5%")
    #expect(strict.status == .fail)
    #expect(strict.detail.contains("the stated tolerance 5% allows ±0.1"), "\(strict.detail)")
    let loose = try check("172/100", "≈", "2")
    #expect(loose.status == .pass)
    #expect(loose.detail.contains("the printed figure allows ±0.5"), "\(loose.detail)")
    #expect(try check("172/100", "≈", "2", tolerance: "15%").status == .pass)
  }

  @Test("inequalities, with the numbers in the detail")
  func inequalities() throws {
    let r = try check("ratio(unhcr_2001, mou_2002_partial)", ">", "1/6")
    #expect(r.status == .pass)
    #expect(r.detail == "121 / 629 = 0.1924 > 1/6 = 0.1667")
    #expect(relativeDifference(r.computed, 121.0 / 629, floor: 1e-300) <= 1e-12)
    #expect(relativeDifference(r.stated, 1.0 / 6, floor: 1e-300) <= 1e-12)
    #expect(try check("ratio(unhcr_2001, mou_2002_partial)", "<", "0.2").status == .pass)
    #expect(try check("unhcr_2001", "<=", "121").status == .pass)
    #expect(try check("unhcr_2001", "<", "121").status == .fail)
    #expect(try check("unhcr_2001", ">=", "121").status == .pass)
    #expect(try check("unhcr_2001", ">", "200").detail == "121, not > 200")
  }

  static let functionCases: [(String, Double)] = [
    ("share(unhcr_2001, mou_2001)", 121.0 / 583),
    ("ratio(mou_2001, mou_2000)", 583.0 / 312),
    ("sum(mou_1998, mou_1999, mou_2000, mou_2001)", 71.0 + 148 + 312 + 583),
    ("sum(5)", 5),
    ("annualise(629, 211)", 629.0 * 365 / 211),
    ("annualise(mou_2002_partial)", 629.0 * 365 / 211),  // 2002-01-01/2002-07-30: 211 days
    ("annualize(mou_2002_partial)", 629.0 * 365 / 211),
    ("convert(fine_rmb, rmb_per_usd)", 500 / 8.3),
    ("net(camp_intake, camp_deaths)", 900),
    ("stay(camp_pop_start, camp_intake)", 5000.0 / 1200),
    ("little(camp_intake, 4)", 4800),
    ("proportion(survey_yes, survey_n)", 130.0 / 521),
    ("low(nk_in_china)", 10_000),
    ("high(nk_in_china)", 300_000),
    ("mid(nk_in_china)", (10_000.0 * 300_000).squareRoot()),
    ("mid(nk_survey)", 84_388),
    ("value(nk_survey)", 84_388),
    ("exposure(mou_2002_partial)", 211.0 / 365),
    ("exposure(mou_2001)", 1),
    ("min(mou_1998, mou_1999, 3)", 3),
    ("max(mou_1998, mou_1999, 3)", 148),
    ("sqrt(abs(-16)) + log(exp(2))", 6),
  ]

  @Test("every function", arguments: functionCases)
  func functions(formula: String, expected: Double) throws {
    let r = try check(formula, "<", "1e12")
    #expect(r.status != .error, "\(r.detail)")
    #expect(
      relativeDifference(r.computed, expected, floor: 1e-300) <= 1e-12, "\(formula) = \(String(describing: r.computed))"
    )
  }

  @Test("ids with hyphens are written with underscores; the id as written is tried first")
  func hyphenResolution() throws {
    #expect(try check("mou_2002_partial", "≈", "629").status == .pass)
    // Identifiers cannot hold hyphens: `mou-2001` is a subtraction of two unknown names.
    let r = try check("mou-2001", "≈", "583")
    #expect(r.status == .error)
    #expect(r.detail.contains("unknown figure 'mou'"))
    let evaluator = ClaimsEvaluator(figures: [try #require(figuresFile)])
    #expect(evaluator.figure(named: "mou_2002_partial")?.id == "mou-2002-partial")
    #expect(evaluator.figure(named: "mou-2001")?.id == "mou-2001")
    #expect(evaluator.figure(named: "mou_2003") == nil)
  }

  @Test("a range used bare is an error that names low, high and mid; at its column")
  func rangeBare() throws {
    let r = try check("2 * nk_in_china", ">", "1")
    #expect(r.status == .error)
    #expect(r.computed == nil)
    #expect(r.detail.contains("write low(nk_in_china), high(nk_in_china) or mid(nk_in_china)"))
    // id 1, comma, "claim" 3–7, comma, quote at 9: the formula starts at 10, the name at offset 5.
    #expect(r.diagnostics.map(\.location.description) == ["c.csv:2:14"])
  }

  @Test("division by zero, log of a negative number, overflow: status error, never a crash")
  func arithmeticErrors() throws {
    let z = try check("share(unhcr_2001, no_one)", "<", "1")
    #expect(z.status == .error)
    #expect(z.detail == "division by zero in share(unhcr_2001, no_one): no_one is 0")
    #expect(try check("unhcr_2001 / (mou_2001 - 583)", "<", "1").detail.hasPrefix("division by zero"))
    #expect(try check("log(no_one - 1)", "<", "1").detail.hasPrefix("log of a negative number"))
    #expect(try check("10^400", ">", "1").detail.contains("not a finite number"))
    #expect(try check("unhcr_2001", "<", "1/0").status == .error)
    #expect(try check("proportion(600, survey_n)", "≈", "1").detail.contains("0 ≤ k ≤ n"))
    #expect(try check("share(1)", "<", "1").detail == "share() takes 2 arguments, got 1")
    #expect(try check("low(3)", "<", "1").detail.hasPrefix("low() takes one figure id"))
  }

  @Test("stock and flow: the inflow and outflow that fail to balance are shown")
  func stockFlow() throws {
    let r = try check("net(camp_intake, camp_deaths)", "≈", "camp_pop_end - camp_pop_start")
    #expect(r.status == .fail)
    #expect(
      r.detail
        == "inflow 1,200 − outflow 300 = 900, not ≈ 5,500 - 5,000 = 500 (80% off; the printed figure allows ±5) — inflow 1,200 and outflow 300 do not balance to 5,500 - 5,000 = 500"
    )
    // Little's law: 5,000 people, 1,200 arriving a month → a stay of about 4.2 months.
    // "4.0" allows ±0.05 at 1%; 5% of 4 allows ±0.2.
    #expect(try check("stay(camp_pop_start, camp_intake)", "≈", "4.0").status == .fail)
    #expect(try check("stay(camp_pop_start, camp_intake)", "≈", "4.0", tolerance: "5%").status == .pass)
    #expect(try check("little(camp_intake, 5000/1200)", "≈", "5000").status == .pass)
  }

  /// Wilson interval for k = 130, n = 521, computed with R 4 by hand:
  /// `k=130;n=521;p=k/n; z=qnorm(.975); print((p + z^2/(2*n) + c(-1,1)*z*sqrt(p*(1-p)/n + z^2/(4*n^2)))/(1+z^2/n), digits=15)`
  /// `[1] 0.214286418622550 0.288420550094326`
  @Test("proportion(k, n) passes when the stated share lies in the 95% Wilson interval")
  func wilson() throws {
    let (lo, hi) = ClaimsAnalysis.wilson(k: 130, n: 521)
    #expect(relativeDifference(lo, 0.214286418622550, floor: 1e-300) <= 1e-13)
    #expect(relativeDifference(hi, 0.288420550094326, floor: 1e-300) <= 1e-13)
    let quarter = try check("proportion(survey_yes, survey_n)", "≈", "1/4")
    #expect(quarter.status == .pass)
    #expect(quarter.detail == "130 / 521 = 0.2495; 95% Wilson interval 0.2143–0.2884 holds 1/4 = 0.25")
    // 0.3 is outside, although ≈ at the printed precision (±0.05) would have passed it.
    let third = try check("proportion(survey_yes, survey_n)", "≈", "0.3")
    #expect(third.status == .fail)
    #expect(third.detail.contains("does not hold 0.3"))
    #expect(try check("proportion(survey_yes, survey_n)", "≈", "0.215").status == .pass)
    // Not top-level: an ordinary quotient.
    #expect(try check("2 * proportion(survey_yes, survey_n)", "≈", "0.5").status == .pass)
  }

  /// R 4: `exp(coef(glm(c(71,148,312,583) ~ I(1998:2001), family=poisson))[2])` = 1.99156758697464
  @Test("growth(q, from, to): the fitted growth factor per year over the span")
  func growth() throws {
    let r = try check("growth(mou_arrivals, 1998, 2001)", "≈", "2")
    #expect(r.status == .pass, "\(r.detail)")
    #expect(relativeDifference(r.computed, 1.99156758697464, floor: 1e-300) <= 1e-8)
    #expect(r.detail.hasPrefix("growth factor per year of mou_arrivals 1998–2001 = 1.992 (95% CI 1.87–2.121) ≈ 2"))
    // At least doubling: the estimate is just below 2, its interval on both sides — the figures
    // cannot decide; at least 2.5 they contradict.
    #expect(try check("growth(mou_arrivals, 1998, 2001)", ">=", "2").status == .unverifiable)
    #expect(try check("growth(mou_arrivals, 1998, 2001)", ">=", "2.5").status == .fail)
    let none = try check("growth(no_such_quantity, 1998, 2001)", ">", "1")
    #expect(none.status == .error)
    #expect(none.detail.contains("no_such_quantity"))
    #expect(try check("growth(mou_arrivals, 2001, 1998)", ">", "1").status == .error)
  }

  @Test("unknown figures and syntax errors: status error, exact path:line:column, others still checked")
  func errorsFile() throws {
    let path = claimsFixtures.appendingPathComponent("errors.csv").path
    let file = try ClaimsReader.read(path: path, keepingRowErrors: true)
    let report = ClaimsAnalysis.run(claims: [file], figures: [try #require(figuresFile)])
    #expect(report.results.map(\.status) == [.pass, .error, .error, .error, .error, .fail, .error, .error])
    #expect((report.passed, report.failed, report.errors) == (1, 1, 6))
    #expect(
      report.diagnostics.map(\.description) == [
        "\(path):3:39: error: unknown figure 'mou_2003' or 'mou-2003': no figure has that id",
        "\(path):4:35: error: formula: unexpected ','",
        "\(path):5:23: error: division by zero in share(unhcr_2001, no_one): no_one is 0",
        "\(path):6:25: error: figure 'nk-in-china' is a range (10,000–300,000), not a point: write low(nk_in_china), high(nk_in_china) or mid(nk_in_china)",
        "\(path):8:28: error: bad op '=': use <, <=, >, >= or ≈ (also ~ or approx)",
        "\(path):9:36: error: formula: unknown function 'foo'",
      ])
  }

  @Test("outputs: JSON keys, checks.csv columns, table and markdown with failures first")
  func outputs() throws {
    let path = claimsFixtures.appendingPathComponent("errors.csv").path
    let file = try ClaimsReader.read(path: path, keepingRowErrors: true)
    let report = ClaimsAnalysis.run(claims: [file], figures: [try #require(figuresFile)])
    let json = ClaimsAnalysis.json(report).serialized()
    for key in [
      "\"claims\"", "\"passed\": 1", "\"failed\": 1", "\"errors\": 6", "\"status\": \"error\"", "\"computed\": null",
      "\"line\": 3",
    ] {
      #expect(json.contains(key), "\(key)")
    }
    let csv = ClaimsAnalysis.csv(report).text
    #expect(csv.hasPrefix("id,status,claim,computed,stated,op,detail,source,document,quote,line\ngood,pass,"))
    let table = ClaimsAnalysis.table(report).split(separator: "\n")
    #expect(table.first?.hasPrefix("FAIL   fails") == true)
    #expect(table.dropLast().last?.hasPrefix("PASS   good") == true)
    #expect(table.last == "1 passed, 1 failed, 6 errors")
    let md = ClaimsAnalysis.markdown(report).split(separator: "\n")
    #expect(md.count > 3 && md[2].hasPrefix("| **fail** | fails |"))
  }

  @Test("loading: only a claims file given → the figures files of its folder are read")
  func loading() throws {
    let path = claimsFixtures.appendingPathComponent("claims.csv").path
    let inputs = try ClaimsAnalysis.load(paths: [path])
    #expect(inputs.claims.map(\.path) == [path])
    #expect(inputs.figures.map { URL(fileURLWithPath: $0.path).lastPathComponent } == ["figures.csv"])
    let folder = try ClaimsAnalysis.load(paths: [claimsFixtures.path])
    #expect(folder.claims.count == 2)
    #expect(folder.figures.count == 1)
    #expect(throws: FiguresError.self) { try ClaimsAnalysis.load(paths: ["/no/such/claims.csv"]) }
  }
}

@Suite("Claims the figures cannot judge as written")
struct ClaimsJudgedFairlyTests {
  static let figures = """
    id,quantity,value,unit,period,measure,source,quote
    part,arrivals_embassy,121,persons,2002,flow,HRW,"121 arrived via embassies"
    part-jul,arrivals_embassy_jul,100,persons,2002-01-01/2002-07-30,flow,HRW,"100 by 30 July"
    whole,arrivals,629,persons,2002-01-01/2002-07-30,flow,MOU,"629 as of July 30"
    share-q,share_quarter,0.25,share,2000,stock,Survey,"of 521 respondents, about one quarter said so"
    n,respondents,521,persons,2000,stock,Survey,"of 521 respondents, about one quarter said so"

    """

  static func run(_ rows: [String]) throws -> [ClaimResult] {
    let text = "id,claim,formula,op,stated,quote\n" + rows.joined(separator: "\n") + "\n"
    let claims = try ClaimsReader.parse(Array(text.utf8), path: "c.csv", keepingRowErrors: true)
    let figures = try FiguresReader.parse(Array(Self.figures.utf8), path: "f.csv")
    return ClaimsAnalysis.run(claims: [claims], figures: [figures]).results
  }

  @Test("A share whose part and whole cover different periods is a period mismatch, not a pass")
  func periodMismatch() throws {
    let r = try Self.run([
      "a,over a sixth,\"share(part, whole)\",>,1/6,", "b,same period,\"share(part_jul, whole)\",>,0.1,",
      "c,a ratio over time,part / whole,<,1,",
    ])
    #expect(r[0].status == .periodMismatch)
    #expect(r[0].detail.contains("part 2002, whole 2002-01-01/2002-07-30"), "\(r[0].detail)")
    #expect(r[1].status == .pass)
    // A quotient compares figures, across time on purpose: not this rule.
    #expect(r[2].status == .pass)
    #expect(ClaimsAnalysis.table(ClaimsReport(results: r)).contains("PERIOD MISMATCH"))
  }

  @Test("A stated figure that is an input of its own formula, from the same sentence, is a tautology")
  func tautology() throws {
    let quote = "\"of 521 respondents, about one quarter said so\""
    let r = try Self.run([
      "a,about a quarter,\"proportion(share_q * n, n)\",≈,0.25,\(quote)",
      "b,about a quarter (another source),\"proportion(share_q * n, n)\",≈,0.25,\"a different sentence\"",
      "c,a fifth,\"proportion(share_q * n, n)\",≈,0.2,\(quote)",
    ])
    #expect(r[0].status == .tautology)
    #expect(r[0].detail.contains("share-q"), "\(r[0].detail)")
    // Another sentence's claim is checked; a stated figure that is not the input is checked.
    #expect(r[1].status == .pass)
    #expect(r[2].status == .fail)
    let report = ClaimsReport(results: r)
    #expect(report.totals == "1 passed, 1 failed, 1 tautology, 0 errors")
  }
}

@Suite("An account that contradicts itself is one finding")
struct InconsistentAccountTests {
  static let figures = """
    id,quantity,value,unit,period,source,document
    a,intake,100,persons per month,2002,Witness,w.txt
    b,deaths,10,persons per day,2002,Witness,w.txt
    c,population,300,persons,2002,Witness,w.txt
    d,official,50,persons per month,2002,Ministry,m.txt

    """

  static func run(_ rows: [String]) throws -> ClaimsReport {
    let text = "id,claim,formula,op,stated,source,document\n" + rows.joined(separator: "\n") + "\n"
    let claims = try ClaimsReader.parse(Array(text.utf8), path: "c.csv", keepingRowErrors: true)
    let figures = try FiguresReader.parse(Array(Self.figures.utf8), path: "f.csv")
    return ClaimsAnalysis.run(claims: [claims], figures: [figures])
  }

  @Test("Two failed checks of one witness's own figures: inconsistent, counted as one account")
  func oneAccount() throws {
    let report = try Self.run([
      "x1,balance,a - b * 30,>=,0,Witness,w.txt", "x2,stay,c / a,>=,12,Witness,w.txt",
      "x3,against the ministry,a / d,<,1,Witness,w.txt", "x4,holds,c,>,100,Witness,w.txt",
    ])
    let status = Dictionary(uniqueKeysWithValues: report.results.map { ($0.id, $0.status) })
    #expect(status["x1"] == .inconsistent && status["x2"] == .inconsistent)
    // A check that reads another source's figure is an ordinary failure; a pass stays a pass.
    #expect(status["x3"] == .fail && status["x4"] == .pass)
    #expect(report.totals == "1 passed, 1 failed, 1 inconsistent account (2 checks), 0 errors")
    #expect(ClaimsAnalysis.table(report).contains("INCONSISTENT"))
  }

  @Test("A single failed check of an account is a failure")
  func single() throws {
    let report = try Self.run(["x1,balance,a - b * 30,>=,0,Witness,w.txt"])
    #expect(report.results.first?.status == .fail)
  }
}

@Suite("A growth claim judged over the fitted interval")
struct UnverifiableClaimTests {
  @Test("Borne out over the whole interval passes, contradicted over all of it fails, else unverifiable")
  func overTheInterval() throws {
    let figures = """
      id,quantity,value,unit,period,measure,source
      y1,arrivals,10,persons,2001,flow,S
      y2,arrivals,25,persons,2002,flow,S
      y3,arrivals,30,persons,2003,flow,S
      y4,arrivals,90,persons,2004,flow,S

      """
    let claims = """
      id,claim,formula,op,stated,tolerance
      double,doubling,"growth(arrivals, 2001, 2004)",≈,2,5%
      rising,rising,"growth(arrivals, 2001, 2004)",>,1,
      fivefold,fivefold,"growth(arrivals, 2001, 2004)",>,5,

      """
    let c = try ClaimsReader.parse(Array(claims.utf8), path: "c.csv", keepingRowErrors: true)
    let f = try FiguresReader.parse(Array(figures.utf8), path: "f.csv")
    let report = ClaimsAnalysis.run(claims: [c], figures: [f])
    let status = Dictionary(uniqueKeysWithValues: report.results.map { ($0.id, $0.status) })
    #expect(status["double"] == .unverifiable)
    #expect(status["rising"] == .pass)
    #expect(status["fivefold"] == .fail)
    let detail = try #require(report.results.first { $0.id == "double" }?.detail)
    #expect(detail.contains("95% CI") && detail.contains("the figures cannot decide it"), "\(detail)")
  }
}

@Suite("Claims sharing a quote are shown under it")
struct ClaimsGroupedByQuoteTests {
  static func run() throws -> ClaimsReport {
    let figures = """
      id,quantity,value,unit,period,source,document
      a,intake,100,persons per month,2002,Witness,w.txt
      b,deaths,10,persons per day,2002,Witness,w.txt
      c,population,300,persons,2002,Witness,w.txt
      d,official,50,persons per month,2002,Ministry,m.txt

      """
    // x1 and x2 check one sentence of w.txt (and fail: one inconsistent account); x4 checks it
    // too and passes; x5 has the same quote in another document; x3 and x6 have no shared quote.
    let quote = "\"About 300 in the camp, 100 sent each month, ten dead every day.\""
    let claims = """
      id,claim,formula,op,stated,source,document,quote
      x1,balance,a - b * 30,>=,0,Witness,w.txt,\(quote)
      x3,against the ministry,a / d,<,1,Witness,w.txt,Another sentence.
      x2,stay,c / a,>=,12,Witness,w.txt,"About 300 in the camp, 100 sent each month, ten dead every day. "
      x4,holds,c,>,100,Witness,w.txt,\(quote)
      x5,same words elsewhere,c,>,100,Ministry,m.txt,\(quote)
      x6,no quote,d,>,10,Ministry,m.txt,

      """
    return ClaimsAnalysis.run(
      claims: [try ClaimsReader.parse(Array(claims.utf8), path: "c.csv", keepingRowErrors: true)],
      figures: [try FiguresReader.parse(Array(figures.utf8), path: "f.csv")])
  }

  @Test func groupsFollowTriageAndKeepEveryStatus() throws {
    let report = try Self.run()
    let groups = report.groupedByQuote
    // Triage: fail (x3), inconsistent (x1, x2), then passes (x4, x5, x6). The w.txt sentence
    // stands where its gravest claim stands, with its pass x4 under it; x5 (another document)
    // and x6 (no quote) are groups of one.
    #expect(groups.map { $0.results.map(\.id) } == [["x3"], ["x1", "x2", "x4"], ["x5"], ["x6"]])
    #expect(groups[1].isShared && !groups[2].isShared && !groups[3].isShared)
    #expect(
      groups[1].document == "w.txt"
        && groups[1].quote == "About 300 in the camp, 100 sent each month, ten dead every day.")
    // Grouping is presentation: the inconsistent account is still one finding of two checks.
    #expect(report.results.first { $0.id == "x1" }?.status == .inconsistent)
    #expect(report.totals == "3 passed, 1 failed, 1 inconsistent account (2 checks), 0 errors")
  }

  @Test func theTableAndTheMarkdownShowTheQuoteOnceAboveItsClaims() throws {
    let report = try Self.run()
    let table = ClaimsAnalysis.table(report).split(separator: "\n").map(String.init)
    let heading =
      "3 claims from one sentence of w.txt: \"About 300 in the camp, 100 sent each month, ten dead every day.\""
    #expect(table.filter { $0.contains("About 300 in the camp") } == [heading])
    let at = try #require(table.firstIndex(of: heading))
    #expect(table[at - 1].hasPrefix("FAIL") && table[at - 1].contains("x3"))
    #expect(table[at + 1].hasPrefix("  INCONSISTENT  x1"))
    #expect(table[at + 2].hasPrefix("  INCONSISTENT  x2"))
    #expect(table[at + 3].hasPrefix("  PASS") && table[at + 3].contains("x4"))
    #expect(table[at + 4].hasPrefix("PASS") && table[at + 4].contains("x5"))

    let md = ClaimsAnalysis.markdown(report)
    #expect(md.components(separatedBy: "About 300 in the camp").count == 2, "the quote once:\n\(md)")
    #expect(
      md.contains(
        "3 claims from one sentence of w.txt:\n\n> About 300 in the camp, 100 sent each month, ten dead every day.\n\n| status |"
      ))
    let lines = md.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let quoteLine = try #require(lines.firstIndex { $0.hasPrefix("> About 300") })
    let x1 = try #require(lines.firstIndex { $0.hasPrefix("| **inconsistent** | x1 |") })
    let x4 = try #require(lines.firstIndex { $0.hasPrefix("| pass | x4 |") })
    let x5 = try #require(lines.firstIndex { $0.hasPrefix("| pass | x5 |") })
    #expect(quoteLine < x1 && x1 < x4 && x4 < x5)
    // x5 starts a new table after the group's.
    #expect(lines[x5 - 2].hasPrefix("| status |"))
    #expect(md.hasSuffix("\n\n3 passed, 1 failed, 1 inconsistent account (2 checks), 0 errors.\n"))
  }

  @Test func theHTMLTableShowsTheQuoteOnceAboveItsRows() throws {
    let html = HTMLReport.claimsTable(ReportBuilder.claimRows(try Self.run()))
    #expect(html.components(separatedBy: "About 300 in the camp").count == 2, "\(html)")
    let heading = try #require(html.range(of: "<tr class=\"quote\"><td colspan=\"6\">3 claims from one sentence"))
    let x3 = try #require(html.range(of: "<code>x3</code>"))
    let x1 = try #require(html.range(of: "<code>x1</code>"))
    let x2 = try #require(html.range(of: "<code>x2</code>"))
    let x4 = try #require(html.range(of: "<code>x4</code>"))
    let x5 = try #require(html.range(of: "<code>x5</code>"))
    // The table ranks fail and inconsistent alike, in file order: the sentence of x1 first,
    // with x2 and its pass x4 under it, then x3; x5 (another document) is not under it.
    #expect(heading.lowerBound < x1.lowerBound && x1.lowerBound < x2.lowerBound && x2.lowerBound < x4.lowerBound)
    #expect(x4.lowerBound < x3.lowerBound && x3.lowerBound < x5.lowerBound)
    #expect(xmlProblem(html) == nil)
  }
}
