import Foundation
import Numerics
import StRD
import Statistics
import TestSupport
import Testing

/// The 27 NIST StRD nonlinear regression problems, each with its model written in the
/// expression language (specification taken from the `Model:` block of each `.dat` file;
/// `**` written `^`, brackets as parentheses). Data, starting values and certified values are
/// read from the `.dat` files at test time.
enum NISTNonlinearModels {
  /// Dataset name → model formula f(x; b) (the specification lives in the StRD target).
  static let formulas = NonlinearModels.formulas

  /// Sets whose response enters the model as log(y).
  static let logResponse = NonlinearModels.logResponse

  static var names: [String] { formulas.keys.sorted() }

  /// Log relative error (see `logRelativeError`), clamped to 0...15 digits.
  static func lre(_ a: Double, _ c: Double) -> Double {
    min(15, max(0, logRelativeError(a, c)))
  }

  struct Outcome {
    var converged: Bool
    var reason: String
    var estimateLRE: Double
    var seLRE: Double
    var sdLRE: Double
    var sdLREFloor: Double
    var seLREFloor: Double
    var precisionWarned: Bool
  }

  /// Fits one dataset from one NIST start and measures the LREs.
  static func run(_ name: String, start: Int) throws -> Outcome {
    let ds = try StRD.load(name, kind: .nonlinear)
    let formula = try #require(formulas[name])
    var y = ds.response
    if logResponse.contains(name) { y = y.map { Foundation.log($0) } }
    let values = start == 1 ? ds.start1 : ds.start2
    let starts = zip(ds.certified, values).map { (name: $0.0.name, value: $0.1) }
    let fit = try NonlinearLeastSquares.fit(
      formula: formula, response: y, data: ds.columns, start: starts)
    let est = zip(fit.parameters, ds.certified).map { lre($0.0.estimate, $0.1.estimate) }.min() ?? 0
    let se =
      zip(fit.parameters, ds.certified).map { lre($0.0.standardError, $0.1.standardError) }.min()
      ?? 0
    let certSD = ds.residualSD ?? .nan
    let sd = lre(fit.residualSD ?? .nan, certSD)
    // Digits of σ that double precision can carry. The data themselves are decimal numbers
    // rounded to double, each off by up to ε/2·|yᵢ|, and every residual yᵢ − fᵢ carries a
    // rounding error of that size; so σ̂ cannot be trusted beyond log10(σ / (ε·max|y|))
    // digits. That is > 10 for 26 of the 27 sets; for the zero-residual Lanczos1
    // (σ ≈ 9e-14, max|y| ≈ 2.5) it is ≈ 2.2. Standard errors scale with σ̂ and inherit
    // the bound. The requirements are min(6, bound) for σ̂ and min(4, bound) for the SEs.
    let scale = y.map { abs($0) }.max() ?? 1
    let carried = Foundation.log10(certSD / (Double.ulpOfOne * scale))
    return Outcome(
      converged: fit.converged, reason: fit.stopReason ?? "", estimateLRE: est, seLRE: se,
      sdLRE: sd,
      sdLREFloor: min(6, carried), seLREFloor: min(4, carried),
      precisionWarned: fit.warnings.contains { $0.contains("significant digits") })
  }
}

@Suite("NIST StRD nonlinear regression")
struct NonlinearNISTTests {
  @Test("the 27 model formulas cover the 27 nonlinear files")
  func coverage() throws {
    let files = StRD.files(.nonlinear).map { $0.deletingPathExtension().lastPathComponent }
    #expect(files.count == 27)
    #expect(Set(files) == Set(NISTNonlinearModels.formulas.keys))
  }

  @Test("all 54 starts converge (a regression guard: each failure is reported by name)")
  func allConverge() throws {
    var failed: [String] = []
    for name in NISTNonlinearModels.names {
      for start in [1, 2] where try !NISTNonlinearModels.run(name, start: start).converged {
        failed.append("\(name) start \(start)")
      }
    }
    #expect(failed.isEmpty, "unconverged: \(failed)")
  }

  @Test("certified LREs from both NIST starts", arguments: NISTNonlinearModels.names, [1, 2])
  func certified(name: String, start: Int) throws {
    let o = try NISTNonlinearModels.run(name, start: start)
    let line = String(
      format: "NIST %@ start %d: converged=%@ LRE est %.1f se %.1f sd %.1f (%@)", name, start,
      o.converged ? "yes" : "no", o.estimateLRE, o.seLRE, o.sdLRE, o.reason)
    print(line)
    // Never a silent wrong answer: a fit that claims convergence must be right.
    if o.converged {
      // Where the data cannot carry 4 digits of the standard errors (Lanczos1), the fit must
      // say so explicitly rather than present them as accurate.
      if o.seLREFloor < 4 { #expect(o.precisionWarned, "\(line): no precision warning") }
      #expect(o.estimateLRE >= 6, "\(line)")
      #expect(o.seLRE >= o.seLREFloor, "\(line)")
      #expect(o.sdLRE >= o.sdLREFloor, "\(line)")
    }
  }
}

@Suite("NIST StRD files")
struct StRDParsingTests {
  @Test(
    "every nonlinear file parses with consistent counts",
    arguments: StRD.files(.nonlinear).map(\.path))
  func nonlinear(path: String) throws {
    let ds = try StRD.load(path: path)
    #expect(ds.kind == .nonlinear)
    #expect(ds.certified.count == ds.parameterCount)
    #expect(ds.start1.count == ds.certified.count)
    #expect(ds.start2.count == ds.certified.count)
    #expect(ds.data.count == ds.observationCount)
    #expect(ds.variables.first == "y")
    #expect(ds.residualSS != nil && ds.residualSD != nil)
    // Rat43.dat states 9 degrees of freedom for 15 observations and 4 parameters (NIST's
    // typo; its certified residual SD √(8786.404908/11) = 28.2624 uses 11).
    if let df = ds.degreesOfFreedom, ds.name != "Rat43" {
      #expect(df == ds.observationCount - ds.certified.count)
    }
  }

  @Test("MGH09 as printed in the file")
  func mgh09() throws {
    let ds = try StRD.load("MGH09", kind: .nonlinear)
    #expect(ds.name == "MGH09")
    #expect(ds.modelText == "y = b1*(x**2+x*b2) / (x**2+x*b3+b4)  +  e")
    #expect(ds.start1 == [25, 39, 41.5, 39])
    #expect(ds.start2 == [0.25, 0.39, 0.415, 0.39])
    #expect(
      ds.certified.first
        == .init(name: "b1", estimate: 1.9280693458E-01, standardError: 1.1435312227E-02))
    #expect(ds.data.count == 11)
    #expect(ds.data.first == [1.957000E-01, 4.000000E+00])
    #expect(ds.data.last == [2.460000E-02, 6.250000E-02])
    #expect(ds.residualSS == 3.0750560385E-04)
    #expect(ds.residualSD == 6.6279236551E-03)
  }

  @Test("linear, univariate and ANOVA files parse")
  func otherKinds() throws {
    let longley = try StRD.load("Longley", kind: .linear)
    #expect(longley.variables == ["y", "x1", "x2", "x3", "x4", "x5", "x6"])
    #expect(longley.data.count == 16)
    #expect(longley.certified.count == 7)
    #expect(longley.certified.first?.estimate == -3482258.63459582)
    #expect(longley.residualSD == 304.854073561965)
    #expect(longley.rSquared == 0.995479004577296)
    #expect(longley.residualSS == 836424.055505915)
    let lew = try StRD.load("Lew", kind: .univariate)
    #expect(lew.data.count == 200)
    #expect(
      lew.univariate
        == .init(mean: -177.435, sd: 277.332168044316, autocorrelation: -0.307304800605679))
    let si = try StRD.load("SiRstvt", kind: .anova)
    #expect(si.data.count == 5 && si.data.allSatisfy { $0.count == 5 })
    #expect(si.rSquared == 1.90999039051129E-01)
    #expect(si.anova.first?.df == 4)
    for kind in StRDDataset.Kind.allCases {
      for url in StRD.files(kind) { _ = try StRD.load(path: url.path) }
    }
  }
}

@Suite("NLS against R's nls")
struct NonlinearAgainstRTests {
  /// Rows of Tests/Fixtures/nonlinear/nls-reference.csv, written by scripts/peers/nist-nls.R.
  static func reference() throws -> [[String: String]] {
    try Fixtures.csv("nonlinear/nls-reference.csv")
  }

  static var datasets: [String] {
    var seen: [String] = []
    for row in (try? reference()) ?? [] {
      if let d = row["dataset"], !seen.contains(d) { seen.append(d) }
    }
    return seen
  }

  @Test(
    "estimates, SEs, t intervals, σ, RSS, logLik and AIC agree with R (Start 2)",
    arguments: datasets)
  func agree(name: String) throws {
    let rows = try Self.reference().filter { $0["dataset"] == name }
    let ds = try StRD.load(name, kind: .nonlinear)
    let formula = try #require(NISTNonlinearModels.formulas[name])
    var y = ds.response
    if NISTNonlinearModels.logResponse.contains(name) { y = y.map { Foundation.log($0) } }
    let fit = try NonlinearLeastSquares.fit(
      formula: formula, response: y, data: ds.columns,
      start: zip(ds.certified, ds.start2).map { (name: $0.0.name, value: $0.1) })
    #expect(fit.converged)
    #expect(fit.model == .nls)
    func num(_ row: [String: String], _ key: String) throws -> Double {
      try #require(row[key].flatMap(Double.init))
    }
    let first = try #require(rows.first)
    #expect(fit.dfResidual == Int(first["df_residual"] ?? ""))
    // R stops Gauss–Newton at a relative offset of 1e-5, so its estimates differ from the
    // optimum by a small fraction of a standard error; RSS and what follows from it are
    // second order in that difference.
    #expect(relativeDifference(try #require(fit.residualSD), try num(first, "sigma")) <= 1e-8)
    #expect(relativeDifference(fit.deviance, try num(first, "deviance")) <= 1e-8)
    #expect(abs(try #require(fit.logLikelihood) - (try num(first, "log_likelihood"))) <= 1e-7)
    #expect(abs(try #require(fit.aic) - (try num(first, "aic"))) <= 1e-7)
    #expect(
      fit.dispersion.isFinite
        && abs(fit.dispersion - (fit.residualSD ?? 0) * (fit.residualSD ?? 0)) <= 1e-12
          * fit.dispersion
    )
    for row in rows {
      let p = try #require(fit.parameters.first { $0.name == row["parameter"] })
      let se = try num(row, "std_error")
      #expect(abs(p.estimate - (try num(row, "estimate"))) <= 1e-3 * se, "\(name) \(p.name)")
      #expect(relativeDifference(p.standardError, se) <= 1e-4, "\(name) \(p.name)")
      #expect(abs(p.ciLow - (try num(row, "ci_low"))) <= 2e-3 * se, "\(name) \(p.name)")
      #expect(abs(p.ciHigh - (try num(row, "ci_high"))) <= 2e-3 * se, "\(name) \(p.name)")
    }
  }

  @Test("an evaluation limit is reported as not converged, with the reason")
  func unconverged() throws {
    let ds = try StRD.load("MGH09", kind: .nonlinear)
    let fit = try NonlinearLeastSquares.fit(
      formula: "b1*(x^2+x*b2) / (x^2+x*b3+b4)", response: ds.response, data: ds.columns,
      start: zip(ds.certified, ds.start1).map { (name: $0.0.name, value: $0.1) }, maxEvaluations: 5)
    #expect(!fit.converged)
    #expect(fit.stopReason == "evaluation limit reached before convergence")
    #expect(fit.warnings.contains { $0.contains("did not converge") })
  }
}
